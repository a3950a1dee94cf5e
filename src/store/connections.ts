import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from './db.ts';
import type { ConnectionsTable, ConnectSessionsTable } from './schema.ts';

export type ConnectionRow = Selectable<ConnectionsTable>;
export type ConnectSessionRow = Selectable<ConnectSessionsTable>;

/** Connections: the tokens (sealed), status, identity and share of each connected account. */
export class ConnectionsRepo {
  constructor(private readonly db: Db) {}

  find(id: string): Promise<ConnectionRow | undefined> {
    return this.db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The caller's own connections in a workspace plus those shared to it. */
  listVisible(workspaceId: string, userId: string, domain?: string): Promise<ConnectionRow[]> {
    let q = this.db
      .selectFrom('connections')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where((eb) => eb.or([eb('owner_id', '=', userId), eb('shared_level', 'is not', null)]));
    if (domain !== undefined) q = q.where('domain', '=', domain);
    return q.orderBy('created_at', 'asc').orderBy('id').execute();
  }

  async insert(row: Insertable<ConnectionsTable>): Promise<ConnectionRow> {
    return this.db.insertInto('connections').values(row).returningAll().executeTakeFirstOrThrow();
  }

  async update(id: string, patch: Updateable<ConnectionsTable>): Promise<ConnectionRow | undefined> {
    return this.db.updateTable('connections').set(patch).where('id', '=', id).returningAll().executeTakeFirst();
  }

  /** Like `update`, but never on a disconnected connection (disconnect is terminal). */
  async updateUnlessDisconnected(id: string, patch: Updateable<ConnectionsTable>): Promise<ConnectionRow | undefined> {
    return this.db.updateTable('connections').set(patch).where('id', '=', id).where('status', '!=', 'disconnected').returningAll().executeTakeFirst();
  }

  /**
   * Every live connection of a domain moves to `reauthorize` (its OAuth app is gone). A refresh in
   * flight loses its lease, so its result cannot turn the connection `active` again.
   */
  async markDomainReauthorize(domain: string, reason: string, now: Date): Promise<ConnectionRow[]> {
    return this.db
      .updateTable('connections')
      .set({ status: 'reauthorize', status_reason: reason, refresh_lease_until: null, refresh_lease_owner: null, updated_at: now })
      .where('domain', '=', domain)
      .where('status', '!=', 'disconnected')
      .returningAll()
      .execute();
  }

  /**
   * Takes the refresh lease of one connection if nobody holds a live one (cross-process single
   * flight). Unless `force`, only when the token is due. The status shows `refreshing` meanwhile.
   */
  async claimLease(id: string, owner: string, now: Date, until: Date, force: boolean): Promise<ConnectionRow | undefined> {
    let q = this.db
      .updateTable('connections')
      .set({ refresh_lease_until: until, refresh_lease_owner: owner, status: 'refreshing' })
      .where('id', '=', id)
      .where('status', 'in', ['active', 'error', 'refreshing'])
      .where((eb) => eb.or([eb('refresh_lease_until', 'is', null), eb('refresh_lease_until', '<=', now)]));
    if (!force) q = q.where('refresh_due_at', '<=', now);
    return q.returningAll().executeTakeFirst();
  }

  /**
   * The background refresher's claim: up to `limit` connections due before `horizon`, not in
   * backoff, not leased — `FOR UPDATE SKIP LOCKED`, so concurrent workers never claim the same row.
   * `refreshedBefore` leaves out rows refreshed since then (the current pass): a short-lived new
   * token may already be due before the horizon, and must wait for the next pass.
   */
  async claimDue(owner: string, now: Date, horizon: Date, until: Date, limit: number, refreshedBefore?: Date): Promise<ConnectionRow[]> {
    return this.db
      .updateTable('connections')
      .set({ refresh_lease_until: until, refresh_lease_owner: owner, status: 'refreshing' })
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('connections')
          .select('id')
          .where('status', 'in', ['active', 'error', 'refreshing'])
          .where('refresh_due_at', '<=', horizon)
          .where('refresh_token', 'is not', null)
          .where((w) => w.or([w('refresh_retry_at', 'is', null), w('refresh_retry_at', '<=', now)]))
          .where((w) => w.or([w('refresh_lease_until', 'is', null), w('refresh_lease_until', '<=', now)]))
          .$if(refreshedBefore !== undefined, (q) => q.where((w) => w.or([w('last_refreshed_at', 'is', null), w('last_refreshed_at', '<', refreshedBefore ?? now)])))
          .orderBy('refresh_due_at')
          .limit(limit)
          .forUpdate()
          .skipLocked(),
      )
      .returningAll()
      .execute();
  }

  /**
   * Extends a lease its holder still owns, when the refresh it was claimed for actually starts
   * (a worker claims a batch but refreshes only a few at a time). Undefined when the lease was
   * lost meanwhile — it ran out and another process took the row, or a reconnect or disconnect
   * cleared it — and the holder must then leave the row alone.
   */
  async renewLease(id: string, owner: string, until: Date): Promise<ConnectionRow | undefined> {
    return this.db
      .updateTable('connections')
      .set({ refresh_lease_until: until })
      .where('id', '=', id)
      .where('refresh_lease_owner', '=', owner)
      .returningAll()
      .executeTakeFirst();
  }

  /** Writes the outcome of a refresh — only if this holder still owns the lease. */
  async finishRefresh(id: string, owner: string, patch: Updateable<ConnectionsTable>): Promise<ConnectionRow | undefined> {
    return this.db
      .updateTable('connections')
      .set({ ...patch, refresh_lease_until: null, refresh_lease_owner: null })
      .where('id', '=', id)
      .where('refresh_lease_owner', '=', owner)
      .returningAll()
      .executeTakeFirst();
  }

  async insertSession(row: Insertable<ConnectSessionsTable>): Promise<void> {
    await this.db.insertInto('connect_sessions').values(row).execute();
  }

  findSessionByStateHash(stateHash: string): Promise<ConnectSessionRow | undefined> {
    return this.db.selectFrom('connect_sessions').selectAll().where('state_hash', '=', stateHash).executeTakeFirst();
  }

  /** Marks a session used; false when someone else used it first (single use, even under races). */
  async consumeSession(id: string, now: Date): Promise<boolean> {
    const row = await this.db
      .updateTable('connect_sessions')
      .set({ used_at: now })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    return row !== undefined;
  }

  async deleteSessionsBefore(cutoff: Date): Promise<void> {
    await this.db.deleteFrom('connect_sessions').where('expires_at', '<', cutoff).execute();
  }
}

/** A connection with the caller's membership of its workspace and the plan: one round trip. */
export type ConnectionWithAccess = ConnectionRow & { member_role: string | null; plan: string };

export class ConnectionAccessRepo {
  constructor(private readonly db: Db) {}

  findForActor(id: string, userId: string): Promise<ConnectionWithAccess | undefined> {
    return this.db
      .selectFrom('connections as c')
      .innerJoin('workspaces as w', 'w.id', 'c.workspace_id')
      .leftJoin('memberships as m', (join) => join.onRef('m.workspace_id', '=', 'c.workspace_id').on('m.user_id', '=', userId))
      .selectAll('c')
      .select(['m.role as member_role', 'w.plan as plan'])
      .where('c.id', '=', id)
      .executeTakeFirst();
  }
}
