import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { PROXY_REFRESH_COOLDOWN_MS, ProxyService } from '../src/services/proxy.ts';
import { startOidcProvider, type OidcPeer } from './peers/oidc-provider.ts';
import { connectThroughPeer, connectWorld, registerPeerApp, type ConnectWorld } from './helpers/oauth.ts';
import { testDbKind } from './helpers/db.ts';

const SECRET = 'proxy-client-secret-42';

interface Seen {
  path: string;
  authorization: string | undefined;
  cookie: string | undefined;
  body: string;
}

/** A provider API on loopback: records every request; knobs for 401s, redirects and big answers. */
async function startApi(): Promise<{ server: Server; base: string; seen: Seen[]; rejectTokens: Set<string>; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const rejectTokens = new Set<string>();
  const read = (req: IncomingMessage) => new Promise<string>((resolve) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => resolve(data));
  });
  const server = createServer((req, res) => {
    void read(req).then((body) => {
      seen.push({ path: req.url ?? '', authorization: req.headers.authorization, cookie: req.headers.cookie, body });
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      if (rejectTokens.has(token) || rejectTokens.has('*')) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_token"}');
      } else if (req.url?.startsWith('/v1/redirect')) {
        res.writeHead(302, { location: 'http://127.0.0.1:9/steal' }).end();
      } else if (req.url?.startsWith('/v1/huge')) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.alloc(6 * 1024 * 1024, 1));
      } else if (req.url?.startsWith('/v1/missing')) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no such item"}');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, path: req.url, echo: body }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { server, base: `http://127.0.0.1:${port}/v1`, seen, rejectTokens, close: () => new Promise((r) => server.close(() => r())) };
}

describe(`proxy (POST /connections/:id/proxy) on ${testDbKind}`, () => {
  let peer: OidcPeer;
  let w: ConnectWorld;
  let api: Awaited<ReturnType<typeof startApi>>;
  let id: string;

  before(async () => {
    peer = await startOidcProvider({ clients: [{ clientId: 'tether-test', clientSecret: SECRET, redirectUris: ['http://localhost:3000/oauth/callback'] }], ttl: { accessToken: 300 } });
    api = await startApi();
    w = await connectWorld();
    await registerPeerApp(w, peer.issuer, SECRET, { apiBaseUrl: api.base });
    id = await connectThroughPeer(w, peer);
  });
  after(async () => {
    await w?.t.close();
    await peer?.close();
    await api?.close();
  });

  const proxy = (body: Record<string, unknown>) => w.admin.post(`/api/v1/connections/${id}/proxy`, body);
  const currentToken = async () => (await w.admin.post(`/api/v1/connections/${id}/token`, {})).json.accessToken as string;

  test("passes the provider's status and body through, with the connection's token in the Authorization header only there", async () => {
    api.seen.length = 0;
    const res = await proxy({ method: 'POST', path: '/items', query: { limit: 5 }, headers: { authorization: 'Bearer attacker', cookie: 'a=b', 'x-custom': '1' }, body: { name: 'x' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-tether-proxied'], 'true');
    assert.equal(res.json.path, '/v1/items?limit=5');
    assert.equal(res.json.echo, '{"name":"x"}');
    assert.equal(api.seen.length, 1);
    assert.equal(api.seen[0]?.authorization, `Bearer ${await currentToken()}`, "the caller's Authorization header is replaced");
    assert.equal(api.seen[0]?.cookie, undefined, 'cookies are not forwarded');
    const missing = await proxy({ method: 'GET', path: '/missing' });
    assert.equal(missing.status, 404, "the provider's own status comes back");
    assert.equal(missing.json.error, 'no such item');
  });

  test('refuses every path that would leave the API base URL; no other host ever receives a request', async () => {
    api.seen.length = 0;
    for (const path of ['https://evil.example/x', '//evil.example/x', '/../admin', '/%2e%2e/admin', '/items/..%2fsecret', '/a\\b', 'items', '/items#frag', '/./items']) {
      const res = await proxy({ method: 'GET', path });
      assert.equal(res.status, 400, path);
      assert.equal(res.json.error.code, 'invalid_request', path);
    }
    assert.equal(api.seen.length, 0);
  });

  test('a redirect is never followed (it could carry the token to another host)', async () => {
    const res = await proxy({ method: 'GET', path: '/redirect' });
    assert.equal(res.status, 302);
    assert.equal(res.headers['location'], undefined, 'the Location is not handed on either');
  });

  test('a 401 from the provider → one refresh, then one retry with the new token', async () => {
    const old = await currentToken();
    api.rejectTokens.add(old);
    api.seen.length = 0;
    peer.resetCounters();
    const res = await proxy({ method: 'GET', path: '/items' });
    assert.equal(res.status, 200);
    assert.equal(peer.counters.refreshTokenGrants, 1);
    assert.equal(api.seen.length, 2);
    assert.notEqual(api.seen[1]?.authorization, `Bearer ${old}`);
    // Another 401 right after: no second refresh within the cooldown, the provider's 401 as it is.
    api.rejectTokens.add('*');
    api.seen.length = 0;
    const still = await proxy({ method: 'GET', path: '/items' });
    assert.equal(still.status, 401);
    assert.equal(api.seen.length, 1);
    assert.equal(peer.counters.refreshTokenGrants, 1);
    api.rejectTokens.clear();
  });

  test('a provider that keeps answering 401 cannot make every call refresh: one forced refresh per cooldown, one retry each time', async () => {
    let offset = 0;
    const proxies = new ProxyService({ apps: w.t.services.oauthApps, tokens: w.t.services.tokens, refresher: w.t.services.refresher, clock: { now: () => new Date(Date.now() + offset) } });
    const actor = { userId: w.adminId, isAdmin: true, via: 'api_key' } as const;
    api.rejectTokens.add('*');
    api.seen.length = 0;
    peer.resetCounters();
    try {
      const first = await proxies.call(actor, id, { method: 'GET', path: '/items' });
      assert.equal(first.status, 401);
      assert.equal(api.seen.length, 2, 'one retry, not a loop');
      assert.equal(peer.counters.refreshTokenGrants, 1);
      for (let i = 0; i < 5; i++) assert.equal((await proxies.call(actor, id, { method: 'GET', path: '/items' })).status, 401);
      assert.equal(api.seen.length, 7, 'within the cooldown: one request per call');
      assert.equal(peer.counters.refreshTokenGrants, 1);
      offset = PROXY_REFRESH_COOLDOWN_MS + 1;
      assert.equal((await proxies.call(actor, id, { method: 'GET', path: '/items' })).status, 401);
      assert.equal(api.seen.length, 9);
      assert.equal(peer.counters.refreshTokenGrants, 2, 'after the cooldown a 401 forces a refresh again');
    } finally {
      api.rejectTokens.clear();
    }
  });

  test('an answer over the size limit → 502 response_too_large', async () => {
    const res = await proxy({ method: 'GET', path: '/huge' });
    assert.equal(res.status, 502);
    assert.equal(res.json.error.code, 'response_too_large');
  });

  test('no API base URL configured → 400 no_api_base_url', async () => {
    await registerPeerApp(w, peer.issuer, SECRET);
    try {
      const res = await proxy({ method: 'GET', path: '/items' });
      assert.equal(res.status, 400);
      assert.equal(res.json.error.code, 'no_api_base_url');
    } finally {
      await registerPeerApp(w, peer.issuer, SECRET, { apiBaseUrl: api.base });
    }
  });
});
