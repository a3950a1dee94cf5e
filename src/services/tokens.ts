import { abilitiesOf, requireAbility } from '../core/connections.ts';
import { AppError } from '../core/errors.ts';
import type { Clock } from '../core/clock.ts';
import { requireWorkspacePlan, type Actor } from '../core/policy.ts';
import type { Secret } from '../core/secret.ts';
import { isFresh, missingScopes } from '../core/tokens.ts';
import type { Envelope } from '../crypto/envelope.ts';
import type { Db } from '../store/db.ts';
import { ConnectionAccessRepo, type ConnectionRow, type ConnectionWithAccess } from '../store/connections.ts';
import type { Plan, WorkspaceRole } from '../store/schema.ts';
import type { AccessCache } from './access-cache.ts';
import type { Events } from './events.ts';
import type { RefreshOutcome, RefreshService } from './refresh.ts';

export interface IssuedToken {
  accessToken: Secret<string>;
  tokenType: string;
  expiresAt: Date | null;
  domain: string;
}

interface CacheEntry {
  sealed: string;
  token: Secret<string>;
  /** Expiry minus the refresh buffer: past it the entry is useless and is dropped. */
  validUntil: number;
}

/**
 * Decrypted access tokens by connection, keyed by their sealed form: a new token (refresh,
 * reconnect) never meets a stale entry, and every read still checks the row (status, access)
 * first. Bounded (oldest out first) and dropped on disconnect.
 */
export class TokenCache {
  readonly #entries = new Map<string, CacheEntry>();
  constructor(private readonly maxEntries = 10_000) {}

  get(id: string, sealed: string, now: Date): Secret<string> | undefined {
    const hit = this.#entries.get(id);
    if (hit === undefined) return undefined;
    if (hit.validUntil <= now.getTime()) {
      this.#entries.delete(id);
      return undefined;
    }
    return hit.sealed === sealed ? hit.token : undefined;
  }

