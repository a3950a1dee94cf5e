import { randomBytes } from 'node:crypto';
import { AppError } from '../core/errors.ts';
import type { Clock } from '../core/clock.ts';
import type { Secret } from '../core/secret.ts';
import { backoffMs, ERROR_AFTER_FAILURES, refreshDueAt } from '../core/tokens.ts';
import type { Envelope } from '../crypto/envelope.ts';
import type { Logger } from '../log.ts';
import { refreshAccessToken } from '../oauth/lifecycle.ts';
import { requiresReauthorization, type ErrorClassification, type FetchFunction } from '../oauth/providers/index.ts';
import type { Db } from '../store/db.ts';
import { ConnectionsRepo, type ConnectionRow } from '../store/connections.ts';
import type { Events } from './events.ts';
import type { OAuthAppsService } from './oauth-apps.ts';

export type RefreshOutcome =
  | { kind: 'refreshed'; row: ConnectionRow }
  /** Nothing to do: fresh already, or another process refreshed it meanwhile. */
  | { kind: 'fresh'; row: ConnectionRow }
  | { kind: 'reauthorize'; row: ConnectionRow; reason: string }
  | { kind: 'failed'; row: ConnectionRow; error: ErrorClassification; retryAt: Date }
  | { kind: 'gone' };

export interface RefreshDeps {
  db: Db;
  envelope: Envelope;
  clock: Clock;
  logger: Logger;
  apps: OAuthAppsService;
  events: Events;
  fetch?: FetchFunction;
  /** How long a refresh lease lasts: longer than the provider timeout, so a live holder never loses it. */
  leaseMs?: number;
  /** How often a process waiting for another's refresh looks again. */
  pollMs?: number;
  random?: () => number;
}

const DEFAULT_LEASE_MS = 45_000;

/**
 * Exactly-once refresh (SPEC §5): concurrent asks in one process share one promise; across
 * processes a lease in the connection row decides who refreshes, and the others wait for the
 * token it mints. A holder that dies leaves a lease that runs out; the next one takes over.
 */
export class RefreshService {
  readonly #deps: RefreshDeps;
  readonly #repo: ConnectionsRepo;
  readonly #inflight = new Map<string, Promise<RefreshOutcome>>();
  readonly #processId = randomBytes(6).toString('hex');

  constructor(deps: RefreshDeps) {
    this.#deps = deps;
    this.#repo = new ConnectionsRepo(deps.db);
  }

  get leaseMs(): number {
    return this.#deps.leaseMs ?? DEFAULT_LEASE_MS;
  }

  /** A fresh lease-owner tag: this process plus this attempt. */
  newOwner(): string {
    return `${this.#processId}:${randomBytes(6).toString('hex')}`;
  }

  /**
   * Refreshes one connection, sharing the work with every concurrent caller. Without `force`,
   * only when the token is due (a token minted meanwhile by anyone is returned as `fresh`).
   */
  refresh(id: string, options: { force: boolean; actorId?: string | null }): Promise<RefreshOutcome> {
    const key = `${id}:${options.force ? 'force' : 'due'}`;
    const running = this.#inflight.get(key);
    if (running) return running;
    const promise = this.#acrossProcesses(id, options.force, options.actorId ?? null).finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, promise);
    return promise;
  }

