import { AppError } from '../core/errors.ts';
import type { Clock } from '../core/clock.ts';
import type { Actor } from '../core/policy.ts';
import type { Secret } from '../core/secret.ts';
import type { Envelope } from '../crypto/envelope.ts';
import type { Logger } from '../log.ts';
import { revokeTokens, type RevocationOutcome } from '../oauth/lifecycle.ts';
import type { FetchFunction } from '../oauth/providers/index.ts';
import type { Db } from '../store/db.ts';
import { ConnectionsRepo, type ConnectionRow } from '../store/connections.ts';
import type { ConnectService } from './connect.ts';
import { toConnectionView, type ConnectionsService, type ConnectionView } from './connections.ts';
import type { Events } from './events.ts';
import type { OAuthAppsService } from './oauth-apps.ts';
import type { RefreshService } from './refresh.ts';
import { checkUsable, rowAfter, type TokenCache } from './tokens.ts';

/** Runs in the disconnect transaction (SPEC §7: every node that used the connection breaks). */
export type DisconnectedHook = (trx: Db, event: { connection: ConnectionRow; actorId: string }) => Promise<(() => void) | void>;

export interface LifecycleDeps {
  db: Db;
  envelope: Envelope;
  clock: Clock;
  logger: Logger;
  apps: OAuthAppsService;
  connections: ConnectionsService;
  connect: ConnectService;
  refresher: RefreshService;
  cache: TokenCache;
  events: Events;
  fetch?: FetchFunction;
  onDisconnected?: DisconnectedHook[];
}

function describeRevocation(outcome: RevocationOutcome, providerName: string): string {
  switch (outcome.kind) {
    case 'revoked':
      return `Revoked at ${providerName}.`;
    case 'not_supported':
      return `${providerName} offers no way to revoke tokens from an app; the tokens were deleted here and expire at ${providerName} on their own. The account owner can remove the app's access in their ${providerName} account settings.`;
    case 'failed':
      return `Revocation at ${providerName} failed (${outcome.reason}); the tokens were deleted here anyway.`;
  }
}

/** Manual refresh, reconnect and disconnect (SPEC §5). */
export class LifecycleService {
  readonly #deps: LifecycleDeps;

  constructor(deps: LifecycleDeps) {
    this.#deps = deps;
  }

  /** The Refresh Token button: refresh now and report the outcome (owner or `manage` share). */
  async refreshNow(actor: Actor, id: string): Promise<ConnectionView> {
    const row = await this.#deps.connections.authorize(actor, id, 'manage', 'refresh this connection');
    checkUsable(row);
    return toConnectionView(rowAfter(await this.#deps.refresher.refresh(id, { force: true, actorId: actor.userId })));
  }

  /** Starts a reconnect that keeps the connection id (owner or `manage` share). */
  async reconnect(
    actor: Actor,
    id: string,
    input: { scopes?: readonly string[] | undefined; allowAccountChange?: boolean | undefined },
    bindingId: string,
  ): Promise<{ authorizationUrl: string; expiresAt: Date }> {
    const row = await this.#deps.connections.authorize(actor, id, 'manage', 'reconnect this connection');
    if (row.status === 'disconnected') throw new AppError('connection_disconnected', 'This connection was disconnected; connect the account again instead.');
    // Moving a connection to another provider account changes what every workflow on it acts
    // as: only its owner may agree to that, never someone it is shared with.
    if (input.allowAccountChange === true && row.owner_id !== actor.userId) {
      throw new AppError('forbidden', 'Only the connection’s owner can reconnect it with a different account.');
    }
    // Ask again for everything granted before plus anything new (scope upgrade).
    const scopes = [...new Set([...row.scopes, ...(input.scopes ?? [])])];
    return this.#deps.connect.start(
      actor,
      row.workspace_id,
      { domain: row.domain, name: row.name, scopes, connectionId: id, allowAccountChange: input.allowAccountChange === true },
      bindingId,
    );
  }

  /**
   * Disconnect (owner only): revoke at the provider where it can be done (a failure is recorded,
   * never blocking), then delete the stored tokens and mark the connection `disconnected`.
   */
  async disconnect(actor: Actor, id: string): Promise<void> {
    const row = await this.#deps.connections.authorize(actor, id, 'own', 'disconnect this connection');
    if (row.status === 'disconnected') return;
    const { envelope, clock } = this.#deps;
    let revocation: string;
    try {
      const app = await this.#deps.apps.load(row.domain);
      const open = (sealed: string | null, field: string): Secret<string> | null =>
        sealed === null ? null : envelope.open(sealed, { table: 'connections', id, field });
      const outcome = await revokeTokens(
        app.provider,
        app.clientSecret,
        { accessToken: open(row.access_token, 'access_token'), refreshToken: open(row.refresh_token, 'refresh_token') },
        this.#deps.fetch ? { fetch: this.#deps.fetch } : {},
      );
      revocation = describeRevocation(outcome, app.provider.displayName);
    } catch (err) {
      if (!(err instanceof AppError)) this.#deps.logger.error({ err, connectionId: id }, 'revocation failed unexpectedly');
      revocation = `Not revoked at the provider (${err instanceof AppError ? err.message : 'unexpected error'}); the tokens were deleted here anyway.`;
    }
    const now = clock.now();
    const afterCommit: (() => void)[] = [];
    await this.#deps.db.transaction().execute(async (trx) => {
      // Crypto-shredding: the sealed tokens (and with them their data keys) are gone.
      const updated = await new ConnectionsRepo(trx).update(id, {
        access_token: null,
        refresh_token: null,
        status: 'disconnected',
        status_reason: 'Disconnected by its owner.',
        revocation,
        refresh_due_at: null,
        refresh_lease_until: null,
        refresh_lease_owner: null,
        updated_at: now,
      });
      for (const hook of this.#deps.onDisconnected ?? []) {
        const after = await hook(trx, { connection: updated ?? row, actorId: actor.userId });
        if (after) afterCommit.push(after);
      }
    });
    for (const after of afterCommit) after();
    this.#deps.cache.drop(id);
    this.#deps.logger.info({ connectionId: id, domain: row.domain }, 'connection disconnected');
    this.#deps.events.emit({ type: 'connection.disconnected', at: now, actorId: actor.userId, connectionId: id, domain: row.domain, workspaceId: row.workspace_id, revocation });
  }
}
