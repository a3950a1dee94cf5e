import { Type } from 'typebox';
import type { App } from '../app.ts';
import { actorOf } from '../auth.ts';
import { DateTime, Id, errors } from '../schemas.ts';
import { FLOW_COOKIE } from './connect.ts';
import { newBindingId, CONNECT_SESSION_TTL_MS } from '../../services/connect.ts';

const ConnectionRef = Type.Ref('Connection');
const Params = Type.Object({ id: Id });
const Scope = Type.String({ minLength: 1, maxLength: 512, pattern: '^\\S+$' });

export function tokenRoutes(app: App): void {
  const { tokens, lifecycle, proxy } = app.deps.services;
  const { publicOrigin } = app.deps.config;

  app.post(
    '/api/v1/connections/:id/token',
    {
      schema: {
        tags: ['tokens'],
        summary: 'A valid access token for the workflow runtime (refreshed first when needed)',
        params: Params,
        body: Type.Object(
          { scopes: Type.Optional(Type.Array(Scope, { maxItems: 100 })), workflowId: Type.Optional(Id), nodeId: Type.Optional(Id) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ accessToken: Type.String(), tokenType: Type.String(), expiresAt: Type.Union([DateTime, Type.Null()]) }),
          ...errors(400, 401, 403, 404, 409, 410, 502, 503),
        },
      },
    },
    async (request, reply) => {
      const issued = await tokens.issue(actorOf(request), request.params.id, request.body ?? {});
      void reply.header('cache-control', 'no-store');
      return { accessToken: issued.accessToken.reveal(), tokenType: issued.tokenType, expiresAt: issued.expiresAt };
    },
  );

  app.post(
    '/api/v1/connections/:id/refresh',
    {
      schema: {
        tags: ['connections'],
        summary: 'Refresh the token now (owner or manage share); a permanent failure answers 409 reauthorize_required',
        params: Params,
        response: { 200: ConnectionRef, ...errors(401, 403, 404, 409, 410, 502, 503) },
      },
    },
    async (request) => lifecycle.refreshNow(actorOf(request), request.params.id),
  );

  app.post(
    '/api/v1/connections/:id/reconnect',
    {
      schema: {
        tags: ['connections'],
        summary: 'Run the connect flow again, keeping the connection id (owner or manage share)',
        params: Params,
        body: Type.Object(
          { scopes: Type.Optional(Type.Array(Scope, { maxItems: 100 })), allowAccountChange: Type.Optional(Type.Boolean()) },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ authorizationUrl: Type.String(), expiresAt: DateTime }), ...errors(400, 401, 403, 404, 410) },
      },
    },
    async (request, reply) => {
      const bindingId = request.cookies[FLOW_COOKIE] ?? newBindingId();
      const started = await lifecycle.reconnect(actorOf(request), request.params.id, request.body ?? {}, bindingId);
      void reply.setCookie(FLOW_COOKIE, bindingId, { httpOnly: true, sameSite: 'lax', secure: publicOrigin.startsWith('https:'), path: '/', maxAge: Math.floor(CONNECT_SESSION_TTL_MS / 1000) });
      return reply.status(201).send(started);
    },
  );

  app.delete(
    '/api/v1/connections/:id',
    {
      schema: {
        tags: ['connections'],
        summary: 'Disconnect (owner only): revoke at the provider where supported, delete the tokens',
        params: Params,
        response: { 204: Type.Null(), ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await lifecycle.disconnect(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/connections/:id/proxy',
    {
      bodyLimit: 1024 * 1024,
      schema: {
        tags: ['tokens'],
        summary: "Call the provider's API with the connection's token; answers the provider's status and body",
        params: Params,
        body: Type.Object(
          {
            method: Type.Union(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'].map((m) => Type.Literal(m))),
            path: Type.String({ minLength: 1, maxLength: 4096 }),
            query: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]))),
            headers: Type.Optional(Type.Record(Type.String(), Type.String())),
            body: Type.Optional(Type.Unknown()),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const body = request.body;
      const result = await proxy.call(actorOf(request), request.params.id, {
        method: body.method,
        path: body.path,
        query: body.query,
        headers: body.headers,
        body: body.body,
      });
      void reply.status(result.status).header('x-tether-proxied', 'true');
      if (result.contentType) void reply.header('content-type', result.contentType);
      return reply.send(result.body);
    },
  );
}
