import { Type } from 'typebox';
import type { App } from '../app.ts';
import { checkReady } from '../../store/db.ts';

export function opsRoutes(app: App): void {
  app.get(
    '/healthz',
    { schema: { tags: ['operations'], summary: 'The process is up', response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: 'The database is reachable and every migration is applied',
        response: {
          200: Type.Object({ status: Type.Literal('ready') }),
          503: Type.Object({ status: Type.Literal('not_ready'), reason: Type.String() }),
        },
      },
    },
    async (_request, reply) => {
      const result = await checkReady(app.deps.db);
      if (result.ready) return reply.send({ status: 'ready' as const });
      return reply.status(503).send({ status: 'not_ready' as const, reason: result.reason ?? 'unknown' });
    },
  );

  app.get('/metrics', { schema: { tags: ['operations'], summary: 'Prometheus metrics' } }, async (_request, reply) => {
    const { registry } = app.deps.metrics;
    return reply.type(registry.contentType).send(await registry.metrics());
  });

  app.get('/openapi.json', { schema: { tags: ['operations'], summary: 'This OpenAPI document' } }, async () => app.swagger());
}
