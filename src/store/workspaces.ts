import type { Selectable } from 'kysely';
import type { Db } from './db.ts';
import type { Plan, WorkspaceRole, WorkspacesTable } from './schema.ts';

export type WorkspaceRow = Selectable<WorkspacesTable>;

export interface MembershipView {
  workspaceId: string;
  name: string;
  plan: Plan;
  role: WorkspaceRole;
}

export interface MemberView {
  userId: string;
  email: string;
  name: string | null;
  role: WorkspaceRole;
}

/** Workspaces and their memberships. */
export class WorkspacesRepo {
  constructor(private readonly db: Db) {}

  async insertWorkspace(ws: { id: string; name: string; plan: Plan; personalOwnerId: string | null }): Promise<WorkspaceRow> {
    return this.db
      .insertInto('workspaces')
      .values({ id: ws.id, name: ws.name, plan: ws.plan, personal_owner_id: ws.personalOwnerId })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  findWorkspace(id: string): Promise<WorkspaceRow | undefined> {
    return this.db.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async setPlan(id: string, plan: Plan): Promise<WorkspaceRow | undefined> {
    return this.db.updateTable('workspaces').set({ plan }).where('id', '=', id).returningAll().executeTakeFirst();
  }

  async insertMembership(m: { workspaceId: string; userId: string; role: WorkspaceRole }): Promise<void> {
    await this.db.insertInto('memberships').values({ workspace_id: m.workspaceId, user_id: m.userId, role: m.role }).execute();
  }

  /** The caller's membership of one workspace, with the plan, in one round trip. */
  findMembership(workspaceId: string, userId: string): Promise<MembershipView | undefined> {
    return this.db
      .selectFrom('memberships')
      .innerJoin('workspaces', 'workspaces.id', 'memberships.workspace_id')
      .select(['workspaces.id as workspaceId', 'workspaces.name', 'workspaces.plan', 'memberships.role'])
      .where('memberships.workspace_id', '=', workspaceId)
      .where('memberships.user_id', '=', userId)
      .executeTakeFirst();
  }

  listForUser(userId: string): Promise<MembershipView[]> {
    return this.db
      .selectFrom('memberships')
      .innerJoin('workspaces', 'workspaces.id', 'memberships.workspace_id')
      .select(['workspaces.id as workspaceId', 'workspaces.name', 'workspaces.plan', 'memberships.role'])
      .where('memberships.user_id', '=', userId)
      // The personal workspace first, then by creation.
      .orderBy((eb) => eb('workspaces.personal_owner_id', 'is', null), 'asc')
      .orderBy('workspaces.created_at', 'asc')
      .orderBy('workspaces.id')
      .execute();
  }

  listMembers(workspaceId: string): Promise<MemberView[]> {
    return this.db
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .select(['users.id as userId', 'users.email', 'users.name', 'memberships.role'])
      .where('memberships.workspace_id', '=', workspaceId)
      .orderBy('memberships.created_at', 'asc')
      .orderBy('users.email')
      .execute();
  }

  async countOwners(workspaceId: string): Promise<number> {
    const row = await this.db
      .selectFrom('memberships')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('workspace_id', '=', workspaceId)
      .where('role', '=', 'owner')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async deleteMembership(workspaceId: string, userId: string): Promise<boolean> {
    const row = await this.db
      .deleteFrom('memberships')
      .where('workspace_id', '=', workspaceId)
      .where('user_id', '=', userId)
      .returning('user_id')
      .executeTakeFirst();
    return row !== undefined;
  }
}
