import type { Selectable } from 'kysely';
import type { Db } from './db.ts';
import type { UsersTable, ApiKeysTable } from './schema.ts';

export type UserRow = Selectable<UsersTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;

/** Users, their sessions and API keys: one aggregate, one repository. */
export class AccountsRepo {
  constructor(private readonly db: Db) {}

  findUserByEmail(email: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  }

  findUserById(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async insertUser(user: { id: string; email: string; name: string | null; passwordHash: string; isAdmin: boolean }): Promise<UserRow> {
    return this.db
      .insertInto('users')
      .values({ id: user.id, email: user.email, name: user.name, password_hash: user.passwordHash, is_admin: user.isAdmin })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async countUsers(): Promise<number> {
    const row = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async insertSession(session: { idHash: string; userId: string; expiresAt: Date }): Promise<void> {
    await this.db.insertInto('sessions').values({ id_hash: session.idHash, user_id: session.userId, expires_at: session.expiresAt }).execute();
  }

  /** The user of a live session, in one round trip. */
  findUserBySession(idHash: string, now: Date): Promise<UserRow | undefined> {
    return this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .selectAll('users')
      .where('sessions.id_hash', '=', idHash)
      .where('sessions.expires_at', '>', now)
      .executeTakeFirst();
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
  }

  async deleteExpiredSessions(now: Date): Promise<void> {
    await this.db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
  }

  async insertApiKey(key: { id: string; userId: string; name: string; keyHash: string; prefix: string }): Promise<ApiKeyRow> {
    return this.db
      .insertInto('api_keys')
      .values({ id: key.id, user_id: key.userId, name: key.name, key_hash: key.keyHash, prefix: key.prefix })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  listApiKeys(userId: string): Promise<ApiKeyRow[]> {
    return this.db.selectFrom('api_keys').selectAll().where('user_id', '=', userId).orderBy('created_at', 'asc').orderBy('id').execute();
  }

  /** Marks the key revoked; returns false when the user has no such live key. */
  async revokeApiKey(userId: string, id: string, now: Date): Promise<boolean> {
    const row = await this.db
      .updateTable('api_keys')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    return row !== undefined;
  }

  /** The owner of a live (unrevoked) API key and the key's id, in one round trip. */
  findUserByApiKey(keyHash: string): Promise<(UserRow & { key_id: string }) | undefined> {
    return this.db
      .selectFrom('api_keys')
      .innerJoin('users', 'users.id', 'api_keys.user_id')
      .selectAll('users')
      .select('api_keys.id as key_id')
      .where('api_keys.key_hash', '=', keyHash)
      .where('api_keys.revoked_at', 'is', null)
      .executeTakeFirst();
  }

  async touchApiKey(id: string, now: Date): Promise<void> {
    await this.db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', id).execute();
  }
}
