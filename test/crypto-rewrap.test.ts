import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sql, type CompiledQuery, type QueryExecutorProvider } from 'kysely';
import type { KeyEncryptionKey } from '../src/config.ts';
import { Secret } from '../src/core/secret.ts';
import { Envelope } from '../src/crypto/envelope.ts';
import { DecryptError } from '../src/crypto/errors.ts';
import { Keyring } from '../src/crypto/keyring.ts';
import { rewrapAll } from '../src/crypto/rewrap.ts';
import type { EncryptedColumn } from '../src/store/encrypted-columns.ts';
import { createTestStore, testDbKind } from './helpers/db.ts';

const v1: KeyEncryptionKey = { version: 1, key: new Secret(randomBytes(32)) };
const v2: KeyEncryptionKey = { version: 2, key: new Secret(randomBytes(32)) };
const before = new Envelope(new Keyring([v1]));
const rotated = new Envelope(new Keyring([v2, v1]));
const onlyV2 = new Envelope(new Keyring([v2]));

const secretColumn: EncryptedColumn = { table: 'crypto_rewrap_test', idColumn: 'id', column: 'secret', field: 'secret' };
const tokenColumn: EncryptedColumn = { table: 'crypto_rewrap_test', idColumn: 'id', column: 'token', field: 'token' };

interface Row {
  id: string;
  secret: string | null;
  token: string | null;
}

const plain = (id: string, field: string): string => `${field} of ${id}`;
const payload = (sealed: string): string[] => sealed.split('.').slice(4);

// The store is opened without migrations: rewrapAll only needs the table each test creates.
async function withTable<T>(fn: (db: Awaited<ReturnType<typeof createTestStore>>['db']) => Promise<T>): Promise<T> {
  const store = await createTestStore({ migrate: false });
  try {
    await sql`create table crypto_rewrap_test (id text primary key, secret text, token text)`.execute(store.db);
    return await fn(store.db);
  } finally {
    await store.close();
  }
}

async function readRows(db: Parameters<typeof rewrapAll>[0]): Promise<Row[]> {
  const { rows } = await sql<Row>`select id, secret, token from crypto_rewrap_test order by id`.execute(db);
  return rows;
}

void test(`rewrapAll moves every value to the newest key, payloads untouched, and is idempotent (${testDbKind})`, async () => {
  await withTable(async (db) => {
    // 13 rows with batch size 4: several full batches and a partial last one; some NULLs.
    const ids = Array.from({ length: 13 }, (_, i) => `r${String(i).padStart(2, '0')}`);
    for (const [i, id] of ids.entries()) {
      const secret = i % 5 === 4 ? null : before.seal(plain(id, 'secret'), { table: secretColumn.table, id, field: 'secret' });
      const token = i % 3 === 0 ? null : before.seal(plain(id, 'token'), { table: tokenColumn.table, id, field: 'token' });
      await sql`insert into crypto_rewrap_test (id, secret, token) values (${id}, ${secret}, ${token})`.execute(db);
    }
    const original = await readRows(db);
    const nonNull = original.flatMap((r) => [r.secret, r.token]).filter((v) => v !== null).length;

    const first = await rewrapAll(db, rotated, [secretColumn, tokenColumn], { batchSize: 4 });
    assert.deepEqual(first, { scanned: nonNull, rewrapped: nonNull });

    const after = await readRows(db);
    for (const [i, row] of after.entries()) {
      const old = original[i];
      assert.ok(old !== undefined);
      for (const field of ['secret', 'token'] as const) {
        const value: string | null = row[field];
        const oldValue: string | null = old[field];
        if (oldValue === null) {
          assert.equal(value, null, `${row.id}.${field} stays NULL`);
          continue;
        }
        assert.ok(value !== null);
        assert.equal(rotated.keyVersionOf(value), 2, `${row.id}.${field} on v2`);
        assert.deepEqual(payload(value), payload(oldValue), `${row.id}.${field} payload byte-identical`);
        assert.equal(onlyV2.open(value, { table: 'crypto_rewrap_test', id: row.id, field }).reveal(), plain(row.id, field));
      }
    }

    const second = await rewrapAll(db, rotated, [secretColumn, tokenColumn], { batchSize: 4 });
    assert.deepEqual(second, { scanned: nonNull, rewrapped: 0 });
    assert.deepEqual(await readRows(db), after, 'a second run writes nothing');
  });
});

