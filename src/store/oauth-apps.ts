import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from './db.ts';
import type { OAuthAppsTable } from './schema.ts';

export type OAuthAppRow = Selectable<OAuthAppsTable>;
export type OAuthAppInsert = Insertable<OAuthAppsTable>;

export class OAuthAppsRepo {
  constructor(private readonly db: Db) {}

  find(domain: string): Promise<OAuthAppRow | undefined> {
    return this.db.selectFrom('oauth_apps').selectAll().where('domain', '=', domain).executeTakeFirst();
  }

  /** For update: serialises concurrent edits of one app. */
  findForUpdate(domain: string): Promise<OAuthAppRow | undefined> {
    return this.db.selectFrom('oauth_apps').selectAll().where('domain', '=', domain).forUpdate().executeTakeFirst();
  }

  list(): Promise<OAuthAppRow[]> {
    return this.db.selectFrom('oauth_apps').selectAll().orderBy('domain').execute();
  }

  async insert(row: OAuthAppInsert): Promise<OAuthAppRow> {
    return this.db.insertInto('oauth_apps').values(row).returningAll().executeTakeFirstOrThrow();
  }

  async update(domain: string, row: Omit<Updateable<OAuthAppsTable>, 'domain' | 'created_at'>): Promise<OAuthAppRow> {
    return this.db.updateTable('oauth_apps').set(row).where('domain', '=', domain).returningAll().executeTakeFirstOrThrow();
  }

  async delete(domain: string): Promise<boolean> {
    const row = await this.db.deleteFrom('oauth_apps').where('domain', '=', domain).returning('domain').executeTakeFirst();
    return row !== undefined;
  }
}
