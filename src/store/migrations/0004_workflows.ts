import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('workflows')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('workflows_workspace').on('workflows').column('workspace_id').execute();

  // A workflow's action nodes, in order. A node names its connection and how it reaches it
  // (`personal`: the owner's own; `workspace`: through the workspace share).
  await db.schema
    .createTable('workflow_nodes')
    .addColumn('workflow_id', 'text', (c) => c.notNull().references('workflows.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('scopes', 'jsonb', (c) => c.notNull())
    .addColumn('params', 'jsonb', (c) => c.notNull())
    .addColumn('connection_id', 'text', (c) => c.references('connections.id').onDelete('set null'))
    .addColumn('connection_via', 'text', (c) => c.check(sql`connection_via in ('personal', 'workspace')`))
    .addColumn('credential_status', 'text', (c) => c.notNull().check(sql`credential_status in ('ok', 'invalid')`))
    .addColumn('invalid_reason', 'text')
    .addPrimaryKeyConstraint('workflow_nodes_pk', ['workflow_id', 'id'])
    .execute();
  await db.schema.createIndex('workflow_nodes_connection').on('workflow_nodes').column('connection_id').execute();

  await db.schema
    .createTable('workflow_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workflow_id', 'text', (c) => c.notNull().references('workflows.id').onDelete('cascade'))
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('succeeded', 'failed')`))
    .addColumn('steps', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('notifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('workflow_id', 'text')
    .addColumn('node_id', 'text')
    .addColumn('connection_id', 'text')
    .addColumn('read', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await db.schema.createIndex('notifications_user').on('notifications').columns(['user_id', 'at']).execute();
}

export async function down(db: AnyDb): Promise<void> {
  for (const table of ['notifications', 'workflow_runs', 'workflow_nodes', 'workflows']) await db.schema.dropTable(table).execute();
}
