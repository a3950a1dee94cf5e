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

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  api_keys: ApiKeysTable;
  workspaces: WorkspacesTable;
  memberships: MembershipsTable;
}
