import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { startOidcProvider, type OidcPeer } from './peers/oidc-provider.ts';
import { connectThroughPeer, connectWorld, registerPeerApp, type ConnectWorld } from './helpers/oauth.ts';
import { testDbKind } from './helpers/db.ts';

const SECRET = 'review-proxy-body-secret-42';

/**
 * Regression: a provider API that answers its headers and then drops the connection (or stalls
 * past the proxy timeout) mid-body made the body read throw a raw `TypeError: terminated` /
 * `TimeoutError`. The proxy answered `500 internal` instead of a provider error, and a workflow
 * run threw out of its step loop: `500`, and the run — with the steps that already had side
 * effects — was never recorded.
 */
describe(`proxy: a provider answer cut off mid-body on ${testDbKind}`, () => {
  let peer: OidcPeer;
  let w: ConnectWorld;
  let server: Server;
  let id: string;

  before(async () => {
    peer = await startOidcProvider({ clients: [{ clientId: 'tether-test', clientSecret: SECRET, redirectUris: ['http://localhost:3000/oauth/callback'] }], ttl: { accessToken: 300 } });
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.url?.startsWith('/v1/ok')) {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"partial":');
        setTimeout(() => res.destroy(), 20);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    w = await connectWorld();
    await registerPeerApp(w, peer.issuer, SECRET, { apiBaseUrl: `http://127.0.0.1:${port}/v1` });
    id = await connectThroughPeer(w, peer);
  });
  after(async () => {
    await w?.t.close();
    await peer?.close();
    await new Promise((r) => server?.close(r));
  });

  test('the proxy answers a provider error (5xx with a stable code), not 500 internal', async () => {
    const res = await w.admin.post(`/api/v1/connections/${id}/proxy`, { method: 'GET', path: '/cut' });
    assert.notEqual(res.status, 500, JSON.stringify(res.body));
    assert.ok(res.status >= 502 && res.status <= 504, `status ${res.status}`);
    assert.notEqual(res.json.error?.code, 'internal');
  });

  test('a run records the failed step (and the steps before it) instead of throwing', async () => {
    const wf = await w.admin.post(`/api/v1/workspaces/${w.ws}/workflows`, {
      name: 'cut off',
      nodes: [
        { id: 'a', action: 'http.request', params: { method: 'POST', path: '/ok' }, connection: { id, via: 'personal' } },
        { id: 'b', action: 'http.request', params: { method: 'GET', path: '/cut' }, connection: { id, via: 'personal' } },
      ],
    });
    assert.equal(wf.status, 201, JSON.stringify(wf.body));
    const run = await w.admin.post(`/api/v1/workflows/${wf.json.id}/run`, {});
    assert.equal(run.status, 200, JSON.stringify(run.body));
    assert.equal(run.json.status, 'failed');
    assert.deepEqual((run.json.steps as { status: string }[]).map((s) => s.status), ['succeeded', 'failed']);
    const runs = await w.t.store.db.selectFrom('workflow_runs').selectAll().where('workflow_id', '=', wf.json.id as string).execute();
    assert.equal(runs.length, 1, 'the run is recorded');
  });
});
