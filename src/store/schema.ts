import type { ColumnType, Generated } from 'kysely';

/** Timestamps are written as Date (or defaulted by the database) and read as Date. */
export type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export type Plan = 'personal' | 'workspace';
export type WorkspaceRole = 'owner' | 'admin' | 'member';

export interface UsersTable {
  id: string;
  email: string;
  name: string | null;
  password_hash: string;
  is_admin: Generated<boolean>;
  created_at: Timestamp;
}

export interface SessionsTable {
  /** SHA-256 of the session id: a stolen database does not yield live cookies. */
  id_hash: string;
  user_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
}

export interface ApiKeysTable {
  id: string;
  user_id: string;
  name: string;
  /** SHA-256 of the full key (the key has ≥ 256 bits of entropy, so a fast hash is sufficient). */
  key_hash: string;
  /** The first characters of the key, safe to show so people can tell keys apart. */
  prefix: string;
  created_at: Timestamp;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface WorkspacesTable {
  id: string;
  name: string;
  plan: Plan;
  /** Set for a user's personal workspace (one per user). */
  personal_owner_id: string | null;
  created_at: Timestamp;
}

export interface MembershipsTable {
  workspace_id: string;
  user_id: string;
  role: WorkspaceRole;
  created_at: Timestamp;
}

export type ConnectionStatus = 'active' | 'refreshing' | 'error' | 'reauthorize' | 'disconnected';
export type ShareLevel = 'use' | 'manage';

/** jsonb columns: written as JSON text, read back parsed. */
export type Json<T> = ColumnType<T, string, string>;

export interface OAuthAppsTable {
  domain: string;
  client_id: string;
  /** Sealed by src/crypto; context oauth_apps/<domain>/client_secret. */
  client_secret: string;
  secret_last4: string;
  authorize_url: string | null;
  token_url: string | null;
  revocation_url: string | null;
  userinfo_url: string | null;
  issuer: string | null;
  scopes: string | null;
  authorize_params: Json<Record<string, string>> | null;
  api_base_url: string | null;
  tenant: string | null;
  token_endpoint_auth_method: 'client_secret_basic' | 'client_secret_post' | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ConnectionsTable {
  id: string;
  workspace_id: string;
  owner_id: string;
  domain: string;
  name: string;
  status: ConnectionStatus;
  status_reason: string | null;
  account_id: string;
  account_display: string;
  scopes: Json<string[]>;
  access_token: string | null;
  refresh_token: string | null;
  token_type: string | null;
  token_expires_at: NullableTimestamp;
  last_refreshed_at: NullableTimestamp;
  shared_level: ShareLevel | null;
  shared_by: string | null;
  shared_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
  refresh_due_at: NullableTimestamp;
  refresh_lease_until: NullableTimestamp;
  refresh_lease_owner: string | null;
  refresh_failures: Generated<number>;
  refresh_retry_at: NullableTimestamp;
  last_error: string | null;
  /** The outcome of revoking the tokens at the provider on disconnect, in words. */
  revocation: string | null;
}

export interface ConnectSessionsTable {
  id: string;
  state_hash: string;
  binding_hash: string;
  user_id: string;
  workspace_id: string;
  domain: string;
  name: string | null;
  scopes: Json<string[]>;
  code_verifier: string | null;
  nonce: string | null;
  redirect_uri: string;
  connection_id: string | null;
  allow_account_change: Generated<boolean>;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  created_at: Timestamp;
}

export type NodeVia = 'personal' | 'workspace';

export interface WorkflowsTable {
  id: string;
  workspace_id: string;
  owner_id: string;
  name: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface WorkflowNodesTable {
  workflow_id: string;
  id: string;
  position: number;
  action: string;
  scopes: Json<string[]>;
  params: Json<Record<string, unknown>>;
  connection_id: string | null;
  connection_via: NodeVia | null;
  credential_status: 'ok' | 'invalid';
  invalid_reason: string | null;
}

export interface WorkflowRunsTable {
  id: string;
  workflow_id: string;
  actor_id: string;
  status: 'succeeded' | 'failed';
  steps: Json<unknown[]>;
  created_at: Timestamp;
}

export interface NotificationsTable {
  id: string;
  user_id: string;
  at: Timestamp;
  kind: string;
  message: string;
  workspace_id: string;
  workflow_id: string | null;
  node_id: string | null;
  connection_id: string | null;
  read: Generated<boolean>;
}

/**
 * SPEC §8: append-only, hash-chained (src/core/audit-chain.ts). Columns are insert-only at the
 * type level too: no update can be written against this table.
 */
export interface AuditEntriesTable {
  seq: ColumnType<number, number, never>;
  id: ColumnType<string, string, never>;
  at: ColumnType<Date, Date, never>;
  actor_id: ColumnType<string | null, string | null, never>;
  action: ColumnType<string, string, never>;
  workspace_id: ColumnType<string | null, string | null, never>;
  domain: ColumnType<string | null, string | null, never>;
  connection_id: ColumnType<string | null, string | null, never>;
  /** Whitelisted, secret-free fields of the event (src/services/audit-record.ts). */
  details: ColumnType<Record<string, unknown>, string, never>;
  prev_hash: ColumnType<string, string, never>;
  hash: ColumnType<string, string, never>;
}

/** A workspace's webhook subscription (API.md); `secret` is envelope-encrypted. */
export interface WebhooksTable {
  id: string;
  workspace_id: string;
  url: string;
  /** The event types delivered, as a JSON array. */
  events: ColumnType<string[], string, string>;
  secret: string;
  created_by: string | null;
  created_at: Timestamp;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** The outbox: one row per (webhook, event), sent by the worker until delivered or given up. */
export interface WebhookDeliveriesTable {
  id: string;
  webhook_id: string;
  event_type: string;
  payload: string;
  status: DeliveryStatus;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  lease_until: NullableTimestamp;
  lease_owner: string | null;
  last_status: number | null;
  last_error: string | null;
  created_at: Timestamp;
  delivered_at: NullableTimestamp;
}

export interface Database {
  workflows: WorkflowsTable;
  workflow_nodes: WorkflowNodesTable;
  workflow_runs: WorkflowRunsTable;
  notifications: NotificationsTable;
  oauth_apps: OAuthAppsTable;
  connections: ConnectionsTable;
  connect_sessions: ConnectSessionsTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_keys: ApiKeysTable;
  workspaces: WorkspacesTable;
  memberships: MembershipsTable;
  audit_entries: AuditEntriesTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
}
