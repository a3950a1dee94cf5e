import { AppError } from '../core/errors.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import {
  checkCanAddMember,
  checkCanRemoveMember,
  requireInstanceAdmin,
  requireWorkspacePlan,
  type Actor,
  type Membership,
} from '../core/policy.ts';
import type { Db } from '../store/db.ts';
import type { Plan, WorkspaceRole } from '../store/schema.ts';
import { AccountsRepo } from '../store/accounts.ts';
import { WorkspacesRepo, type MemberView } from '../store/workspaces.ts';
import { normalizeEmail } from './accounts.ts';
import type { Events } from './events.ts';
import type { AccessCache } from './access-cache.ts';

export interface WorkspaceView {
  id: string;
  name: string;
  plan: Plan;
  role: WorkspaceRole;
}

/**
 * What else must happen, in the same transaction, when someone leaves or is removed
 * (SPEC §6: their connections are unshared from the workspace). Later capabilities plug in here.
 */
/** Runs inside the removal transaction; may hand back work to do after commit (events). */
export type MemberRemovedHook = (trx: Db, event: { workspaceId: string; userId: string; actorId: string }) => Promise<(() => void) | void>;

export interface WorkspacesDeps {
  db: Db;
  onMemberRemoved?: MemberRemovedHook[];
  /** Where `member.added` / `member.removed` go once committed (the audit log). */
  events?: Events;
  clock?: Clock;
  /** Cached grants: a plan change ends (or restores) every integration of the workspace. */
  access?: AccessCache;
}

export class WorkspacesService {
  readonly #deps: WorkspacesDeps;
  readonly #repo: WorkspacesRepo;

  constructor(deps: WorkspacesDeps) {
    this.#deps = deps;
    this.#repo = new WorkspacesRepo(deps.db);
  }

  async create(actor: Actor, name: string): Promise<WorkspaceView> {
    return this.#deps.db.transaction().execute(async (trx) => {
      const repo = new WorkspacesRepo(trx);
      const ws = await repo.insertWorkspace({ id: newId('ws'), name, plan: 'workspace', personalOwnerId: null });
      await repo.insertMembership({ workspaceId: ws.id, userId: actor.userId, role: 'owner' });
      return { id: ws.id, name: ws.name, plan: ws.plan, role: 'owner' };
    });
  }

  /**
   * The guard every workspace-scoped endpoint starts with: the caller must be a member
   * (a non-member gets `404`, revealing nothing), optionally on the Workspace plan.
   */
  async requireMembership(actor: Actor, workspaceId: string, options: { plan?: 'workspace' } = {}): Promise<Membership> {
    const m = await this.#repo.findMembership(workspaceId, actor.userId);
    if (!m) throw new AppError('workspace_not_found', 'No workspace with this id, or you are not a member of it.');
    const membership: Membership = { workspaceId: m.workspaceId, role: m.role, plan: m.plan };
    if (options.plan === 'workspace') requireWorkspacePlan(membership);
    return membership;
  }

  async listMembers(actor: Actor, workspaceId: string): Promise<MemberView[]> {
    await this.requireMembership(actor, workspaceId);
    return this.#repo.listMembers(workspaceId);
  }

  async addMember(actor: Actor, workspaceId: string, input: { email: string; role: WorkspaceRole }): Promise<MemberView> {
    const membership = await this.requireMembership(actor, workspaceId);
    checkCanAddMember(membership.role, input.role);
    const added = await this.#deps.db.transaction().execute(async (trx) => {
      const user = await new AccountsRepo(trx).findUserByEmail(normalizeEmail(input.email));
      if (!user) {
        throw new AppError('user_not_found', 'No Tether account uses this email. Ask an instance administrator to create it first.', {
          details: { field: 'email' },
        });
      }
      const repo = new WorkspacesRepo(trx);
      if (await repo.findMembership(workspaceId, user.id)) {
        throw new AppError('already_member', 'This person is already a member of the workspace.');
      }
      await repo.insertMembership({ workspaceId, userId: user.id, role: input.role });
      return { userId: user.id, email: user.email, name: user.name, role: input.role };
    });
    this.#emit({ type: 'member.added', actorId: actor.userId, workspaceId, userId: added.userId, role: added.role });
    return added;
  }

  /** Removes a member, or lets a member leave; runs the removal hooks in the same transaction. */
  async removeMember(actor: Actor, workspaceId: string, userId: string): Promise<void> {
    const membership = await this.requireMembership(actor, workspaceId);
    const afterCommit: (() => void)[] = [];
    const role = await this.#deps.db.transaction().execute(async (trx) => {
      const repo = new WorkspacesRepo(trx);
      const target = await repo.findMembership(workspaceId, userId);
      if (!target) throw new AppError('user_not_found', 'This person is not a member of the workspace.');
      checkCanRemoveMember({
        actorId: actor.userId,
        actorRole: membership.role,
        targetId: userId,
        targetRole: target.role,
        ownerCount: await repo.countOwners(workspaceId),
      });
      await repo.deleteMembership(workspaceId, userId);
      for (const hook of this.#deps.onMemberRemoved ?? []) {
        const after = await hook(trx, { workspaceId, userId, actorId: actor.userId });
        if (after) afterCommit.push(after);
      }
      return target.role;
    });
    this.#emit({ type: 'member.removed', actorId: actor.userId, workspaceId, userId, role });
    for (const after of afterCommit) after();
  }

  #emit(event: { type: 'member.added' | 'member.removed'; actorId: string; workspaceId: string; userId: string; role: WorkspaceRole }): void {
    this.#deps.events?.emit({ ...event, at: (this.#deps.clock ?? systemClock).now() });
  }

  /** PATCH /admin/workspaces/:ws — instance admins change a workspace's plan. */
  async setPlan(actor: Actor, workspaceId: string, plan: Plan): Promise<{ id: string; name: string; plan: Plan }> {
    requireInstanceAdmin(actor);
    const ws = await this.#repo.setPlan(workspaceId, plan);
    this.#deps.access?.invalidateAll();
    if (!ws) throw new AppError('workspace_not_found', 'No workspace with this id.');
    return { id: ws.id, name: ws.name, plan: ws.plan };
  }
}
