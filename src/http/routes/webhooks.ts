import { Type } from 'typebox';
import type { App } from '../app.ts';
import { actorOf } from '../auth.ts';
import { WEBHOOK_EVENTS } from '../../services/webhooks.ts';
import { DateTime, Id, errors } from '../schemas.ts';

const WsParams = Type.Object({ ws: Id });
const HookParams = Type.Object({ ws: Id, id: Id });
const EventType = Type.Union(WEBHOOK_EVENTS.map((e) => Type.Literal(e)));
const Webhook = Type.Object({ id: Type.String(), url: Type.String(), events: Type.Array(Type.String()), createdAt: DateTime });

export function webhookRoutes(app: App): void {
  const { webhooks } = app.deps.services;

  app.get(
    '/api/v1/webhook-events',
    { schema: { tags: ['webhooks'], summary: 'The event types a webhook can subscribe to', response: { 200: Type.Array(Type.String()), ...errors(401) } } },
    async (request) => {
      actorOf(request);
      return [...WEBHOOK_EVENTS];
    },
  );

  app.post(
    '/api/v1/workspaces/:ws/webhooks',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Subscribe a URL to events of the workspace (owners and admins); the signing secret is shown only in this answer',
        params: WsParams,
        body: Type.Object(
          { url: Type.String({ minLength: 1, maxLength: 2048 }), events: Type.Array(EventType, { minItems: 1, maxItems: WEBHOOK_EVENTS.length, uniqueItems: true }) },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ id: Type.String(), secret: Type.String(), url: Type.String(), events: Type.Array(Type.String()), createdAt: DateTime }), ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const created = await webhooks.create(actorOf(request), request.params.ws, request.body);
      void reply.header('cache-control', 'no-store');
      return reply.status(201).send({ id: created.id, secret: created.secret.reveal(), url: created.url, events: created.events, createdAt: created.createdAt });
    },
  );

  app.get(
    '/api/v1/workspaces/:ws/webhooks',
    { schema: { tags: ['webhooks'], summary: "The workspace's webhooks (owners and admins); never their secrets", params: WsParams, response: { 200: Type.Array(Webhook), ...errors(401, 403, 404) } } },
    async (request) => webhooks.list(actorOf(request), request.params.ws),
  );

  app.get(
    '/api/v1/workspaces/:ws/webhooks/:id/deliveries',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'The newest 50 deliveries of a webhook, with their status and attempts',
        params: HookParams,
        response: {
          200: Type.Array(
            Type.Object({
              id: Type.String(),
              eventType: Type.String(),
              status: Type.String(),
              attempts: Type.Integer(),
              lastStatus: Type.Union([Type.Integer(), Type.Null()]),
              lastError: Type.Union([Type.String(), Type.Null()]),
              createdAt: DateTime,
              nextAttemptAt: Type.Union([DateTime, Type.Null()]),
              deliveredAt: Type.Union([DateTime, Type.Null()]),
            }),
          ),
          ...errors(401, 403, 404),
        },
      },
    },
    async (request) => webhooks.deliveries(actorOf(request), request.params.ws, request.params.id),
  );

  app.delete(
    '/api/v1/workspaces/:ws/webhooks/:id',
    { schema: { tags: ['webhooks'], summary: 'Unsubscribe (owners and admins); pending deliveries are dropped', params: HookParams, response: { 204: Type.Null(), ...errors(401, 403, 404) } } },
    async (request, reply) => {
      await webhooks.delete(actorOf(request), request.params.ws, request.params.id);
      return reply.status(204).send(null);
    },
  );
}