  set(id: string, sealed: string, token: Secret<string>, validUntil: Date | null): void {
    this.#entries.delete(id);
    this.#entries.set(id, { sealed, token, validUntil: validUntil?.getTime() ?? Number.POSITIVE_INFINITY });
    if (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  drop(id: string): void {
    this.#entries.delete(id);
  }

  get size(): number {
    return this.#entries.size;
  }
}

export interface TokensDeps {
  db: Db;
  envelope: Envelope;
  clock: Clock;
  refresher: RefreshService;
  events: Events;
  cache: TokenCache;
  /** Grants by (connection, user): a repeated ask on a fresh token reads nothing from the database. */
  access: AccessCache;
}

/**
 * `POST /connections/:id/token` (SPEC §5): a token valid for at least the refresh buffer,
 * refreshed first when needed. A read that needs no refresh is one database round trip, or none
 * when the grant is in the {@link AccessCache} (the same checks then run on the cached row).
 */
export class TokensService {
  readonly #deps: TokensDeps;
  readonly #access: ConnectionAccessRepo;

  constructor(deps: TokensDeps) {
    this.#deps = deps;
    this.#access = new ConnectionAccessRepo(deps.db);
  }

  /** Drops what is cached about a connection: the next ask reads its row again. */
  forget(id: string): void {
    this.#deps.access.invalidateConnection(id);
    this.#deps.cache.drop(id);
  }

  async issue(actor: Actor, id: string, input: { scopes?: readonly string[] | undefined; workflowId?: string | undefined; nodeId?: string | undefined }): Promise<IssuedToken> {
    const { access, clock } = this.#deps;
    const asked = clock.now();
    let found: ConnectionWithAccess | undefined = access.grant(id, actor.userId, asked.getTime());
    // A cached grant is only good while its token needs no refresh; past that the row is read again.
    if (found !== undefined && !isFresh(asked, found.refresh_due_at)) found = undefined;
    const cached = found !== undefined;
    const generation = access.generation();
    found ??= await this.#access.findForActor(id, actor.userId);
    const member = found?.member_role !== null && found?.member_role !== undefined;
    const abilities = found ? abilitiesOf({ id, workspaceId: found.workspace_id, ownerId: found.owner_id, status: found.status, sharedLevel: found.shared_level }, actor, member) : new Set<never>();
    requireAbility(abilities, 'view', 'use this connection');
    const row = found as ConnectionRow & { member_role: string; plan: string };
    requireWorkspacePlan({ workspaceId: row.workspace_id, role: row.member_role as WorkspaceRole, plan: row.plan as Plan });
    requireAbility(abilities, 'use', 'use this connection');
    checkUsable(row);
    // Remembered once every access check passed (whatever the scopes asked for: they are
    // checked on each ask), and only when fresh: a due token goes through the refresh below.
    if (!cached && isFresh(asked, row.refresh_due_at)) access.rememberGrant(row, actor.userId, generation, asked.getTime());
    const missing = missingScopes(row.scopes, input.scopes ?? []);
    if (missing.length > 0) {
      throw new AppError('insufficient_scope', `This connection was not granted ${missing.join(', ')}. Reconnect it and grant ${missing.length === 1 ? 'that scope' : 'those scopes'}.`, {
        details: { missing, granted: row.scopes },
      });
    }

    let current: ConnectionRow = row;
    if (!isFresh(this.#deps.clock.now(), row.refresh_due_at)) {
      current = rowAfter(await this.#deps.refresher.refresh(id, { force: false, actorId: actor.userId }));
    }
    const sealed = current.access_token;
    if (sealed === null) throw new AppError('connection_disconnected', 'This connection was disconnected.');
    const now = this.#deps.clock.now();
    let token = this.#deps.cache.get(id, sealed, now);
    if (!token) {
      token = this.#deps.envelope.open(sealed, { table: 'connections', id, field: 'access_token' });
      this.#deps.cache.set(id, sealed, token, current.refresh_due_at);
    }
    this.#deps.events.emit({
      type: 'token.issued',
      at: now,
      actorId: actor.userId,
      connectionId: id,
      domain: current.domain,
      workspaceId: current.workspace_id,
      ...(input.workflowId === undefined ? {} : { workflowId: input.workflowId }),
      ...(input.nodeId === undefined ? {} : { nodeId: input.nodeId }),
    });
    return { accessToken: token, tokenType: current.token_type ?? 'bearer', expiresAt: current.token_expires_at, domain: current.domain };
  }
}

/** `410` once disconnected, `409 reauthorize_required` when only a reconnect helps. */
export function checkUsable(row: ConnectionRow): void {
  if (row.status === 'disconnected') throw new AppError('connection_disconnected', 'This connection was disconnected; its tokens are gone. Connect the account again.');
  if (row.status === 'reauthorize') {
    throw new AppError('reauthorize_required', `This connection needs to be reconnected: ${row.status_reason ?? 'the provider no longer accepts its grant'}.`, {
      details: { connectionId: row.id, reason: row.status_reason },
    });
  }
}

/** The row after a refresh attempt, or the error a caller gets. */
export function rowAfter(outcome: RefreshOutcome): ConnectionRow {
  switch (outcome.kind) {
    case 'refreshed':
    case 'fresh':
      // The row as it is now: another actor (an app delete, a disconnect) may have changed it.
      checkUsable(outcome.row);
      return outcome.row;
    case 'gone':
      throw new AppError('connection_disconnected', 'This connection was disconnected; its tokens are gone.');
    case 'reauthorize':
      throw new AppError('reauthorize_required', `This connection needs to be reconnected: ${outcome.reason}`, { details: { connectionId: outcome.row.id, reason: outcome.reason } });
    case 'failed':
      throw new AppError(
        outcome.error.kind === 'misconfigured' ? 'provider_error' : 'provider_unavailable',
        outcome.error.kind === 'misconfigured' ? `OAuth app misconfigured: ${outcome.error.reason}` : `The token could not be refreshed right now: ${outcome.error.reason}`,
        { details: { retryAt: outcome.retryAt.toISOString(), providerCode: outcome.error.code } },
      );
  }
}