void test(`rewrapAll never clobbers a value written concurrently (${testDbKind})`, async () => {
  await withTable(async (db) => {
    for (const id of ['a', 'b', 'c']) {
      await sql`insert into crypto_rewrap_test (id, secret) values (${id}, ${before.seal(plain(id, 'secret'), { ...ctxOf(id) })})`.execute(db);
    }
    // Between rewrapAll's read of the batch and its first update, "the application" rewrites b,
    // as a process still running with only v1 would during a rolling restart.
    const concurrent = before.seal('new secret of b', ctxOf('b'));
    // Intercepting the executor (not a Kysely plugin) keeps the extra write outside rewrapAll's
    // own query: PGlite has a single connection, and a plugin runs while it is still held.
    let interfered = false;
    const base = db.getExecutor();
    const interfering: QueryExecutorProvider = {
      getExecutor: () =>
        new Proxy(base, {
          get(target, prop) {
            if (prop === 'executeQuery') {
              return async (query: CompiledQuery) => {
                if (!interfered && /^\s*update/i.test(query.sql)) {
                  interfered = true;
                  await sql`update crypto_rewrap_test set secret = ${concurrent} where id = 'b'`.execute(db);
                }
                return target.executeQuery(query);
              };
            }
            const value: unknown = Reflect.get(target, prop, target);
            // Bind to the real executor: its private fields are not reachable through the proxy.
            return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
          },
        }),
    };

    const result = await rewrapAll(interfering, rotated, [secretColumn]);
    assert.ok(interfered);
    assert.deepEqual(result, { scanned: 3, rewrapped: 2 });
    const rows = await readRows(db);
    assert.equal(rows.find((r) => r.id === 'b')?.secret, concurrent, 'the concurrent write wins');
    assert.equal(rotated.open(concurrent, ctxOf('b')).reveal(), 'new secret of b');
    assert.deepEqual(
      rows.map((r) => rotated.keyVersionOf(r.secret ?? '')),
      [2, 1, 2],
    );
    // The next run picks up what the old process wrote.
    assert.deepEqual(await rewrapAll(db, rotated, [secretColumn]), { scanned: 3, rewrapped: 1 });
  });
});

function ctxOf(id: string): { table: string; id: string; field: string } {
  return { table: secretColumn.table, id, field: secretColumn.field };
}

void test(`rewrapAll handles non-text ids and quoted identifiers, paging in the column's own order (${testDbKind})`, async () => {
  const store = await createTestStore({ migrate: false });
  try {
    const db = store.db;
    // Integer ids sort 1, 2, …, 10 natively but "1", "10", "2" as text: paging must follow the column.
    await sql`create table "Crypto Odd" ("Row Id" integer primary key, "Sealed Value" text)`.execute(db);
    const column: EncryptedColumn = { table: 'Crypto Odd', idColumn: 'Row Id', column: 'Sealed Value', field: 'odd' };
    for (let id = 1; id <= 12; id += 1) {
      const value = before.seal(`value ${id}`, { table: column.table, id: String(id), field: column.field });
      await sql`insert into ${sql.table(column.table)} (${sql.ref(column.idColumn)}, ${sql.ref(column.column)}) values (${id}, ${value})`.execute(db);
    }
    assert.deepEqual(await rewrapAll(db, rotated, [column], { batchSize: 5 }), { scanned: 12, rewrapped: 12 });
    const { rows } = await sql<{ id: number; value: string }>`select "Row Id" as id, "Sealed Value" as value from "Crypto Odd" order by "Row Id"`.execute(db);
    assert.equal(rows.length, 12);
    for (const row of rows) {
      assert.equal(onlyV2.open(row.value, { table: column.table, id: String(row.id), field: column.field }).reveal(), `value ${row.id}`);
    }
  } finally {
    await store.close();
  }
});

void test(`rewrapAll stops with a DecryptError naming the record when a value cannot be unwrapped (${testDbKind})`, async () => {
  await withTable(async (db) => {
    const v3: KeyEncryptionKey = { version: 3, key: new Secret(randomBytes(32)) };
    const stray = new Envelope(new Keyring([v3])).seal('x', ctxOf('z'));
    await sql`insert into crypto_rewrap_test (id, secret) values ('z', ${stray})`.execute(db);
    await assert.rejects(rewrapAll(db, rotated, [secretColumn]), (e: unknown) => {
      assert.ok(e instanceof DecryptError);
      assert.equal(e.reason, 'unknown_key_version');
      assert.match(e.message, /crypto_rewrap_test\.secret for record z: .*key version 3/);
      return true;
    });
    await assert.rejects(rewrapAll(db, rotated, [secretColumn], { batchSize: 0 }), RangeError);
  });
});
