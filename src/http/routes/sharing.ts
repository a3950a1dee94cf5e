import { Type } from 'typebox';
import type { App } from '../app.ts';
import { actorOf } from '../auth.ts';
import { Id, errors } from '../schemas.ts';

const ConnectionRef = Type.Ref('Connection');
const Params = Type.Object({ id: Id });

export const ImpactSchema = Type.Object({
  workflows: Type.Array(
    Type.Object({ id: Type.String(), name: Type.String(), ownerId: Type.String(), ownerEmail: Type.String(), nodes: Type.Array(Type.Object({ id: Type.String(), action: Type.String() })) }),
  ),
});

export function sharingRoutes(app: App): void {
  const { sharing } = app.deps.services;

  app.post(
    '/api/v1/connections/:id/promote',
    {
      schema: {
        tags: ['sharing'],
        summary: 'Promote to Workspace (owner only): members may use it (`use`), or also refresh and reconnect it (`manage`)',
        params: Params,
        body: Type.Optional(Type.Object({ level: Type.Optional(Type.Union([Type.Literal('use'), Type.Literal('manage')])) }, { additionalProperties: false })),
        response: { 200: ConnectionRef, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => sharing.promote(actorOf(request), request.params.id, request.body?.level ?? 'use'),
  );

  app.post(
    '/api/v1/connections/:id/unshare',
    {
      schema: {
        tags: ['sharing'],
        summary: 'Remove from Workspace (owner only); nodes that used it through the workspace break',
        params: Params,
        response: { 200: ConnectionRef, ...errors(401, 403, 404) },
      },
    },
    async (request) => sharing.unshare(actorOf(request), request.params.id),
  );

  app.get(
    '/api/v1/connections/:id/impact',
    {
      schema: {
        tags: ['sharing'],
        summary: 'Which workflows and nodes a disconnect or an unshare would break (anyone who may see the connection)',
        params: Params,
        querystring: Type.Object({ action: Type.Union([Type.Literal('disconnect'), Type.Literal('unshare')]) }, { additionalProperties: false }),
        response: { 200: ImpactSchema, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => ({ workflows: await sharing.impactOf(actorOf(request), request.params.id, request.query.action) }),
  );
}
