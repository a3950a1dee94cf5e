import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, Migrator, PostgresDialect, sql, type MigrationResultSet } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import type { Database } from './schema.ts';
import { migrations } from './migrations/index.ts';

export type Db = Kysely<Database>;
export type DbKind = 'pglite' | 'postgres';

export interface Store {
  readonly db: Db;
  readonly kind: DbKind;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** A postgres:// URL; when absent the embedded PGlite database is used. */
  readonly databaseUrl?: string | null;
  /** Where PGlite keeps its files; absent means in memory (tests). */
  readonly dataDir?: string | null;
  readonly poolSize?: number;
}

// int8 (bigint) as number: our counts stay far below 2^53.
pg.types.setTypeParser(20, (value: string) => Number(value));

export async function openStore(options: StoreOptions): Promise<Store> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
    });
    // An idle client losing its connection (database restart, admin terminate) must not crash the
    // process: the pool drops that client and the next query opens a new one.
    pool.on('error', () => undefined);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', close: () => db.destroy() };
  }
  let client: PGlite;
  if (options.dataDir) {
    const dir = join(options.dataDir, 'pglite');
    await mkdir(dir, { recursive: true });
    client = await PGlite.create(dir);
  } else {
    client = await PGlite.create();
  }
  const db = new Kysely<Database>({ dialect: new PGliteDialect(client) });
  // The dialect's destroy() closes the PGlite instance.
  return { db, kind: 'pglite', close: () => db.destroy() };
}

function migrator(db: Db): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => migrations } });
}

/** Applies every pending migration; throws with the failing migration's name and cause. */
export async function migrateToLatest(db: Db): Promise<MigrationResultSet> {
  const result = await migrator(db).migrateToLatest();
  if (result.error !== undefined) {
    const failed = result.results?.find((r) => r.status === 'Error');
    const why = result.error instanceof Error ? result.error.message : 'unknown error';
    throw new Error(`migration ${failed?.migrationName ?? '(bookkeeping)'} failed: ${why}`, { cause: result.error });
  }
  return result;
}

/** Readiness: the database answers and no migration is pending. */
export async function checkReady(db: Db): Promise<{ ready: boolean; reason?: string }> {
  try {
    await sql`select 1`.execute(db);
  } catch {
    return { ready: false, reason: 'database unreachable' };
  }
  try {
    const list = await migrator(db).getMigrations();
    const pending = list.filter((m) => m.executedAt === undefined).length;
    return pending === 0 ? { ready: true } : { ready: false, reason: `${pending} migration(s) pending` };
  } catch {
    return { ready: false, reason: 'migrations not applied' };
  }
}
