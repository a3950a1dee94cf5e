import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../../src/config.ts';
import { openStore, migrateToLatest, type Store, type DbKind } from '../../src/store/db.ts';

/**
 * The database every suite runs on: PGlite in memory by default, PostgreSQL when
 * DATABASE_URL is set (CI runs the whole suite once each way). On PostgreSQL each call gets a
 * fresh database, dropped on close, so suites never see each other's rows.
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
    // A database of its own per store (not a schema: Kysely's migrator looks for its bookkeeping
    // tables in every schema, so suites migrating side by side would see each other's).
    const name = `tether_t_${randomBytes(6).toString('hex')}`;
    const admin = async (statement: string): Promise<void> => {
      const c = new pg.Client({ connectionString: testDatabaseUrl });
      await c.connect();
      try {
        await c.query(statement);
      } finally {
        await c.end();
      }
    };
    await admin(`create database ${name}`);
    const url = new URL(testDatabaseUrl);
    url.pathname = `/${name}`;
    store = await openStore({ databaseUrl: url.toString(), poolSize: 20 });
    env = { DATABASE_URL: url.toString() };
    dropSchema = () => admin(`drop database if exists ${name} with (force)`);
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
