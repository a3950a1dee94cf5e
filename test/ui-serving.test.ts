import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config.ts';
import { generateKeyString, Keyring } from '../src/crypto/keyring.ts';
import { Envelope } from '../src/crypto/envelope.ts';
import { buildApp, type App } from '../src/http/app.ts';
import { createMetrics } from '../src/http/metrics.ts';
import { createLogger } from '../src/log.ts';
import { parseEncryptionKeys } from '../src/config.ts';
import { systemClock } from '../src/core/clock.ts';
import { createServices } from '../src/services/index.ts';
import { LogCapture } from './helpers/app.ts';
import { createTestStore, type TestStore } from './helpers/db.ts';

/**
 * How the server serves the web UI (src/http/ui.ts), without a browser: `index.html` for `/`
 * and for browser navigations to client-side routes, with the CSP and never cached; hashed
 * assets with long caching; the API's own paths keep answering JSON. Runs on a small built-UI
 * fixture so it does not depend on `vite build` having run.
 */

const INDEX = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Tether</title><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="root"></div></body></html>';
const SCRIPT = 'console.log("tether ui");';

async function appWith(store: TestStore, uiDir: string): Promise<App> {
  const config = loadConfig({ PUBLIC_ORIGIN: 'http://localhost:3000', TETHER_LOG_LEVEL: 'warn' });
  const logger = createLogger({ level: 'warn', destination: new LogCapture() });
  const envelope = new Envelope(new Keyring(parseEncryptionKeys(generateKeyString(1))));
  const services = createServices({ db: store.db, config, logger, clock: systemClock, envelope });
  const app = await buildApp({ config, logger, db: store.db, metrics: createMetrics({ defaultMetrics: false }), services, uiDir });
  await app.ready();
  return app;
}

const html = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

describe('web UI serving', () => {
  let store: TestStore;
  let dir: string;
  let app: App;
  let unbuilt: App;

  before(async () => {
    store = await createTestStore();
    dir = mkdtempSync(join(tmpdir(), 'tether-ui-'));
    mkdirSync(join(dir, 'built', 'assets'), { recursive: true });
    writeFileSync(join(dir, 'built', 'index.html'), INDEX);
    writeFileSync(join(dir, 'built', 'assets', 'index-abc123.js'), SCRIPT);
    writeFileSync(join(dir, 'built', 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    mkdirSync(join(dir, 'empty'));
    app = await appWith(store, join(dir, 'built'));
    unbuilt = await appWith(store, join(dir, 'empty'));
  });

  after(async () => {
    await app.close();
    await unbuilt.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function assertIndex(res: Awaited<ReturnType<App['inject']>>): void {
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.equal(res.body, INDEX);
    assert.equal(res.headers['cache-control'], 'no-store');
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'(;|$)/, 'no inline or eval script allowed');
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
  }

  test('/ answers the index with the CSP, never cached', async () => {
    assertIndex(await app.inject({ method: 'GET', url: '/', headers: html }));
  });

  test('a browser navigation to a client-side route answers the index, so a reload works', async () => {
    for (const url of ['/w/x/integrations', '/w/ws_123/workflows/wf_9?tab=runs', '/admin/oauth', '/login', '/signup']) {
      assertIndex(await app.inject({ method: 'GET', url, headers: html }));
    }
  });

  test('hashed assets are served with long immutable caching; public files too', async () => {
    const js = await app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    assert.equal(js.statusCode, 200);
    assert.equal(js.body, SCRIPT);
    assert.match(String(js.headers['content-type']), /javascript/);
    assert.match(String(js.headers['cache-control']), /max-age=31536000.*immutable|immutable.*max-age=31536000/);
    const icon = await app.inject({ method: 'GET', url: '/favicon.svg' });
    assert.equal(icon.statusCode, 200);
    assert.match(String(icon.headers['content-type']), /image\/svg\+xml/);
    assert.doesNotMatch(String(icon.headers['cache-control'] ?? ''), /immutable/);
  });

  test('/index.html itself is not served as a static file (it would skip the CSP and be cached)', async () => {
    const script = await app.inject({ method: 'GET', url: '/index.html' });
    assert.equal(script.statusCode, 404);
    // A browser navigating there gets it through the page fallback: with the CSP, not cached.
    assertIndex(await app.inject({ method: 'GET', url: '/index.html', headers: html }));
  });

  test('unknown /api paths still answer a JSON 404, also to a browser asking for HTML', async () => {
    for (const headers of [{}, html, { accept: 'application/json' }]) {
      const res = await app.inject({ method: 'GET', url: '/api/v1/nope', headers });
      assert.equal(res.statusCode, 404);
      assert.match(String(res.headers['content-type']), /application\/json/);
      const body = JSON.parse(res.body) as { error?: { code?: string } };
      assert.equal(typeof body.error?.code, 'string');
    }
  });

  test('the API and server paths are untouched by the fallback', async () => {
    const me = await app.inject({ method: 'GET', url: '/api/v1/me', headers: html });
    assert.equal(me.statusCode, 401);
    assert.match(String(me.headers['content-type']), /application\/json/);
    const health = await app.inject({ method: 'GET', url: '/healthz', headers: html });
    assert.equal(health.statusCode, 200);
    assert.doesNotMatch(health.body, /<div id="root">/);
    const callback = await app.inject({ method: 'GET', url: '/oauth/callback', headers: html });
    assert.doesNotMatch(callback.body, /<div id="root">/, 'the OAuth callback is the server page, not the UI');
  });

  test('a missing asset or a non-HTML request for an unknown path is a 404, not the index', async () => {
    const asset = await app.inject({ method: 'GET', url: '/assets/missing-000.js' });
    assert.equal(asset.statusCode, 404);
    assert.notEqual(asset.body, INDEX);
    const json = await app.inject({ method: 'GET', url: '/w/x/integrations', headers: { accept: 'application/json' } });
    assert.equal(json.statusCode, 404);
    const post = await app.inject({ method: 'POST', url: '/w/x/integrations', headers: html });
    assert.notEqual(post.body, INDEX);
  });

  test('without a built UI, / explains how to build it (503, not cached) and the API still works', async () => {
    const res = await unbuilt.inject({ method: 'GET', url: '/', headers: html });
    assert.equal(res.statusCode, 503);
    assert.match(res.body, /npm run build:ui/);
    assert.equal(res.headers['cache-control'], 'no-store');
    const api = await unbuilt.inject({ method: 'GET', url: '/api/v1/nope', headers: html });
    assert.equal(api.statusCode, 404);
    assert.match(String(api.headers['content-type']), /application\/json/);
  });
});
