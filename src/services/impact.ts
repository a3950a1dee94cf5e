import { breaks, groupByWorkflow, reasonFor, type BreakingChange, type NodeUse, type WorkflowImpact } from '../core/impact.ts';
import { newId } from '../core/ids.ts';
import type { Clock } from '../core/clock.ts';
import type { Db } from '../store/db.ts';
import { AccountsRepo } from '../store/accounts.ts';
import { WorkflowsRepo } from '../store/workflows.ts';
import type { Events } from './events.ts';

/** What a hook hands back to run once its transaction has committed (events, notifications out). */
export type AfterCommit = () => void;

/**
 * Impact and invalidation (SPEC §7) from one computation: `preview` lists what a change would
 * break; `invalidate` breaks exactly that, inside the change's own transaction, never deleting
 * a workflow: nodes become `invalid` with the reason, and their owners are notified.
 */
export class ImpactService {
  constructor(private readonly deps: { db: Db; clock: Clock; events: Events }) {}

  async preview(change: BreakingChange): Promise<WorkflowImpact[]> {
    return groupByWorkflow(await this.#affected(this.deps.db, change, false));
  }

  async #affected(db: Db, change: BreakingChange, lock: boolean): Promise<NodeUse[]> {
    return (await new WorkflowsRepo(db).nodeUses(change, { lock })).filter((use) => breaks(change, use));
  }

  /** Breaks the affected nodes in `trx`; returns what to emit once the transaction commits. */
  async invalidate(trx: Db, change: BreakingChange, actorId: string | null): Promise<AfterCommit> {
    const uses = await this.#affected(trx, change, true);
    if (uses.length === 0) return () => undefined;
    const actor = actorId ? await new AccountsRepo(trx).findUserById(actorId) : undefined;
    const actorName = actor ? (actor.name ?? actor.email) : 'An administrator';
    const repo = new WorkflowsRepo(trx);
    const now = this.deps.clock.now();
    const fresh = uses.filter((u) => u.ok);
    for (const use of uses) {
      await repo.updateNode(use.workflowId, use.nodeId, { credential_status: 'invalid', invalid_reason: reasonFor(change, use, actorName) });
    }
    await repo.insertNotifications(
      fresh.map((use) => ({
        id: newId('ntf'),
        user_id: use.workflowOwnerId,
        at: now,
        kind: 'workflow.node_invalidated',
        message: `Workflow “${use.workflowName}”: step ${use.nodeId} (${use.action}) stopped working. ${reasonFor(change, use, actorName)} Select another connection for it.`,
        workspace_id: use.workspaceId,
        workflow_id: use.workflowId,
        node_id: use.nodeId,
        connection_id: use.connectionId,
      })),
    );
    return () => {
      for (const use of fresh) {
        this.deps.events.emit({
          type: 'workflow.node_invalidated',
          at: now,
          actorId,
          workspaceId: use.workspaceId,
          workflowId: use.workflowId,
          nodeId: use.nodeId,
          connectionId: use.connectionId,
          domain: use.connectionDomain,
          reason: reasonFor(change, use, actorName),
        });
      }
    };
  }
}
