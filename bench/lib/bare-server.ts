import Fastify from 'fastify';

/**
 * The baseline for the token hot path: a bare Fastify server (no logging, no database) with the
 * same route and answer shape as `POST /api/v1/connections/:id/token`. Run as its own process,
 * like the Tether server it is compared with.
 */
const app = Fastify({ logger: false });
const answer = { accessToken: 'a'.repeat(43), tokenType: 'bearer', expiresAt: new Date(Date.now() + 3_600_000).toISOString() };
app.get('/readyz', async () => ({ status: 'ready' }));
app.post('/api/v1/connections/:id/token', async (_request, reply) => reply.header('cache-control', 'no-store').send(answer));
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
