/**
 * The authorization matrix: who may reach which connection, workflow, run, notification and
 * audit entry, and with what answer. The single source of truth for
 * `test/authorization-matrix.test.ts` (which calls every cell against a running app) and for
 * the table in `docs/security.md` (rendered by `scripts/security-doc.ts`). Change a cell here,
 * never in the doc.
 *
 * Expectations follow API.md ("Who may call" under Connections, Workflows, Notifications, Audit
 * log) and SPEC §6–9; where API.md is silent (who reads the audit log) they follow the
 * documented behaviour of the route. Pure data: no imports, no I/O.
 */

export const actors = ['owner', 'useMember', 'manageMember', 'member', 'nonMember', 'instanceAdmin', 'anonymous'] as const;
export type Actor = (typeof actors)[number];

/** Column headings of the rendered table. */
export const actorLabels: Record<Actor, string> = {
  owner: 'owner',
  useMember: 'member, `use` share',
  manageMember: 'member, `manage` share',
  member: 'member, no share',
  nonMember: 'non-member',
  instanceAdmin: 'instance admin, not a member',
  anonymous: 'anonymous',
};

/**
 * Who each actor is, and which connection their cells act on. All connections are owned by
 * `owner` in one Workspace-plan workspace; the workflows are `owner`'s too.
 */
export const actorDescriptions: Record<Actor, string> = {
  owner: "created the connection and owns the workspace and the workflow; acts on the connection shared at `use` (ownership, not the share, is what counts)",
  useMember: 'a workspace member; acts on the connection the owner shared at level `use`',
  manageMember: 'a workspace member; acts on the connection the owner shared at level `manage`',
  member: 'a workspace member; acts on a connection the owner has not shared',
  nonMember: 'signed in, not a member of the workspace; acts on the connection shared at `manage` (the widest share)',
  instanceAdmin: 'holds the instance admin role but is not a member of the workspace; acts on the connection shared at `manage`',
  anonymous: 'no session cookie and no API key; acts on the connection shared at `manage`',
};

/**
 * What a cell asserts. A number is the exact HTTP status. The words stand for a `200` whose
 * body is checked:
 * - `listed` / `not listed`: the target connection (or workflow) is / is not in the list;
 * - `all entries`: the audit page includes entries caused by others about others' connections;
 * - `own entries`: every audit entry was caused by the caller or is about a connection the
 *   caller owns (and none other);
 * - `own only`: exactly the caller's own notifications, none of anyone else's.
 */
export type Cell = number | 'listed' | 'not listed' | 'all entries' | 'own entries' | 'own only';

export interface Row {
  /** Method and path, as API.md writes it; a parenthesis tells rows of one path apart. */
  endpoint: string;
  note?: string;
  /** The error `code` each refusal status must carry (API.md Conventions). */
  codes?: Partial<Record<number, string>>;
  expected: Record<Actor, Cell>;
}

const connectionCodes = { 401: 'unauthenticated', 403: 'forbidden', 404: 'connection_not_found' };
const workspaceCodes = { 401: 'unauthenticated', 404: 'workspace_not_found' };
const workflowCodes = { 401: 'unauthenticated', 403: 'forbidden', 404: 'not_found' };
const adminCodes = { 401: 'unauthenticated', 403: 'admin_required' };

/** Everyone who can see the connection may do it; everyone else cannot learn it exists. */
const sharedMay = (ok: number): Record<Actor, Cell> => ({ owner: ok, useMember: ok, manageMember: ok, member: 404, nonMember: 404, instanceAdmin: 404, anonymous: 401 });
/** Only the owner; members who can see it are told no, others cannot learn it exists. */
const ownerOnly = (ok: number): Record<Actor, Cell> => ({ owner: ok, useMember: 403, manageMember: 403, member: 404, nonMember: 404, instanceAdmin: 404, anonymous: 401 });
/** The owner and a `manage` share. */
const managers = (ok: number): Record<Actor, Cell> => ({ owner: ok, useMember: 403, manageMember: ok, member: 404, nonMember: 404, instanceAdmin: 404, anonymous: 401 });
/** Any member of the workspace; non-members get the workspace's `404`. */
const anyMember = (ok: Cell): Record<Actor, Cell> => ({ owner: ok, useMember: ok, manageMember: ok, member: ok, nonMember: 404, instanceAdmin: 404, anonymous: 401 });
/** Only the workflow's owner; other members `403`, non-members `404`. */
const workflowOwner = (ok: number): Record<Actor, Cell> => ({ owner: ok, useMember: 403, manageMember: 403, member: 403, nonMember: 404, instanceAdmin: 404, anonymous: 401 });
/** Instance admins, member or not. */
const instanceAdmins = (ok: number): Record<Actor, Cell> => ({ owner: ok, useMember: 403, manageMember: 403, member: 403, nonMember: 403, instanceAdmin: ok, anonymous: 401 });

