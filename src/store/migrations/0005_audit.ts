import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/**
 * SPEC §8: the audit log. Append-only and hash-chained (src/core/audit-chain.ts).
 * `seq` is the chain order: appenders take it from the identity sequence while holding an
 * advisory lock, so seq order is commit order and the chain never forks.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('audit_entries')
    // "by default" (not "always") so the appender can write the value it took with nextval and
    // hashed; nothing else ever writes it.
    .addColumn('seq', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('workspace_id', 'text')
    .addColumn('domain', 'text')
    .addColumn('connection_id', 'text')
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  // Workspace audit pages are read newest first; connection filters are the common narrow one.
  await db.schema.createIndex('audit_entries_workspace_seq').on('audit_entries').columns(['workspace_id', 'seq']).execute();
  await db.schema.createIndex('audit_entries_connection_seq').on('audit_entries').columns(['connection_id', 'seq']).where(sql.ref('connection_id'), 'is not', null).execute();

  // Defence in depth: no statement of the application can change or remove an entry. The hash
  // chain still catches anyone who disables this (a superuser or the table owner can).
  await sql`
    create function audit_entries_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_entries is append-only' using errcode = '55000';
    end
    $$
  `.execute(db);
  await sql`
    create trigger audit_entries_append_only
    before update or delete or truncate on audit_entries
    for each statement execute function audit_entries_append_only()
  `.execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('audit_entries').execute();
  await sql`drop function if exists audit_entries_append_only()`.execute(db);
}
