import { abilitiesOf, requireAbility, type ConnectionAbility } from '../core/connections.ts';
import type { Clock } from '../core/clock.ts';
import type { Actor } from '../core/policy.ts';
import type { Db } from '../store/db.ts';
import { ConnectionsRepo, type ConnectionRow } from '../store/connections.ts';
import { WorkspacesRepo } from '../store/workspaces.ts';
import type { ConnectionStatus, ShareLevel } from '../store/schema.ts';
import type { WorkspacesService } from './workspaces.ts';
import type { Events } from './events.ts';

/** API.md `Connection`, plus a few display fields. Never a token. */
export interface ConnectionView {
  id: string;
  workspaceId: string;
  domain: string;
  name: string;
  status: ConnectionStatus;
  statusReason: string | null;
  accountId: string;
  accountName: string;
  scopes: string[];
  tokenExpiresAt: Date | null;
  lastRefreshedAt: Date | null;
  ownerId: string;
  createdAt: Date;
  shared: null | { level: ShareLevel; sharedBy: string | null; sharedAt: Date | null };
  /** After a disconnect: what happened at the provider (revoked, not supported, failed). */
  revocation: string | null;
}

export function toConnectionView(row: ConnectionRow): ConnectionView {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    domain: row.domain,
    name: row.name,
    status: row.status,
    statusReason: row.status_reason,
    accountId: row.account_id,
    accountName: row.account_display,
    scopes: row.scopes,
    tokenExpiresAt: row.token_expires_at,
    lastRefreshedAt: row.last_refreshed_at,
    ownerId: row.owner_id,
    createdAt: row.created_at,
    shared: row.shared_level === null ? null : { level: row.shared_level, sharedBy: row.shared_by, sharedAt: row.shared_at },
    revocation: row.revocation,
  };
}

export interface ConnectionsDeps {
  db: Db;
  clock: Clock;
  workspaces: WorkspacesService;
  events?: Events;
}

/** Reading and renaming connections, with the access rules of core/connections.ts. */
export class ConnectionsService {
  readonly #deps: ConnectionsDeps;
  readonly #repo: ConnectionsRepo;

  constructor(deps: ConnectionsDeps) {
    this.#deps = deps;
    this.#repo = new ConnectionsRepo(deps.db);
  }

  async list(actor: Actor, workspaceId: string, domain?: string): Promise<ConnectionView[]> {
    await this.#deps.workspaces.requireMembership(actor, workspaceId, { plan: 'workspace' });
    return (await this.#repo.listVisible(workspaceId, actor.userId, domain)).map(toConnectionView);
  }

  /**
   * Loads a connection the caller may act on: `404` when they may not see it, `403` when they
   * may see it but not do `needed`, and `403 plan_required` on a personal-plan workspace.
   */
  async authorize(actor: Actor, id: string, needed: ConnectionAbility, action: string): Promise<ConnectionRow> {
    const row = await this.#repo.find(id);
    const membership = row ? await new WorkspacesRepo(this.#deps.db).findMembership(row.workspace_id, actor.userId) : undefined;
    const abilities = row
      ? abilitiesOf({ id: row.id, workspaceId: row.workspace_id, ownerId: row.owner_id, status: row.status, sharedLevel: row.shared_level }, actor, membership !== undefined)
      : new Set<ConnectionAbility>();
    requireAbility(abilities, 'view', action);
    // Visible, so the caller is a member: the plan guard applies before anything else.
    await this.#deps.workspaces.requireMembership(actor, row!.workspace_id, { plan: 'workspace' });
    requireAbility(abilities, needed, action);
    return row!;
  }

  async get(actor: Actor, id: string): Promise<ConnectionView> {
    return toConnectionView(await this.authorize(actor, id, 'view', 'see this connection'));
  }

  async rename(actor: Actor, id: string, name: string): Promise<ConnectionView> {
    const before = await this.authorize(actor, id, 'own', 'rename this connection');
    const now = this.#deps.clock.now();
    const row = await this.#repo.update(id, { name, updated_at: now });
    this.#deps.events?.emit({ type: 'connection.renamed', at: now, actorId: actor.userId, connectionId: id, domain: before.domain, workspaceId: before.workspace_id, details: { name, previousName: before.name } });
    return toConnectionView(row ?? before);
  }
}
