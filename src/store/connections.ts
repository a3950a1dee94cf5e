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

  /** Every live connection of a domain moves to `reauthorize` (its OAuth app is gone). */
  async markDomainReauthorize(domain: string, reason: string, now: Date): Promise<ConnectionRow[]> {
    return this.db
      .updateTable('connections')
      .set({ status: 'reauthorize', status_reason: reason, updated_at: now })
      .where('domain', '=', domain)
      .where('status', '!=', 'disconnected')
      .returningAll()
      .execute();
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
