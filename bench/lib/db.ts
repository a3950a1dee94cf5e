import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrateToLatest, openStore, type Store } from '../../src/store/db.ts';

/** A fresh PostgreSQL database for one benchmark, created from `adminUrl` and dropped afterwards. */
export interface FreshDatabase {
  url: string;
  store: Store;
  serverVersion: string;
  drop(): Promise<void>;
}

async function admin<T>(adminUrl: string, run: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    return await run(c);
  } finally {
    await c.end();
  }
}

export async function freshDatabase(adminUrl: string, options: { poolSize?: number } = {}): Promise<FreshDatabase> {
  const name = `tether_bench_${randomBytes(5).toString('hex')}`;
  const serverVersion = await admin(adminUrl, async (c) => {
    await c.query(`create database ${name}`);
    return String(((await c.query('show server_version')).rows[0] as { server_version: string }).server_version);
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const store = await openStore({ databaseUrl: url.toString(), poolSize: options.poolSize ?? 10 });
  await migrateToLatest(store.db);
  return {
    url: url.toString(),
    store,
    serverVersion,
    drop: async () => {
      await store.close();
      await admin(adminUrl, (c) => c.query(`drop database if exists ${name} with (force)`));
    },
  };
}
