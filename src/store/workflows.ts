import type { Insertable, Selectable } from 'kysely';
import type { BreakingChange, NodeUse } from '../core/impact.ts';
import type { Db } from './db.ts';
import type { NotificationsTable, WorkflowNodesTable, WorkflowRunsTable, WorkflowsTable } from './schema.ts';

export type WorkflowRow = Selectable<WorkflowsTable>;
export type NodeRow = Selectable<WorkflowNodesTable>;
export type NotificationRow = Selectable<NotificationsTable>;

/** Workflows, their nodes and runs; plus the node-use query behind impact and invalidation. */
export class WorkflowsRepo {
  constructor(private readonly db: Db) {}

  async insertWorkflow(row: Insertable<WorkflowsTable>, nodes: Insertable<WorkflowNodesTable>[]): Promise<void> {
    await this.db.insertInto('workflows').values(row).execute();
    if (nodes.length > 0) await this.db.insertInto('workflow_nodes').values(nodes).execute();
  }

  findWorkflow(id: string): Promise<WorkflowRow | undefined> {
    return this.db.selectFrom('workflows').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listWorkflows(workspaceId: string): Promise<WorkflowRow[]> {
    return this.db.selectFrom('workflows').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at').orderBy('id').execute();
  }

  listNodes(workflowIds: readonly string[]): Promise<NodeRow[]> {
    if (workflowIds.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('workflow_nodes').selectAll().where('workflow_id', 'in', workflowIds).orderBy('workflow_id').orderBy('position').execute();
  }

  async updateNode(workflowId: string, nodeId: string, patch: Partial<Insertable<WorkflowNodesTable>>): Promise<NodeRow | undefined> {
    return this.db.updateTable('workflow_nodes').set(patch).where('workflow_id', '=', workflowId).where('id', '=', nodeId).returningAll().executeTakeFirst();
  }

  /**
   * Candidate node uses for a change (a coarse SQL filter); `core/impact.ts` `breaks` decides.
   * Locks the nodes found (`FOR UPDATE`) when run inside the change's transaction.
   */
  async nodeUses(change: BreakingChange, options: { lock?: boolean } = {}): Promise<NodeUse[]> {
    let q = this.db
      .selectFrom('workflow_nodes as n')
      .innerJoin('workflows as w', 'w.id', 'n.workflow_id')
      .innerJoin('connections as c', 'c.id', 'n.connection_id')
      .innerJoin('users as u', 'u.id', 'w.owner_id')
      .select([
        'w.id as workflowId',
        'w.name as workflowName',
        'w.owner_id as workflowOwnerId',
        'u.email as workflowOwnerEmail',
        'w.workspace_id as workspaceId',
        'n.id as nodeId',
        'n.action as action',
        'n.connection_via as via',
        'c.id as connectionId',
        'c.name as connectionName',
        'c.owner_id as connectionOwnerId',
        'c.workspace_id as connectionWorkspaceId',
        'c.domain as connectionDomain',
        'n.credential_status as credentialStatus',
      ]);
    switch (change.kind) {
      case 'disconnect':
      case 'unshare':
        q = q.where('c.id', '=', change.connectionId);
        break;
      case 'member_removed':
        q = q.where('c.owner_id', '=', change.userId).where('c.workspace_id', '=', change.workspaceId);
        break;
      case 'app_deleted':
        q = q.where('c.domain', '=', change.domain);
        break;
    }
    if (options.lock) q = q.forUpdate('n');
    const rows = await q.orderBy('w.id').orderBy('n.position').execute();
    return rows.map((r) => ({ ...r, via: r.via ?? 'personal', ok: r.credentialStatus === 'ok' }));
  }

  async insertRun(row: Insertable<WorkflowRunsTable>): Promise<void> {
    await this.db.insertInto('workflow_runs').values(row).execute();
  }

  async insertNotifications(rows: Insertable<NotificationsTable>[]): Promise<void> {
    if (rows.length > 0) await this.db.insertInto('notifications').values(rows).execute();
  }

  listNotifications(userId: string, unreadOnly: boolean): Promise<NotificationRow[]> {
    let q = this.db.selectFrom('notifications').selectAll().where('user_id', '=', userId);
    if (unreadOnly) q = q.where('read', '=', false);
    return q.orderBy('at', 'desc').orderBy('id', 'desc').limit(500).execute();
  }

  async markRead(userId: string, id: string): Promise<boolean> {
    const row = await this.db.updateTable('notifications').set({ read: true }).where('id', '=', id).where('user_id', '=', userId).returning('id').executeTakeFirst();
    return row !== undefined;
  }
}
