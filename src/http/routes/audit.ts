import { Type } from 'typebox';
import type { App } from '../app.ts';
import { actorOf } from '../auth.ts';
import { DateTime, Id, errors } from '../schemas.ts';
import { auditActions } from '../../services/audit-record.ts';
import type { AuditFilter } from '../../services/audit.ts';

const Entry = Type.Object({
  id: Type.String(),
  at: DateTime,
  actorId: Type.Union([Type.String(), Type.Null()], { description: 'null for the background refresher' }),
  action: Type.String(),
  domain: Type.Optional(Type.String()),
  connectionId: Type.Optional(Type.String()),
  details: Type.Record(Type.String(), Type.Unknown(), { description: 'whitelisted fields of the event; never a token or secret' }),
});
const AdminEntry = Type.Object({ ...Entry.properties, workspaceId: Type.Optional(Type.String()) });

const Filters = {
  domain: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
  connectionId: Type.Optional(Id),
  userId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'who acted' })),
  action: Type.Optional(Type.Union(auditActions.map((a) => Type.Literal(a)))),
  since: Type.Optional(Type.String({ format: 'date-time', description: 'inclusive' })),
  until: Type.Optional(Type.String({ format: 'date-time', description: 'exclusive' })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: "the previous page's nextCursor" })),
  // Query strings are not coerced (API.md): a number arrives as text.
  limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$', description: 'entries per page, 1–200 (default 50)' })),
};

type FilterQuery = { [K in keyof AuditFilter]?: string | undefined };

function filterOf(q: FilterQuery): AuditFilter {
  return {
    domain: q.domain,
    connectionId: q.connectionId,
    userId: q.userId,
    action: q.action,
    since: q.since === undefined ? undefined : new Date(q.since),
    until: q.until === undefined ? undefined : new Date(q.until),
    cursor: q.cursor,
    limit: q.limit === undefined ? undefined : Number(q.limit),
  };
}

const Page = (entry: typeof Entry | typeof AdminEntry) => Type.Object({ entries: Type.Array(entry), nextCursor: Type.Union([Type.String(), Type.Null()]) });

/** SPEC §8. Read-only on purpose: there is no route that edits or deletes an entry. */
export function auditRoutes(app: App): void {
  const { audit } = app.deps.services;
  // Entries are written in the background: let the pending ones land before the database closes.
  app.addHook('onClose', async () => audit.flush());

  app.get(
    '/api/v1/workspaces/:ws/audit',
    {
      schema: {
        tags: ['audit'],
        summary:
          "The workspace's audit log, newest first. Owners and admins read every entry; members read the entries they caused and those about connections they own (Workspace plan).",
        params: Type.Object({ ws: Id }),
        querystring: Type.Object(Filters, { additionalProperties: false }),
        response: { 200: Page(Entry), ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => audit.listForWorkspace(actorOf(request), request.params.ws, filterOf(request.query)),
  );

  app.get(
    '/api/v1/admin/audit',
    {
      schema: {
        tags: ['admin', 'audit'],
        summary: 'Every audit entry of the instance, including OAuth app changes (instance admin only)',
        querystring: Type.Object({ ...Filters, workspaceId: Type.Optional(Id) }, { additionalProperties: false }),
        response: { 200: Page(AdminEntry), ...errors(400, 401, 403) },
      },
    },
    async (request) => audit.listAll(actorOf(request), { ...filterOf(request.query), workspaceId: request.query.workspaceId }),
  );

  app.get(
    '/api/v1/admin/audit/verify',
    {
      schema: {
        tags: ['admin', 'audit'],
        summary: 'Recompute the hash chain; names the first entry that was edited or follows a deleted one (instance admin only)',
        response: {
          200: Type.Object({ ok: Type.Boolean(), checked: Type.Integer(), firstBrokenId: Type.Optional(Type.String()) }),
          ...errors(401, 403),
        },
      },
    },
    async (request) => audit.verify(actorOf(request)),
  );
}
