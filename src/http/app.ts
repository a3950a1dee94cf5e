import Fastify, { LogController, type FastifyInstance, type RawServerDefault, type RawRequestDefaultExpression, type RawReplyDefaultExpression } from 'fastify';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Db } from '../store/db.ts';
import type { Services } from '../services/index.ts';
import { registerAuth } from './auth.ts';
import { registerErrorHandling, registerNotFound } from './errors.ts';
import { registerUi } from './ui.ts';
import type { HttpMetrics } from './metrics.ts';
import { ErrorSchema } from './schemas.ts';
import { adminRoutes } from './routes/admin.ts';
import { authRoutes } from './routes/auth.ts';
import { meRoutes } from './routes/me.ts';
import { opsRoutes } from './routes/ops.ts';
import { workspaceRoutes } from './routes/workspaces.ts';
import { oauthAppRoutes } from './routes/oauth-apps.ts';
import { connectRoutes } from './routes/connect.ts';
import { connectionRoutes } from './routes/connections.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { sharingRoutes } from './routes/sharing.ts';
import { workflowRoutes } from './routes/workflows.ts';
import { notificationRoutes } from './routes/notifications.ts';
import { auditRoutes } from './routes/audit.ts';
import { webhookRoutes } from './routes/webhooks.ts';

export type { Services };

export interface AppDeps {
  config: Config;
  logger: Logger;
  db: Db;
  services: Services;
  metrics: HttpMetrics;
  /** The built UI's folder; `undefined` = the default (`web/dist`), `null` = no UI (API-only tests). */
  uiDir?: string | null;
}

export type App = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, Logger, TypeBoxTypeProvider> & {
  deps: AppDeps;
};

declare module 'fastify' {
  interface FastifyInstance {
    deps: AppDeps;
  }
}

/** Builds the HTTP app; nothing listens until the caller says so (tests use `inject`). */
export async function buildApp(deps: AppDeps): Promise<App> {
  const app = Fastify({
    loggerInstance: deps.logger,
    // One access-log line per request comes from the onResponse hook below (path only, no query).
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: false,
    bodyLimit: 1024 * 1024,
    ajv: {
      customOptions: {
        // API.md: unknown fields are refused, not silently dropped; types are not coerced.
        removeAdditional: false,
        coerceTypes: false,
        allErrors: true,
      },
    },
  }).withTypeProvider<TypeBoxTypeProvider>() as App;

  app.decorate('deps', deps);
  app.addSchema(ErrorSchema);
  registerErrorHandling(app);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Tether API', version: '1.0.0', description: 'OAuth connection manager for workflow automation' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'tether_session' },
          apiKey: { type: 'http', scheme: 'bearer', description: 'a personal API key' },
        },
      },
      security: [{ session: [] }, { apiKey: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(cookie);
  await app.register(rateLimit, { global: false });

  const { requestDuration, requests } = deps.metrics;
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = { method: request.method, route, status_code: String(reply.statusCode) };
    requestDuration.observe(labels, reply.elapsedTime / 1000);
    requests.inc(labels);
    request.log.info({ method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request');
  });

  registerAuth(app, { accounts: deps.services.accounts, publicOrigin: deps.config.publicOrigin, sessionTtlMs: deps.config.sessionTtlMs });

  opsRoutes(app);
  authRoutes(app);
  meRoutes(app);
  workspaceRoutes(app);
  adminRoutes(app);
  oauthAppRoutes(app);
  connectRoutes(app);
  connectionRoutes(app);
  tokenRoutes(app);
  sharingRoutes(app);
  workflowRoutes(app);
  notificationRoutes(app);
  auditRoutes(app);
  webhookRoutes(app);

  // The web UI at `/`; browser navigations to its client-side routes get its index.html.
  const pageFallback = deps.uiDir === null ? undefined : await registerUi(app, deps.uiDir);
  registerNotFound(app, pageFallback);

  return app;
}
