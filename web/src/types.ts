// Shapes of the Tether HTTP API v1 (../shared/API.md) as the UI reads them.

export interface User {
  id: string;
  email: string;
  name: string | null;
  isAdmin: boolean;
}

export type Role = 'owner' | 'admin' | 'member';
export type Plan = 'personal' | 'workspace';

export interface Workspace {
  id: string;
  name: string;
  role: Role;
  plan: Plan;
}

export interface Me {
  user: User;
  workspaces: Workspace[];
}

export interface Member {
  userId: string;
  email: string;
  role: Role;
}

export interface Provider {
  domain: string;
  displayName: string;
  builtIn: boolean;
  configured: boolean;
  defaultScopes: string[];
}

export type ConnectionStatus = 'active' | 'refreshing' | 'error' | 'reauthorize' | 'disconnected';
export type ShareLevel = 'use' | 'manage';

export interface Connection {
  id: string;
  workspaceId: string;
  domain: string;
  name: string;
  status: ConnectionStatus;
  statusReason: string | null;
  accountId: string;
  accountName: string;
  scopes: string[];
  tokenExpiresAt: string | null;
  lastRefreshedAt: string | null;
  ownerId: string;
  createdAt: string;
  shared: null | { level: ShareLevel; sharedBy: string | null; sharedAt: string | null };
  revocation: string | null;
}

/** `GET …/impact`: the workflows (and their nodes) an action would break. */
export interface Impact {
  workflows: { id: string; name: string; ownerId: string; ownerEmail?: string; nodes: { id: string; action: string }[] }[];
}

export interface WorkflowNode {
  id: string;
  action: string;
  scopes: string[];
  connection: { id: string; via: 'personal' | 'workspace' } | null;
  params: Record<string, unknown>;
  credentialStatus: 'ok' | 'invalid';
  invalidReason?: string;
}

export interface Workflow {
  id: string;
  workspaceId: string;
  name: string;
  ownerId: string;
  status: 'ok' | 'needs_attention';
  nodes: WorkflowNode[];
}

export interface RunResult {
  runId: string;
  status: 'succeeded' | 'failed';
  steps: { nodeId: string; status: 'succeeded' | 'failed' | 'skipped'; error?: string; output?: unknown }[];
}

export interface AuditEntry {
  id: string;
  at: string;
  actorId: string | null;
  action: string;
  domain?: string;
  connectionId?: string;
  details: Record<string, unknown>;
}

export interface AuditPage {
  entries: AuditEntry[];
  nextCursor: string | null;
}

export interface Notification {
  id: string;
  at: string;
  kind: string;
  message: string;
  workspaceId: string;
  workflowId?: string;
  nodeId?: string;
  connectionId?: string;
  read: boolean;
}

/** GET /api/v1/workspaces/:ws/webhooks (the secret is only in the creation answer). */
export interface WebhookSub {
  id: string;
  url: string;
  events: string[];
  createdAt: string;
}

export interface WebhookCreated extends WebhookSub {
  secret: string;
}

export interface WebhookDelivery {
  id: string;
  eventType: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
}
