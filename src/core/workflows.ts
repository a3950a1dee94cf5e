import type { ConnectionStatus, NodeVia, ShareLevel } from '../store/schema.ts';
import { missingScopes } from './tokens.ts';

/** The connection facts a node check needs. */
export interface NodeConnectionFacts {
  id: string;
  ownerId: string;
  workspaceId: string;
  status: ConnectionStatus;
  sharedLevel: ShareLevel | null;
  scopes: readonly string[];
  name: string;
}

export type NodeCheck = { ok: true } | { ok: false; code: 'connection_not_allowed' | 'insufficient_scope' | 'credential_invalid'; reason: string; missing?: string[] };

/**
 * May the workflow owner use this connection in a node of a workflow in `workspaceId`?
 * (SPEC §6: their own connections, `via: personal`, plus those shared to the workflow's
 * workspace, `via: workspace`.) Used when a node is set and again before every run.
 */
export function checkNodeConnection(input: {
  workflowOwnerId: string;
  workspaceId: string;
  via: NodeVia;
  requiredScopes: readonly string[];
  connection: NodeConnectionFacts | undefined;
}): NodeCheck {
  const c = input.connection;
  if (!c) return { ok: false, code: 'connection_not_allowed', reason: 'The connection does not exist or is not available to you.' };
  if (c.workspaceId !== input.workspaceId) return { ok: false, code: 'connection_not_allowed', reason: `The connection “${c.name}” belongs to another workspace.` };
  if (input.via === 'personal' && c.ownerId !== input.workflowOwnerId) {
    return { ok: false, code: 'connection_not_allowed', reason: `The connection “${c.name}” is not yours; select it through the workspace share if it is shared.` };
  }
  if (input.via === 'workspace' && c.sharedLevel === null) {
    return { ok: false, code: 'connection_not_allowed', reason: `The connection “${c.name}” is not shared to this workspace.` };
  }
  if (c.status === 'disconnected') return { ok: false, code: 'connection_not_allowed', reason: `The connection “${c.name}” was disconnected.` };
  if (c.status === 'reauthorize') return { ok: false, code: 'credential_invalid', reason: `The connection “${c.name}” needs to be reconnected.` };
  const missing = missingScopes(c.scopes, input.requiredScopes);
  if (missing.length > 0) {
    return { ok: false, code: 'insufficient_scope', reason: `The connection “${c.name}” was not granted ${missing.join(', ')}; reconnect it and grant them.`, missing };
  }
  return { ok: true };
}
