import type { WorkflowImpact } from '../core/impact.ts';
import type { Clock } from '../core/clock.ts';
import type { Actor } from '../core/policy.ts';
import type { Db } from '../store/db.ts';
import { ConnectionsRepo } from '../store/connections.ts';
import type { ShareLevel } from '../store/schema.ts';
import { toConnectionView, type ConnectionsService, type ConnectionView } from './connections.ts';
import type { Events } from './events.ts';
import type { ImpactService } from './impact.ts';
import type { TokenCache } from './tokens.ts';
import type { MemberRemovedHook } from './workspaces.ts';

export interface SharingDeps {
  db: Db;
  clock: Clock;
  connections: ConnectionsService;
  impact: ImpactService;
  events: Events;
  cache: TokenCache;
}

/**
 * Promote to Workspace, Remove from Workspace, and the automatic unshare when a member leaves
 * (SPEC §6). Only the owner shares or unshares; a `manage` share never allows either.
 */
export class SharingService {
  constructor(private readonly deps: SharingDeps) {}

  async promote(actor: Actor, id: string, level: ShareLevel): Promise<ConnectionView> {
    const row = await this.deps.connections.authorize(actor, id, 'own', 'share this connection');
    const now = this.deps.clock.now();
    const updated = await new ConnectionsRepo(this.deps.db).update(id, {
      shared_level: level,
      // Changing the level of an existing share keeps who shared it and when.
      shared_by: row.shared_by ?? actor.userId,
      shared_at: row.shared_at ?? now,
      updated_at: now,
    });
    this.deps.events.emit({ type: 'connection.promoted', at: now, actorId: actor.userId, connectionId: id, domain: row.domain, workspaceId: row.workspace_id, details: { level } });
    return toConnectionView(updated ?? row);
  }

  /** Remove from Workspace: the owner keeps it; nodes using it through the share break, in the same transaction. */
  async unshare(actor: Actor, id: string): Promise<ConnectionView> {
    const row = await this.deps.connections.authorize(actor, id, 'own', 'remove this connection from the workspace');
    if (row.shared_level === null) return toConnectionView(row);
    const now = this.deps.clock.now();
    const { updated, after } = await this.deps.db.transaction().execute(async (trx) => {
      const after = await this.deps.impact.invalidate(trx, { kind: 'unshare', connectionId: id }, actor.userId);
      const updated = await new ConnectionsRepo(trx).update(id, { shared_level: null, shared_by: null, shared_at: null, updated_at: now });
      return { updated, after };
    });
    this.deps.cache.drop(id);
    this.deps.events.emit({ type: 'connection.unshared', at: now, actorId: actor.userId, connectionId: id, domain: row.domain, workspaceId: row.workspace_id });
    after();
    return toConnectionView(updated ?? row);
  }

  /** What a disconnect or an unshare would break: anyone who may see the connection may ask. */
  async impactOf(actor: Actor, id: string, action: 'disconnect' | 'unshare'): Promise<WorkflowImpact[]> {
    await this.deps.connections.authorize(actor, id, 'view', 'see what this would break');
    return this.deps.impact.preview({ kind: action, connectionId: id });
  }

  /** A member leaves or is removed: their shares in that workspace end, with the same effects. */
  readonly onMemberRemoved: MemberRemovedHook = async (trx, { workspaceId, userId, actorId }) => {
    const after = await this.deps.impact.invalidate(trx, { kind: 'member_removed', workspaceId, userId }, actorId);
    const unshared = await trx
      .updateTable('connections')
      .set({ shared_level: null, shared_by: null, shared_at: null, updated_at: this.deps.clock.now() })
      .where('workspace_id', '=', workspaceId)
      .where('owner_id', '=', userId)
      .where('shared_level', 'is not', null)
      .returning(['id', 'domain'])
      .execute();
    return () => {
      const at = this.deps.clock.now();
      for (const c of unshared) {
        this.deps.cache.drop(c.id);
        this.deps.events.emit({ type: 'connection.unshared', at, actorId, connectionId: c.id, domain: c.domain, workspaceId, details: { cause: 'member_removed', userId } });
      }
      after();
    };
  };
}
