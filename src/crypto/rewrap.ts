import { sql, type QueryExecutorProvider } from 'kysely';
import type { EncryptedColumn } from '../store/encrypted-columns.ts';
import type { Envelope } from './envelope.ts';

export interface RewrapResult {
  /** Non-null values examined. */
  readonly scanned: number;
  /** Values whose data key was re-wrapped under the newest KEK and written back. */
  readonly rewrapped: number;
}

const DEFAULT_BATCH_SIZE = 500;

/**
 * Moves every registered encrypted value onto the newest key-encryption key, so an old key can
 * be removed after rotation. Only the wrapped data key changes; payloads stay byte-identical and
 * are never decrypted.
 *
 * Rows are read in batches with keyset pagination on the id column (stable under concurrent
 * inserts and cheap on large tables, unlike OFFSET) and each row is written back with an
 * optimistic guard, `where id = ? and column = <value read>`: if the application rewrote the
 * value in between, the update matches nothing and the newer value wins. Safe to run while
 * Tether serves traffic and safe to rerun; a value that cannot be unwrapped (unknown version,
 * tampering) aborts the run with a `DecryptError` naming the record.
 *
 * `db` is any Kysely instance: the tables are only known at run time, so every statement is
 * raw `sql` with identifiers passed through `sql.table`/`sql.ref` and values as parameters.
 */
export async function rewrapAll(
  db: QueryExecutorProvider,
  envelope: Envelope,
  columns: readonly EncryptedColumn[],
  options: { batchSize?: number } = {},
): Promise<RewrapResult> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive whole number, got ${batchSize}`);
  let scanned = 0;
  let rewrapped = 0;
  for (const column of columns) {
    const result = await rewrapColumn(db, envelope, column, batchSize);
    scanned += result.scanned;
    rewrapped += result.rewrapped;
  }
  return { scanned, rewrapped };
}

async function rewrapColumn(db: QueryExecutorProvider, envelope: Envelope, column: EncryptedColumn, batchSize: number): Promise<RewrapResult> {
  const table = sql.table(column.table);
  const id = sql.ref(column.idColumn);
  const value = sql.ref(column.column);
  let scanned = 0;
  let rewrapped = 0;
  let after: string | null = null;
  for (;;) {
    // The id is read as text because the AAD context id is a string whatever the column type;
    // comparisons use the column itself so ordering and the index follow its native type.
    const { rows }: { rows: { id: string; value: string }[] } = await sql<{ id: string; value: string }>`
      select ${id}::text as id, ${value} as value
      from ${table}
      where ${value} is not null ${after === null ? sql`` : sql`and ${id} > ${after}`}
      order by ${id}
      limit ${batchSize}
    `.execute(db);
    for (const row of rows) {
      scanned += 1;
      const next = envelope.rewrap(row.value, { table: column.table, id: row.id, field: column.field });
      if (next === null) continue;
      const updated = await sql<{ id: string }>`
        update ${table} set ${value} = ${next}
        where ${id} = ${row.id} and ${value} = ${row.value}
        returning ${id}::text as id
      `.execute(db);
      // No row means a concurrent write replaced the value; it is left alone (and, if it was
      // sealed under an old key by a process not yet restarted, the next run picks it up).
      if (updated.rows.length > 0) rewrapped += 1;
    }
    const last = rows.at(-1);
    if (last === undefined || rows.length < batchSize) break;
    after = last.id;
  }
  return { scanned, rewrapped };
}
