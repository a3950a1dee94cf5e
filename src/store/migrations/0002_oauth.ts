import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  // One OAuth app per integration domain (SPEC §2). URLs left null fall back to the catalog.
  await db.schema
    .createTable('oauth_apps')
    .addColumn('domain', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('client_secret', 'text', (c) => c.notNull()) // sealed (src/crypto), AAD oauth_apps/<domain>/client_secret
    .addColumn('secret_last4', 'text', (c) => c.notNull())
    .addColumn('authorize_url', 'text')
    .addColumn('token_url', 'text')
    .addColumn('revocation_url', 'text')
    .addColumn('userinfo_url', 'text')
    .addColumn('issuer', 'text')
    .addColumn('scopes', 'text')
    .addColumn('authorize_params', 'jsonb')
    .addColumn('api_base_url', 'text')
    .addColumn('tenant', 'text')
    .addColumn('token_endpoint_auth_method', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('connections')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('domain', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('active', 'refreshing', 'error', 'reauthorize', 'disconnected')`),
    )
    .addColumn('status_reason', 'text')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('account_display', 'text', (c) => c.notNull())
    .addColumn('scopes', 'jsonb', (c) => c.notNull())
    .addColumn('access_token', 'text') // sealed; null once disconnected (crypto-shredded)
    .addColumn('refresh_token', 'text') // sealed; null when the provider issued none
    .addColumn('token_type', 'text')
    .addColumn('token_expires_at', 'timestamptz')
    .addColumn('last_refreshed_at', 'timestamptz')
    .addColumn('shared_level', 'text', (c) => c.check(sql`shared_level in ('use', 'manage')`))
    .addColumn('shared_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('shared_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('connections_workspace').on('connections').columns(['workspace_id', 'domain']).execute();
  await db.schema.createIndex('connections_owner').on('connections').column('owner_id').execute();

  // A one-time, short-lived connect session (SPEC §3): the state is stored only as a hash, the
  // PKCE verifier sealed; the binding hash ties it to the browser that started it.
  await db.schema
    .createTable('connect_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('state_hash', 'text', (c) => c.notNull().unique())
    .addColumn('binding_hash', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('domain', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('scopes', 'jsonb', (c) => c.notNull())
    .addColumn('code_verifier', 'text') // sealed; null when the provider has no PKCE
    .addColumn('nonce', 'text')
    .addColumn('redirect_uri', 'text', (c) => c.notNull())
    .addColumn('connection_id', 'text', (c) => c.references('connections.id').onDelete('cascade'))
    .addColumn('allow_account_change', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('connect_sessions_expires').on('connect_sessions').column('expires_at').execute();
}

export async function down(db: AnyDb): Promise<void> {
  for (const table of ['connect_sessions', 'connections', 'oauth_apps']) await db.schema.dropTable(table).execute();
}
