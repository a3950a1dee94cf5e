/**
 * Which workflow nodes a change breaks (SPEC §6–7). One rule serves both the impact preview and
 * the invalidation itself, so what the UI announces is exactly what happens.
 */
import type { NodeVia } from '../store/schema.ts';

export type BreakingChange =
  /** The owner disconnects: every node of every user that used it. */
  | { kind: 'disconnect'; connectionId: string }
  /** Remove from Workspace: nodes that used it through the workspace share — the owner's too. */
  | { kind: 'unshare'; connectionId: string }
  /** A member leaves or is removed: their connections are unshared from that workspace. */
  | { kind: 'member_removed'; workspaceId: string; userId: string }
  /** The OAuth app of a domain is deleted: its connections cannot refresh any more. */
  | { kind: 'app_deleted'; domain: string };

/** A node that uses a connection, with what the rules need to know about both. */
export interface NodeUse {
  workflowId: string;
  workflowName: string;
  workflowOwnerId: string;
  /** Shown in impact previews, so people read "bob@example.com", not an id. */
  workflowOwnerEmail: string;
  workspaceId: string;
  nodeId: string;
  action: string;
  via: NodeVia;
  connectionId: string;
  connectionName: string;
  connectionOwnerId: string;
  connectionWorkspaceId: string;
  connectionDomain: string;
  /** Whether the node is still ok (already-broken nodes are reported but not re-notified). */
  ok: boolean;
}

export function breaks(change: BreakingChange, use: NodeUse): boolean {
  switch (change.kind) {
    case 'disconnect':
      return use.connectionId === change.connectionId;
    case 'unshare':
      return use.connectionId === change.connectionId && use.via === 'workspace';
    case 'member_removed':
      return use.connectionOwnerId === change.userId && use.connectionWorkspaceId === change.workspaceId && use.via === 'workspace';
    case 'app_deleted':
      return use.connectionDomain === change.domain;
  }
}

/** The reason stored on a broken node and shown to its owner: who did what. */
export function reasonFor(change: BreakingChange, use: NodeUse, actorName: string): string {
  const c = `“${use.connectionName}”`;
  switch (change.kind) {
    case 'disconnect':
      return `${actorName} disconnected the connection ${c}.`;
    case 'unshare':
      return `${actorName} removed the connection ${c} from the workspace.`;
    case 'member_removed':
      return `The owner of ${c} left the workspace (or was removed by ${actorName}), so it is no longer shared.`;
    case 'app_deleted':
      return `${actorName} deleted the OAuth app for ${use.connectionDomain}; ${c} must be reconnected.`;
  }
}

export interface WorkflowImpact {
  id: string;
  name: string;
  ownerId: string;
  ownerEmail: string;
  nodes: { id: string; action: string }[];
}

/** Affected nodes grouped per workflow, in a stable order (API.md impact answer). */
export function groupByWorkflow(uses: readonly NodeUse[]): WorkflowImpact[] {
  const byId = new Map<string, WorkflowImpact>();
  for (const u of uses) {
    const w = byId.get(u.workflowId) ?? { id: u.workflowId, name: u.workflowName, ownerId: u.workflowOwnerId, ownerEmail: u.workflowOwnerEmail, nodes: [] };
    w.nodes.push({ id: u.nodeId, action: u.action });
    byId.set(u.workflowId, w);
  }
  return [...byId.values()].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}
