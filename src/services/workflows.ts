import { AppError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { Clock } from '../core/clock.ts';
import type { Actor } from '../core/policy.ts';
import { checkNodeConnection, type NodeCheck } from '../core/workflows.ts';
import type { Db } from '../store/db.ts';
import { ConnectionsRepo, type ConnectionRow } from '../store/connections.ts';
import type { NodeVia } from '../store/schema.ts';
import { WorkflowsRepo, type NodeRow, type WorkflowRow } from '../store/workflows.ts';
import type { WorkspacesService } from './workspaces.ts';

export interface NodeInput {
  id?: string | undefined;
  action: string;
  scopes?: string[] | undefined;
  params?: Record<string, unknown> | undefined;
  connection: { id: string; via: NodeVia } | null;
}

export interface NodeView {
  id: string;
  action: string;
  scopes: string[];
  connection: { id: string; via: NodeVia } | null;
  params: Record<string, unknown>;
  credentialStatus: 'ok' | 'invalid';
  invalidReason?: string;
}

export interface WorkflowView {
  id: string;
  workspaceId: string;
  name: string;
  ownerId: string;
  status: 'ok' | 'needs_attention';
  nodes: NodeView[];
}

export function toNodeView(n: NodeRow): NodeView {
  return {
    id: n.id,
    action: n.action,
    scopes: n.scopes,
    connection: n.connection_id === null ? null : { id: n.connection_id, via: n.connection_via ?? 'personal' },
    params: n.params,
    credentialStatus: n.credential_status,
    ...(n.invalid_reason === null ? {} : { invalidReason: n.invalid_reason }),
  };
}

export function toWorkflowView(w: WorkflowRow, nodes: NodeRow[]): WorkflowView {
  const views = nodes.filter((n) => n.workflow_id === w.id).map(toNodeView);
  return { id: w.id, workspaceId: w.workspace_id, name: w.name, ownerId: w.owner_id, status: views.some((n) => n.credentialStatus === 'invalid') ? 'needs_attention' : 'ok', nodes: views };
}

function factsOf(row: ConnectionRow | undefined) {
  return row && { id: row.id, ownerId: row.owner_id, workspaceId: row.workspace_id, status: row.status, sharedLevel: row.shared_level, scopes: row.scopes, name: row.name };
}

/** Throws the API error for a node whose connection the workflow owner may not use. */
function refuse(check: Exclude<NodeCheck, { ok: true }>, nodeId: string): never {
  if (check.code === 'insufficient_scope') {
    throw new AppError('insufficient_scope', check.reason, { details: { nodeId, missing: check.missing ?? [] } });
  }
  throw new AppError('connection_not_allowed', check.reason, { details: { nodeId } });
}

/** Workflows and their nodes (SPEC §7). */
export class WorkflowsService {
  constructor(private readonly deps: { db: Db; clock: Clock; workspaces: WorkspacesService }) {}

  async #checkNode(trx: Db, ownerId: string, workspaceId: string, nodeId: string, input: Pick<NodeInput, 'connection' | 'scopes'>): Promise<void> {
    if (input.connection === null) return;
    const row = await new ConnectionsRepo(trx).find(input.connection.id);
    const check = checkNodeConnection({ workflowOwnerId: ownerId, workspaceId, via: input.connection.via, requiredScopes: input.scopes ?? [], connection: factsOf(row) });
    if (!check.ok) refuse(check, nodeId);
  }

  async create(actor: Actor, workspaceId: string, input: { name: string; nodes: NodeInput[] }): Promise<WorkflowView> {
    await this.deps.workspaces.requireMembership(actor, workspaceId, { plan: 'workspace' });
    const ids = input.nodes.map((n, i) => n.id ?? `n${i + 1}`);
    if (new Set(ids).size !== ids.length) throw new AppError('invalid_request', 'Node ids must be unique within a workflow.', { details: { fields: [{ field: 'nodes', location: 'body', message: 'duplicate node id' }] } });
    const id = newId('wf');
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (trx) => {
      for (const [i, node] of input.nodes.entries()) await this.#checkNode(trx, actor.userId, workspaceId, ids[i] ?? '', node);
      await new WorkflowsRepo(trx).insertWorkflow(
        { id, workspace_id: workspaceId, owner_id: actor.userId, name: input.name, created_at: now, updated_at: now },
        input.nodes.map((n, i) => ({
          workflow_id: id,
          id: ids[i] ?? `n${i + 1}`,
          position: i,
          action: n.action,
          scopes: JSON.stringify(n.scopes ?? []),
          params: JSON.stringify(n.params ?? {}),
          connection_id: n.connection?.id ?? null,
          connection_via: n.connection?.via ?? null,
          credential_status: n.connection === null ? 'invalid' : 'ok',
          invalid_reason: n.connection === null ? 'No connection is selected for this step.' : null,
        })),
      );
    });
    return this.get(actor, id);
  }

  async list(actor: Actor, workspaceId: string): Promise<WorkflowView[]> {
    await this.deps.workspaces.requireMembership(actor, workspaceId, { plan: 'workspace' });
    const repo = new WorkflowsRepo(this.deps.db);
    const workflows = await repo.listWorkflows(workspaceId);
    const nodes = await repo.listNodes(workflows.map((w) => w.id));
    return workflows.map((w) => toWorkflowView(w, nodes));
  }

  /** A workflow any member of its workspace may read; `404` for everyone else. */
  async load(actor: Actor, id: string, options: { owner?: boolean } = {}): Promise<{ workflow: WorkflowRow; nodes: NodeRow[] }> {
    const repo = new WorkflowsRepo(this.deps.db);
    const workflow = await repo.findWorkflow(id);
    if (!workflow) throw new AppError('not_found', 'No workflow with this id.');
    try {
      await this.deps.workspaces.requireMembership(actor, workflow.workspace_id, { plan: 'workspace' });
    } catch (err) {
      if (err instanceof AppError && err.code === 'workspace_not_found') throw new AppError('not_found', 'No workflow with this id.');
      throw err;
    }
    if (options.owner && workflow.owner_id !== actor.userId) throw new AppError('forbidden', 'Only the owner of this workflow can change or run it.');
    return { workflow, nodes: await repo.listNodes([id]) };
  }

  async get(actor: Actor, id: string): Promise<WorkflowView> {
    const { workflow, nodes } = await this.load(actor, id);
    return toWorkflowView(workflow, nodes);
  }

  /** Selecting a (replacement) connection re-validates the node; a valid one makes it `ok` again. */
  async setNodeConnection(actor: Actor, id: string, nodeId: string, connection: NodeInput['connection']): Promise<NodeView> {
    const { workflow, nodes } = await this.load(actor, id, { owner: true });
    const node = nodes.find((n) => n.id === nodeId);
    if (!node) throw new AppError('not_found', 'No node with this id in the workflow.');
    await this.#checkNode(this.deps.db, workflow.owner_id, workflow.workspace_id, nodeId, { connection, scopes: node.scopes });
    const updated = await new WorkflowsRepo(this.deps.db).updateNode(id, nodeId, {
      connection_id: connection?.id ?? null,
      connection_via: connection?.via ?? null,
      credential_status: connection === null ? 'invalid' : 'ok',
      invalid_reason: connection === null ? 'No connection is selected for this step.' : null,
    });
    return toNodeView(updated ?? node);
  }

  /** Re-checks a node right before a run (shares and statuses may have changed since it was set). */
  async liveCheck(workflow: WorkflowRow, node: NodeRow): Promise<string | null> {
    if (node.credential_status === 'invalid') return node.invalid_reason ?? 'The step has no valid connection.';
    if (node.connection_id === null) return 'No connection is selected for this step.';
    const row = await new ConnectionsRepo(this.deps.db).find(node.connection_id);
    const check = checkNodeConnection({ workflowOwnerId: workflow.owner_id, workspaceId: workflow.workspace_id, via: node.connection_via ?? 'personal', requiredScopes: node.scopes, connection: factsOf(row) });
    return check.ok ? null : check.reason;
  }
}