export const rows: Row[] = [
  // Connections (API.md "Who may call").
  { endpoint: 'GET /api/v1/connections/:id', codes: connectionCodes, expected: sharedMay(200) },
  { endpoint: 'PATCH /api/v1/connections/:id', note: 'rename; owner only', codes: connectionCodes, expected: ownerOnly(200) },
  { endpoint: 'POST /api/v1/connections/:id/token', codes: connectionCodes, expected: sharedMay(200) },
  { endpoint: 'POST /api/v1/connections/:id/proxy', note: "`200` is the provider API's answer", codes: connectionCodes, expected: sharedMay(200) },
  { endpoint: 'POST /api/v1/connections/:id/refresh', note: '`manage` also allows refresh', codes: connectionCodes, expected: managers(200) },
  { endpoint: 'POST /api/v1/connections/:id/reconnect', note: '`manage` also allows reconnect', codes: connectionCodes, expected: managers(201) },
  { endpoint: 'POST /api/v1/connections/:id/promote', note: 'owner only; a `manage` share cannot re-share', codes: connectionCodes, expected: ownerOnly(200) },
  { endpoint: 'POST /api/v1/connections/:id/unshare', note: 'Remove from Workspace; owner only', codes: connectionCodes, expected: ownerOnly(200) },
  {
    endpoint: 'GET /api/v1/connections/:id/impact?action=disconnect',
    note: 'API.md does not mark impact owner-only, so the general "Who may call" rule applies: whoever can see the connection may preview what a disconnect breaks (workflows any member can already read)',
    codes: connectionCodes,
    expected: sharedMay(200),
  },
  { endpoint: 'DELETE /api/v1/connections/:id', note: 'Disconnect; owner only', codes: connectionCodes, expected: ownerOnly(204) },
  {
    endpoint: 'GET /api/v1/workspaces/:ws/connections',
    note: 'whether the target connection is in the list: own plus shared to the workspace',
    codes: workspaceCodes,
    expected: { owner: 'listed', useMember: 'listed', manageMember: 'listed', member: 'not listed', nonMember: 404, instanceAdmin: 404, anonymous: 401 },
  },
  { endpoint: 'POST /api/v1/workspaces/:ws/connect', note: 'start connecting an account of your own', codes: workspaceCodes, expected: anyMember(201) },

  // Workflows: any member reads; only the workflow's owner changes or runs it.
  {
    endpoint: "POST /api/v1/workspaces/:ws/workflows (node via 'workspace')",
    note: 'a node using the target connection through the workspace share',
    codes: { ...workspaceCodes, 403: 'connection_not_allowed' },
    expected: { owner: 201, useMember: 201, manageMember: 201, member: 403, nonMember: 404, instanceAdmin: 404, anonymous: 401 },
  },
  {
    endpoint: "POST /api/v1/workspaces/:ws/workflows (node via 'personal')",
    note: 'a node using the target connection as the caller’s own: only its owner may',
    codes: { ...workspaceCodes, 403: 'connection_not_allowed' },
    expected: { owner: 201, useMember: 403, manageMember: 403, member: 403, nonMember: 404, instanceAdmin: 404, anonymous: 401 },
  },
  { endpoint: 'GET /api/v1/workspaces/:ws/workflows', note: "whether the owner's workflow is in the list", codes: workspaceCodes, expected: anyMember('listed') },
  { endpoint: 'GET /api/v1/workflows/:id', codes: workflowCodes, expected: anyMember(200) },
  { endpoint: 'PATCH /api/v1/workflows/:id/nodes/:nodeId', codes: workflowCodes, expected: workflowOwner(200) },
  { endpoint: 'POST /api/v1/workflows/:id/run', note: 'records a run', codes: workflowCodes, expected: workflowOwner(200) },
  {
    endpoint: 'GET /api/v1/workspaces/:ws/members/:userId/impact',
    note: "what removing a member would break (not in API.md); shows only the workspace's workflows, which every member can read",
    codes: workspaceCodes,
    expected: anyMember(200),
  },

  // Notifications: the caller's own, whoever asks.
  {
    endpoint: 'GET /api/v1/notifications',
    note: 'the owner and the `use` member each have one (their nodes broke); nobody sees another’s',
    codes: { 401: 'unauthenticated' },
    expected: { owner: 'own only', useMember: 'own only', manageMember: 'own only', member: 'own only', nonMember: 'own only', instanceAdmin: 'own only', anonymous: 401 },
  },
  {
    endpoint: 'POST /api/v1/notifications/:id/read',
    note: "the `use` member's notification: nobody else can even find it",
    codes: { 401: 'unauthenticated', 404: 'not_found' },
    expected: { owner: 404, useMember: 204, manageMember: 404, member: 404, nonMember: 404, instanceAdmin: 404, anonymous: 401 },
  },

  // Audit log (SPEC §8).
  {
    endpoint: 'GET /api/v1/workspaces/:ws/audit',
    note: 'API.md is silent on who reads; the route documents it: workspace owners and admins every entry, members the entries they caused and those about connections they own. Instance admins read through /admin/audit',
    codes: workspaceCodes,
    expected: { owner: 'all entries', useMember: 'own entries', manageMember: 'own entries', member: 'own entries', nonMember: 404, instanceAdmin: 404, anonymous: 401 },
  },
  { endpoint: 'GET /api/v1/admin/audit?workspaceId=:ws', note: 'instance admins, member or not', codes: adminCodes, expected: instanceAdmins(200) },
  { endpoint: 'GET /api/v1/admin/audit/verify', codes: adminCodes, expected: instanceAdmins(200) },
];
