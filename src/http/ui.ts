import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from './app.ts';

/** Where `vite build` (run by `npm ci`/`npm install` through the `prepare` script) puts the UI. */
export const defaultUiDir = fileURLToPath(new URL('../../web/dist', import.meta.url));

/**
 * The UI's Content-Security-Policy: everything from our own origin, nothing inline, no frames.
 * The built bundle has no inline script or style, so nothing needs a nonce.
 */
const UI_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Tether</title></head>
<body><main><h1>The Tether UI is not built</h1><p>Run <code>npm run build:ui</code> (it runs by itself on <code>npm ci</code> / <code>npm install</code>) and reload. The API is available under <code>/api/v1</code>.</p></main></body></html>`;

/** Paths that belong to the server, never to the single-page app's client-side router. */
function isServerPath(url: string): boolean {
  return /^\/(api|oauth|healthz|readyz|metrics|openapi\.json)(\/|\?|$)/.test(url);
}

function wantsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return request.method === 'GET' && accept.includes('text/html') && !isServerPath(request.url);
}

/**
 * Serves the React UI at `/`: hashed assets with long caching, and `index.html` (never cached)
 * for `/` and any other browser navigation the API does not own, so client-side routes reload.
 * Returns the fallback to use from the app's not-found handler.
 */
export async function registerUi(app: App, uiDir: string = defaultUiDir): Promise<(request: FastifyRequest, reply: FastifyReply) => FastifyReply | null> {
  const indexPath = `${uiDir}/index.html`;
  if (!existsSync(indexPath)) {
    app.log.warn({ uiDir }, 'web UI not built; serving a placeholder at /');
    const placeholder = (request: FastifyRequest, reply: FastifyReply): FastifyReply | null =>
      wantsHtml(request) ? reply.status(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT) : null;
    app.get('/', { schema: { hide: true } }, (request, reply) => placeholder(request, reply) ?? reply.status(503).send(NOT_BUILT));
    return placeholder;
  }
  // Read once: the bundle does not change under a running server.
  const index = readFileSync(indexPath);
  const sendIndex = (reply: FastifyReply): FastifyReply =>
    reply
      .status(200)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-security-policy', UI_CSP)
      .header('referrer-policy', 'no-referrer')
      .header('x-content-type-options', 'nosniff')
      .send(index);

  await app.register(fastifyStatic, {
    root: uiDir,
    prefix: '/',
    index: false,
    wildcard: false,
    // Only hashed assets and public files; index.html goes through sendIndex (CSP, no cache).
    allowedPath: (pathName) => pathName !== '/index.html',
    setHeaders: (res, path) => {
      res.header('x-content-type-options', 'nosniff');
      if (path.includes('/assets/')) res.header('cache-control', 'public, max-age=31536000, immutable');
    },
    schemaHide: true,
  });
  app.get('/', { schema: { hide: true } }, (_request, reply) => sendIndex(reply));
  return (request, reply) => (wantsHtml(request) ? sendIndex(reply) : null);
}
