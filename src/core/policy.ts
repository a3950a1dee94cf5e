import { AppError } from './errors.ts';
import type { WorkspaceRole, Plan } from '../store/schema.ts';

/** Who is asking. Built by the HTTP layer from a session cookie or an API key. */
export interface Actor {
  readonly userId: string;
  readonly isAdmin: boolean;
  readonly via: 'session' | 'api_key';
}

export interface Membership {
  readonly workspaceId: string;
  readonly role: WorkspaceRole;
  readonly plan: Plan;
}

/** Instance-admin-only actions (OAuth apps, user creation, plan changes). */
export function requireInstanceAdmin(actor: Actor): void {
  if (!actor.isAdmin) throw new AppError('admin_required', 'Only an instance administrator can do this.');
}

/**
 * SPEC §1: OAuth integrations are a Workspace-plan feature. Every integration endpoint calls
 * this before doing anything, so a `personal` workspace changes nothing.
 */
export function requireWorkspacePlan(membership: Membership): void {
  if (membership.plan !== 'workspace') {
    throw new AppError(
      'plan_required',
      'OAuth integrations need the Workspace plan. Ask an instance administrator to upgrade this workspace, or use a workspace on the Workspace plan.',
      { details: { workspaceId: membership.workspaceId, plan: membership.plan, requiredPlan: 'workspace' } },
    );
  }
}

const rank: Record<WorkspaceRole, number> = { member: 0, admin: 1, owner: 2 };

export function canManageMembers(role: WorkspaceRole): boolean {
  return rank[role] >= rank.admin;
}

/** Adding someone with `role`: owners and admins add; only an owner may make another owner. */
export function checkCanAddMember(actorRole: WorkspaceRole, newRole: WorkspaceRole): void {
  if (!canManageMembers(actorRole)) {
    throw new AppError('forbidden', 'Only workspace owners and admins can add members.');
  }
  if (rank[newRole] > rank[actorRole]) {
    throw new AppError('forbidden', `A workspace ${actorRole} cannot add someone as ${newRole}.`);
  }
}

/**
 * Removing `targetId` (role `targetRole`): anyone may leave; owners and admins remove others,
 * but an admin cannot remove an owner. The last owner can neither leave nor be removed.
 */
export function checkCanRemoveMember(input: {
  actorId: string;
  actorRole: WorkspaceRole;
  targetId: string;
  targetRole: WorkspaceRole;
  ownerCount: number;
}): void {
  const leaving = input.actorId === input.targetId;
  if (!leaving) {
    if (!canManageMembers(input.actorRole)) {
      throw new AppError('forbidden', 'Only workspace owners and admins can remove other members.');
    }
    if (rank[input.targetRole] > rank[input.actorRole]) {
      throw new AppError('forbidden', `A workspace ${input.actorRole} cannot remove an ${input.targetRole}.`);
    }
  }
  if (input.targetRole === 'owner' && input.ownerCount <= 1) {
    throw new AppError('last_owner', 'A workspace needs at least one owner: make someone else owner first.');
  }
}
