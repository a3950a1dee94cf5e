import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .alterTable('connections')
    // When the access token should be refreshed: expiry minus the refresh buffer (null: never).
    .addColumn('refresh_due_at', 'timestamptz')
    // Cross-process single flight: whoever holds an unexpired lease refreshes; a crashed holder's
    // lease simply runs out and another process takes over.
    .addColumn('refresh_lease_until', 'timestamptz')
    .addColumn('refresh_lease_owner', 'text')
    // Transient failures in a row, and when to try again (exponential backoff or Retry-After).
    .addColumn('refresh_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('refresh_retry_at', 'timestamptz')
    .addColumn('last_error', 'text')
    .addColumn('revocation', 'text')
    .execute();
  await db.schema.createIndex('connections_refresh_due').on('connections').column('refresh_due_at').where(sql.ref('refresh_due_at'), 'is not', null).execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropIndex('connections_refresh_due').execute();
  for (const column of ['refresh_due_at', 'refresh_lease_until', 'refresh_lease_owner', 'refresh_failures', 'refresh_retry_at', 'last_error', 'revocation']) {
    await db.schema.alterTable('connections').dropColumn(column).execute();
  }
}
