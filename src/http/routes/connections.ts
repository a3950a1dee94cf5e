import { Type } from 'typebox';
import type { App } from '../app.ts';
import { actorOf } from '../auth.ts';
import { DateTime, Id, Name, errors } from '../schemas.ts';

export const ConnectionSchema = Type.Object(
  {
    id: Type.String(),
    workspaceId: Type.String(),
    domain: Type.String(),
    name: Type.String(),
    status: Type.Union(['active', 'refreshing', 'error', 'reauthorize', 'disconnected'].map((s) => Type.Literal(s))),
    statusReason: Type.Union([Type.String(), Type.Null()]),
    accountId: Type.String(),
    accountName: Type.String({ description: 'the account as people know it (email, user name)' }),
    scopes: Type.Array(Type.String(), { description: 'the scopes granted' }),
    tokenExpiresAt: Type.Union([DateTime, Type.Null()]),
    lastRefreshedAt: Type.Union([DateTime, Type.Null()]),
    ownerId: Type.String(),
    createdAt: DateTime,
    shared: Type.Union([
      Type.Null(),
      Type.Object({ level: Type.Union([Type.Literal('use'), Type.Literal('manage')]), sharedBy: Type.Union([Type.String(), Type.Null()]), sharedAt: Type.Union([DateTime, Type.Null()]) }),
    ]),
    revocation: Type.Union([Type.String(), Type.Null()], { description: 'after a disconnect: the outcome of revoking the tokens at the provider' }),
  },
  { $id: 'Connection' },
);

const ConnectionRef = Type.Ref('Connection');

export function connectionRoutes(app: App): void {
  const { connections } = app.deps.services;
  app.addSchema(ConnectionSchema);

  app.get(
    '/api/v1/workspaces/:ws/connections',
    {
      schema: {
        tags: ['connections'],
        summary: "The caller's own connections in this workspace plus those shared to it",
        params: Type.Object({ ws: Id }),
        querystring: Type.Object({ domain: Type.Optional(Type.String({ maxLength: 63 })) }, { additionalProperties: false }),
        response: { 200: Type.Array(ConnectionRef), ...errors(401, 403, 404) },
      },
    },
    async (request) => connections.list(actorOf(request), request.params.ws, request.query.domain),
  );

  app.get(
    '/api/v1/connections/:id',
    {
      schema: {
        tags: ['connections'],
        summary: 'One connection (never its tokens)',
        params: Type.Object({ id: Id }),
        response: { 200: ConnectionRef, ...errors(401, 403, 404) },
      },
    },
    async (request) => connections.get(actorOf(request), request.params.id),
  );

  app.patch(
    '/api/v1/connections/:id',
    {
      schema: {
        tags: ['connections'],
        summary: 'Rename a connection (owner only)',
        params: Type.Object({ id: Id }),
        body: Type.Object({ name: Name }, { additionalProperties: false }),
        response: { 200: ConnectionRef, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => connections.rename(actorOf(request), request.params.id, request.body.name),
  );
}
