import { Type } from 'typebox';
import type { App } from '../app.ts';
import { actorOf } from '../auth.ts';
import { Email, Id, Name, Role, WorkspaceSchema, errors } from '../schemas.ts';

const Member = Type.Object({ userId: Type.String(), email: Type.String(), name: Type.Union([Type.String(), Type.Null()]), role: Role });
const WsParams = Type.Object({ ws: Id });

export function workspaceRoutes(app: App): void {
  const { workspaces, accounts } = app.deps.services;

  app.post(
    '/api/v1/workspaces',
    {
      schema: {
        tags: ['workspaces'],
        summary: 'Create a workspace (Workspace plan); the caller becomes its owner',
        body: Type.Object({ name: Name }, { additionalProperties: false }),
        response: { 201: WorkspaceSchema, ...errors(400, 401) },
      },
    },
    async (request, reply) => reply.status(201).send(await workspaces.create(actorOf(request), request.body.name)),
  );

  app.get(
    '/api/v1/workspaces',
    { schema: { tags: ['workspaces'], summary: "The caller's workspaces", response: { 200: Type.Array(WorkspaceSchema), ...errors(401) } } },
    async (request) => {
      const { workspaces: list } = await accounts.me(actorOf(request));
      return list.map((w) => ({ id: w.workspaceId, name: w.name, role: w.role, plan: w.plan }));
    },
  );

  app.get(
    '/api/v1/workspaces/:ws/members',
    {
      schema: {
        tags: ['workspaces'],
        summary: 'List the members of a workspace',
        params: WsParams,
        response: { 200: Type.Array(Member), ...errors(401, 404) },
      },
    },
    async (request) => workspaces.listMembers(actorOf(request), request.params.ws),
  );

  app.post(
    '/api/v1/workspaces/:ws/members',
    {
      schema: {
        tags: ['workspaces'],
        summary: 'Add an existing user by email (owner/admin only)',
        params: WsParams,
        body: Type.Object({ email: Email, role: Role }, { additionalProperties: false }),
        response: { 201: Member, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => reply.status(201).send(await workspaces.addMember(actorOf(request), request.params.ws, request.body)),
  );

  app.delete(
    '/api/v1/workspaces/:ws/members/:userId',
    {
      schema: {
        tags: ['workspaces'],
        summary: 'Remove a member (owner/admin) or leave (the member themself)',
        params: Type.Object({ ws: Id, userId: Id }),
        response: { 204: Type.Null(), ...errors(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await workspaces.removeMember(actorOf(request), request.params.ws, request.params.userId);
      return reply.status(204).send(null);
    },
  );
}
