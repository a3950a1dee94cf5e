import { Type } from 'typebox';
import type { FastifyReply } from 'fastify';
import type { App } from '../app.ts';
import { actorOf } from '../auth.ts';
import { failurePage, successPage, type Page } from '../callback-page.ts';
import { CONNECT_SESSION_TTL_MS, newBindingId } from '../../services/connect.ts';
import { DateTime, Id, errors } from '../schemas.ts';

/** The HttpOnly cookie binding a connect flow to the browser that started it (SPEC §3). */
export const FLOW_COOKIE = 'tether_flow';

const Scope = Type.String({ minLength: 1, maxLength: 512, pattern: '^\\S+$' });

function sendPage(reply: FastifyReply, page: Page): FastifyReply {
  return reply
    .status(page.status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('referrer-policy', 'no-referrer')
    .header('content-security-policy', page.csp)
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .send(page.html);
}

export function connectRoutes(app: App): void {
  const { connect } = app.deps.services;
  const { publicOrigin } = app.deps.config;

  app.post(
    '/api/v1/workspaces/:ws/connect',
    {
      schema: {
        tags: ['connecting'],
        summary: "Start connecting an account: returns the provider's authorization URL and sets the flow-binding cookie",
        params: Type.Object({ ws: Id }),
        body: Type.Object(
          {
            domain: Type.String({ minLength: 1, maxLength: 63 }),
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            scopes: Type.Optional(Type.Array(Scope, { maxItems: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ authorizationUrl: Type.String(), expiresAt: DateTime }), ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      // One binding per browser, reused across parallel connects in the same browser.
      const bindingId = request.cookies[FLOW_COOKIE] ?? newBindingId();
      const started = await connect.start(actorOf(request), request.params.ws, request.body, bindingId);
      void reply.setCookie(FLOW_COOKIE, bindingId, {
        httpOnly: true,
        // Lax: sent on the provider's top-level GET redirect back to /oauth/callback.
        sameSite: 'lax',
        secure: publicOrigin.startsWith('https:'),
        path: '/',
        maxAge: Math.floor(CONNECT_SESSION_TTL_MS / 1000),
      });
      return reply.status(201).send(started);
    },
  );

  app.get(
    '/oauth/callback',
    {
      schema: {
        tags: ['connecting'],
        summary: "The provider's redirect target: completes the connect and answers an HTML page",
        hide: false,
        querystring: Type.Record(Type.String(), Type.Unknown()),
        produces: ['text/html'],
      },
    },
    async (request, reply) => {
      const raw = request.raw.url ?? '';
      const params = new URLSearchParams(raw.includes('?') ? raw.slice(raw.indexOf('?') + 1) : '');
      const result = await connect.callback(params, request.cookies[FLOW_COOKIE]);
      if (!result.ok) return sendPage(reply, failurePage(result.failure));
      return sendPage(
        reply,
        successPage({
          publicOrigin,
          connectionId: result.connectionId,
          workspaceId: result.workspaceId,
          providerName: result.providerName,
          reconnected: result.reconnected,
        }),
      );
    },
  );
}
