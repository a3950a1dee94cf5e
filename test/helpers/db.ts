import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../../src/config.ts';
import { openStore, migrateToLatest, type Store, type DbKind } from '../../src/store/db.ts';

/**
 * The database every suite runs on: PGlite in memory by default, PostgreSQL when
 * DATABASE_URL is set (CI runs the whole suite once each way). On PostgreSQL each call gets a
 * fresh schema, dropped on close, so suites never see each other's rows.
 */
export const testDatabaseUrl: string | null = loadConfig(process.env).databaseUrl?.reveal() ?? null;
export const testDbKind: DbKind = testDatabaseUrl ? 'postgres' : 'pglite';

export interface TestStore extends Store {
  /** Connection options a child server process needs to reach the same data. */
  readonly env: Record<string, string>;
}

export async function createTestStore(options: { migrate?: boolean } = {}): Promise<TestStore> {
  let store: Store;
  let env: Record<string, string> = {};
  let dropSchema: (() => Promise<void>) | null = null;
  if (testDatabaseUrl) {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: testDatabaseUrl });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    store = await openStore({ databaseUrl: testDatabaseUrl, schema, poolSize: 20 });
    const url = new URL(testDatabaseUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    env = { DATABASE_URL: url.toString() };
    dropSchema = async () => {
      const c = new pg.Client({ connectionString: testDatabaseUrl });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    };
  } else {
    store = await openStore({});
  }
  if (options.migrate !== false) await migrateToLatest(store.db);
  return {
    db: store.db,
    kind: store.kind,
    env,
    close: async () => {
      await store.close();
      if (dropSchema) await dropSchema();
    },
  };
}