  async #acrossProcesses(id: string, force: boolean, actorId: string | null): Promise<RefreshOutcome> {
    const askedAt = this.#deps.clock.now();
    const giveUpAt = askedAt.getTime() + this.leaseMs + 5_000;
    for (;;) {
      const now = this.#deps.clock.now();
      const owner = this.newOwner();
      const claimed = await this.#repo.claimLease(id, owner, now, new Date(now.getTime() + this.leaseMs), force);
      if (claimed) return this.runClaimed(claimed, owner, actorId);

      const row = await this.#repo.find(id);
      if (!row || row.status === 'disconnected') return { kind: 'gone' };
      if (row.status === 'reauthorize') return { kind: 'reauthorize', row, reason: row.status_reason ?? 'The connection must be reconnected.' };
      const leased = row.refresh_lease_until !== null && row.refresh_lease_until.getTime() > now.getTime();
      const refreshedSinceAsked = row.last_refreshed_at !== null && row.last_refreshed_at.getTime() >= askedAt.getTime();
      if (!leased) {
        // Nobody is refreshing: either it was done meanwhile, or it is not due.
        if (!force || refreshedSinceAsked) return { kind: 'fresh', row };
        continue;
      }
      if (now.getTime() > giveUpAt) throw new AppError('provider_unavailable', 'Another Tether process is still refreshing this connection. Try again shortly.');
      await new Promise((r) => setTimeout(r, this.#deps.pollMs ?? 50));
    }
  }

  /**
   * Performs the refresh of a row this caller holds the lease of, and records the outcome. If
   * something unexpected throws (a database or decryption error), the lease is handed back and
   * the status restored at once, rather than leaving the connection `refreshing` until the lease
   * runs out.
   */
  async runClaimed(row: ConnectionRow, owner: string, actorId: string | null): Promise<RefreshOutcome> {
    try {
      return await this.#runClaimed(row, owner, actorId);
    } catch (err) {
      await this.#repo
        .finishRefresh(row.id, owner, { status: row.refresh_failures >= ERROR_AFTER_FAILURES ? 'error' : 'active', last_error: 'internal_error', updated_at: this.#deps.clock.now() })
        .catch(() => undefined);
      throw err;
    }
  }

  async #runClaimed(row: ConnectionRow, owner: string, actorId: string | null): Promise<RefreshOutcome> {
    const { envelope, clock, events } = this.#deps;
    const context = { connectionId: row.id, domain: row.domain, workspaceId: row.workspace_id };
    const reauthorize = async (reason: string, code: string): Promise<RefreshOutcome> => {
      const updated = await this.#repo.finishRefresh(row.id, owner, { status: 'reauthorize', status_reason: reason, last_error: code, updated_at: clock.now() });
      events.emit({ type: 'connection.reauthorize_required', at: clock.now(), actorId, ...context, reason });
      return { kind: 'reauthorize', row: updated ?? row, reason };
    };

    if (row.refresh_token === null) {
      // Nothing to refresh with; while the access token is still valid it stays usable (a manual
      // refresh or an ask inside the buffer must not cost a working connection). Lease released.
      const now = clock.now();
      if (row.token_expires_at === null || row.token_expires_at.getTime() > now.getTime()) {
        const released = await this.#repo.finishRefresh(row.id, owner, { status: 'active', updated_at: now });
        return { kind: 'fresh', row: released ?? row };
      }
      return reauthorize(`${row.domain} issued no refresh token, so the expired access token cannot be renewed. Reconnect to continue.`, 'no_refresh_token');
    }
    let app;
    try {
      app = await this.#deps.apps.load(row.domain);
    } catch (err) {
      if (err instanceof AppError && err.code === 'provider_not_configured') return reauthorize(`The OAuth app for ${row.domain} was removed.`, 'oauth_app_missing');
      throw err;
    }
    const refreshToken = envelope.open(row.refresh_token, { table: 'connections', id: row.id, field: 'refresh_token' });
    const result = await refreshAccessToken(app.provider, app.clientSecret, refreshToken, {
      now: () => clock.now(),
      ...(this.#deps.fetch ? { fetch: this.#deps.fetch } : {}),
    });
    const now = clock.now();

    if (result.ok) {
      const t = result.tokens;
      const seal = (value: Secret<string>, field: string): string => envelope.seal(value, { table: 'connections', id: row.id, field });
      // One statement: the new access token and the rotated refresh token land together, or
      // neither does; without a new refresh token the old one is kept (Google).
      const updated = await this.#repo.finishRefresh(row.id, owner, {
        access_token: seal(t.accessToken, 'access_token'),
        ...(t.refreshToken === null ? {} : { refresh_token: seal(t.refreshToken, 'refresh_token') }),
        token_type: t.tokenType,
        token_expires_at: t.expiresAt,
        last_refreshed_at: now,
        refresh_due_at: refreshDueAt(now, t.expiresAt),
        ...(t.scopes === null || t.scopes.length === 0 ? {} : { scopes: JSON.stringify(t.scopes) }),
        status: 'active',
        status_reason: null,
        refresh_failures: 0,
        refresh_retry_at: null,
        last_error: null,
        updated_at: now,
      });
      if (!updated) {
        // Our lease ran out and someone else took over; their result stands.
        this.#deps.logger.error({ connectionId: row.id }, 'refresh finished after its lease expired; result discarded');
        const current = await this.#repo.find(row.id);
        return current ? { kind: 'fresh', row: current } : { kind: 'gone' };
      }
      events.emit({ type: 'connection.refreshed', at: now, actorId, ...context, rotated: t.refreshToken !== null });
      return { kind: 'refreshed', row: updated };
    }

    const error = result.error;
    events.emit({ type: 'connection.refresh_failed', at: now, actorId, ...context, kind: error.kind, code: error.code, reason: error.reason });
    this.#deps.logger.warn({ ...context, kind: error.kind, providerCode: error.code }, 'refresh failed');
    if (requiresReauthorization(error.kind)) return reauthorize(error.reason, error.code);

    // Transient, or the OAuth app is misconfigured: the grant is intact; back off and retry.
    const failures = row.refresh_failures + 1;
    const retryAt = new Date(now.getTime() + backoffMs(failures, error.retryAfterSeconds, this.#deps.random));
    const misconfigured = error.kind === 'misconfigured';
    const showError = misconfigured || failures >= ERROR_AFTER_FAILURES;
    const updated = await this.#repo.finishRefresh(row.id, owner, {
      status: showError ? 'error' : 'active',
      status_reason: showError ? (misconfigured ? `OAuth app misconfigured: ${error.reason}` : error.reason) : null,
      refresh_failures: failures,
      refresh_retry_at: retryAt,
      last_error: error.code,
      updated_at: now,
    });
    return { kind: 'failed', row: updated ?? row, error, retryAt };
  }
}
