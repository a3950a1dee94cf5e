import { Type } from 'typebox';
import type { App } from '../app.ts';
import { actorOf } from '../auth.ts';
import { Id, Name, UserSchema, DateTime, WorkspaceSchema, errors } from '../schemas.ts';

const ApiKeyInfo = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: 'the first characters of the key, to tell keys apart' }),
  createdAt: DateTime,
  lastUsedAt: Type.Union([DateTime, Type.Null()]),
  revokedAt: Type.Union([DateTime, Type.Null()]),
});

export function meRoutes(app: App): void {
  const { accounts } = app.deps.services;

  app.get(
    '/api/v1/me',
    {
      schema: {
        tags: ['accounts'],
        summary: 'The caller and their workspaces',
        response: { 200: Type.Object({ user: UserSchema, workspaces: Type.Array(WorkspaceSchema) }), ...errors(401) },
      },
    },
    async (request) => {
      const { user, workspaces } = await accounts.me(actorOf(request));
      return { user, workspaces: workspaces.map((w) => ({ id: w.workspaceId, name: w.name, role: w.role, plan: w.plan })) };
    },
  );

  app.post(
    '/api/v1/api-keys',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Create a personal API key; the key is shown only in this answer',
        body: Type.Object({ name: Name }, { additionalProperties: false }),
        response: { 201: Type.Object({ id: Type.String(), name: Type.String(), key: Type.String() }), ...errors(400, 401) },
      },
    },
    async (request, reply) => {
      const { info, key } = await accounts.createApiKey(actorOf(request), request.body.name);
      return reply.status(201).send({ id: info.id, name: info.name, key: key.reveal() });
    },
  );

  app.get(
    '/api/v1/api-keys',
    { schema: { tags: ['accounts'], summary: "The caller's API keys (never the keys themselves)", response: { 200: Type.Array(ApiKeyInfo), ...errors(401) } } },
    async (request) => accounts.listApiKeys(actorOf(request)),
  );

  app.delete(
    '/api/v1/api-keys/:id',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Revoke an API key',
        params: Type.Object({ id: Id }),
        response: { 204: Type.Null(), ...errors(401, 404) },
      },
    },
    async (request, reply) => {
      await accounts.revokeApiKey(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
}
