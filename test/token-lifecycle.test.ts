import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BackgroundRefresher } from '../src/worker/refresher.ts';
import { startOidcProvider, type OidcPeer } from './peers/oidc-provider.ts';
import { connectThroughPeer, connectWorld, deliverCallback, flowCookieOf, registerPeerApp, type ConnectWorld } from './helpers/oauth.ts';
import { testDbKind } from './helpers/db.ts';

const SECRET = 'lifecycle-client-secret-42';
const TTL_S = 300;

describe(`token lifecycle against oidc-provider (rotation on) on ${testDbKind}`, () => {
  let peer: OidcPeer;
  let w: ConnectWorld;

  before(async () => {
    peer = await startOidcProvider({ clients: [{ clientId: 'tether-test', clientSecret: SECRET, redirectUris: ['http://localhost:3000/oauth/callback'] }], ttl: { accessToken: TTL_S } });
    w = await connectWorld({ TETHER_PROVIDER_TIMEOUT_MS: '1000' });
    await registerPeerApp(w, peer.issuer, SECRET);
  });
  after(async () => {
    await w?.t.close();
    await peer?.close();
  });

  const token = (id: string, body: Record<string, unknown> = {}) => w.admin.post(`/api/v1/connections/${id}/token`, body);
  const sealedRow = (id: string) => w.t.store.db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const open = (id: string, sealed: string | null, field: string) => w.t.envelope.open(sealed ?? '', { table: 'connections', id, field }).reveal();

  test('a fresh token is handed out without a refresh', async () => {
    const id = await connectThroughPeer(w, peer);
    peer.resetCounters();
    const res = await token(id);
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.json).sort(), ['accessToken', 'expiresAt', 'tokenType']);
    assert.equal(res.json.accessToken, open(id, (await sealedRow(id)).access_token, 'access_token'));
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(peer.counters.refreshTokenGrants, 0);
  });

  test('expiry → the token endpoint refreshes first: a fresh, active token and exactly one refresh grant; the rotated refresh token replaces the old one', async () => {
    const id = await connectThroughPeer(w, peer);
    const before = await sealedRow(id);
    const oldRefresh = open(id, before.refresh_token, 'refresh_token');
    peer.resetCounters();
    w.clock.offsetMs = TTL_S * 1000; // the token has expired, as far as Tether knows
    try {
      const res = await token(id);
      assert.equal(res.status, 200);
      assert.notEqual(res.json.accessToken, open(id, before.access_token, 'access_token'));
      assert.ok(new Date(res.json.expiresAt as string).getTime() - w.clock.now().getTime() >= 60_000, 'valid for at least the buffer');
      assert.equal(peer.counters.refreshTokenGrants, 1);
      const after = await sealedRow(id);
      assert.equal(after.status, 'active');
      assert.notEqual(open(id, after.refresh_token, 'refresh_token'), oldRefresh, 'rotated refresh token stored');
      assert.ok((after.last_refreshed_at?.getTime() ?? 0) > (before.last_refreshed_at?.getTime() ?? 0));
      assert.equal(after.refresh_lease_owner, null, 'lease released');
    } finally {
      w.clock.offsetMs = 0;
    }
  });

  test('50 concurrent token asks after expiry → exactly 1 refresh grant, all answers the same token', async () => {
    const id = await connectThroughPeer(w, peer);
    peer.resetCounters();
    w.clock.offsetMs = TTL_S * 1000;
    try {
      const answers = await Promise.all(Array.from({ length: 50 }, () => token(id)));
      assert.deepEqual([...new Set(answers.map((a) => a.status))], [200]);
      assert.equal(new Set(answers.map((a) => a.json.accessToken as string)).size, 1);
      assert.equal(peer.counters.refreshTokenGrants, 1);
    } finally {
      w.clock.offsetMs = 0;
    }
  });

  test('the background refresher refreshes a token before it expires, with no request', async () => {
    const id = await connectThroughPeer(w, peer);
    const before = await sealedRow(id);
    peer.resetCounters();
    // 50 s before expiry: inside the 60 s buffer, not yet expired.
    w.clock.offsetMs = (TTL_S - 50) * 1000;
    try {
      const worker = new BackgroundRefresher({ db: w.t.store.db, clock: w.clock, logger: w.t.app.log, refresher: w.t.services.refresher, intervalMs: 1000, concurrency: 4 });
      const attempted = await worker.runOnce();
      assert.ok(attempted >= 1);
      const after = await sealedRow(id);
      assert.notEqual(after.access_token, before.access_token);
      assert.ok((after.token_expires_at?.getTime() ?? 0) > (before.token_expires_at?.getTime() ?? 0));
      assert.ok(peer.counters.refreshTokenGrants >= 1);
      // Everything is fresh now: a second pass finds nothing to do.
      peer.resetCounters();
      assert.equal(await worker.runOnce(), 0);
      assert.equal(peer.counters.refreshTokenGrants, 0);
    } finally {
      w.clock.offsetMs = 0;
    }
  });

  test('manual refresh (POST /refresh) forces a refresh now and answers the connection', async () => {
    const id = await connectThroughPeer(w, peer);
    peer.resetCounters();
    const res = await w.admin.post(`/api/v1/connections/${id}/refresh`);
    assert.equal(res.status, 200);
    assert.equal(res.json.id, id);
    assert.equal(res.json.status, 'active');
    assert.equal(peer.counters.refreshTokenGrants, 1);
    assert.ok(!JSON.stringify(res.body).includes(open(id, (await sealedRow(id)).access_token, 'access_token')));
  });

  test('grant revoked at the provider → reauthorize at once, with the reason; the token endpoint then answers 409', async () => {
    const id = await connectThroughPeer(w, peer, 'bob');
    await peer.revokeGrantsFor('bob');
    const res = await w.admin.post(`/api/v1/connections/${id}/refresh`);
    assert.equal(res.status, 409);
    assert.equal(res.json.error.code, 'reauthorize_required');
    const c = (await w.admin.get(`/api/v1/connections/${id}`)).json;
    assert.equal(c.status, 'reauthorize');
    assert.match(String(c.statusReason), /./);
    const t = await token(id);
    assert.equal(t.status, 409);
    assert.equal(t.json.error.code, 'reauthorize_required');
  });

  test('provider answering 503 → never reauthorize: active, then error after repeated failures, back to active when it recovers', async () => {
    const id = await connectThroughPeer(w, peer);
    peer.setTokenEndpointFailure({ status: 503 });
    try {
      const statuses: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await w.admin.post(`/api/v1/connections/${id}/refresh`);
        assert.equal(res.status, 503);
        assert.equal(res.json.error.code, 'provider_unavailable');
        statuses.push((await w.admin.get(`/api/v1/connections/${id}`)).json.status as string);
      }
      assert.deepEqual(statuses, ['active', 'active', 'error']);
    } finally {
      peer.setTokenEndpointFailure(null);
    }
    const recovered = await w.admin.post(`/api/v1/connections/${id}/refresh`);
    assert.equal(recovered.status, 200);
    assert.equal(recovered.json.status, 'active');
    assert.equal(recovered.json.statusReason, null);
    assert.equal((await sealedRow(id)).refresh_failures, 0);
  });

  test('a provider that times out → transient too: never reauthorize, the grant survives', async () => {
    const id = await connectThroughPeer(w, peer);
    // The suite's provider timeout is 1 s (TETHER_PROVIDER_TIMEOUT_MS); the peer stalls for 3 s.
    peer.setTokenEndpointFailure({ delayMs: 3000, status: 503, times: 1 });
    const res = await w.admin.post(`/api/v1/connections/${id}/refresh`);
    assert.equal(res.status, 503);
    assert.equal(res.json.error.code, 'provider_unavailable');
    const c = (await w.admin.get(`/api/v1/connections/${id}`)).json;
    assert.notEqual(c.status, 'reauthorize');
    assert.equal((await sealedRow(id)).last_error !== null, true);
    await new Promise((r) => setTimeout(r, 2500)); // let the stalled request end at the peer
    const recovered = await w.admin.post(`/api/v1/connections/${id}/refresh`);
    assert.equal(recovered.status, 200);
    assert.equal(recovered.json.status, 'active');
  });

  test('insufficient scope → 403 with details.missing; unknown connection → 404', async () => {
    const id = await connectThroughPeer(w, peer);
    const res = await token(id, { scopes: ['api:read', 'api:write', 'calendar'] });
    assert.equal(res.status, 403);
    assert.equal(res.json.error.code, 'insufficient_scope');
    assert.deepEqual(res.json.error.details.missing, ['api:write', 'calendar']);
    assert.match(res.json.error.message, /Reconnect/);
    assert.equal((await token('conn_nope')).status, 404);
  });

  test('disconnect → revoked at the provider (introspection says inactive), tokens deleted, token endpoint 410, GET still 200', async () => {
    const id = await connectThroughPeer(w, peer);
    const row = await sealedRow(id);
    const refresh = open(id, row.refresh_token, 'refresh_token');
    const res = await w.admin.delete(`/api/v1/connections/${id}`);
    assert.equal(res.status, 204);
    const introspection = await fetch(`${peer.issuer}/token/introspection`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`tether-test:${SECRET}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: refresh }),
    });
    assert.deepEqual(await introspection.json(), { active: false });
    const after = await sealedRow(id);
    assert.equal(after.access_token, null);
    assert.equal(after.refresh_token, null);
    const got = await w.admin.get(`/api/v1/connections/${id}`);
    assert.equal(got.status, 200);
    assert.equal(got.json.status, 'disconnected');
    assert.match(String(got.json.revocation), /Revoked/);
    const t = await token(id);
    assert.equal(t.status, 410);
    assert.equal(t.json.error.code, 'connection_disconnected');
  });

  test('a failed revocation never blocks the local disconnect; it is recorded', async () => {
    const id = await connectThroughPeer(w, peer);
    // Point the app's revocation at a port nothing listens on.
    await w.admin.put('/api/v1/admin/oauth-apps/acme', { clientId: 'tether-test', authorizeUrl: `${peer.issuer}/auth`, tokenUrl: `${peer.issuer}/token`, issuer: peer.issuer, scopes: 'openid email offline_access api:read', revocationUrl: 'http://127.0.0.1:9/revoke' });
    try {
      assert.equal((await w.admin.delete(`/api/v1/connections/${id}`)).status, 204);
      const got = (await w.admin.get(`/api/v1/connections/${id}`)).json;
      assert.equal(got.status, 'disconnected');
      assert.match(String(got.revocation), /failed/);
      assert.equal((await sealedRow(id)).access_token, null);
    } finally {
      await registerPeerApp(w, peer.issuer, SECRET);
    }
  });

  test('reconnect keeps the connection id; another account is refused (account_mismatch) unless allowAccountChange', async () => {
    const id = await connectThroughPeer(w, peer, 'alice');
    await peer.revokeGrantsFor('alice');
    assert.equal((await w.admin.post(`/api/v1/connections/${id}/refresh`)).status, 409);

    const wrong = await w.admin.post(`/api/v1/connections/${id}/reconnect`, {});
    assert.equal(wrong.status, 201);
    const wrongPage = await deliverCallback(w.t, await peer.authorize(wrong.json.authorizationUrl as string, { accountId: 'bob' }), flowCookieOf(wrong));
    assert.equal(wrongPage.status, 409);
    assert.match(wrongPage.html, /different account/);
    assert.equal((await w.admin.get(`/api/v1/connections/${id}`)).json.status, 'reauthorize', 'nothing changed');

    const right = await w.admin.post(`/api/v1/connections/${id}/reconnect`, { scopes: ['api:read'] });
    const page = await deliverCallback(w.t, await peer.authorize(right.json.authorizationUrl as string, { accountId: 'alice' }), flowCookieOf(right));
    assert.equal(page.status, 200);
    assert.match(page.html, new RegExp(`"connectionId":"${id}"`));
    const c = (await w.admin.get(`/api/v1/connections/${id}`)).json;
    assert.equal(c.status, 'active');
    assert.equal(c.accountId, 'alice');
    assert.equal((await token(id)).status, 200);

    const change = await w.admin.post(`/api/v1/connections/${id}/reconnect`, { allowAccountChange: true });
    const changed = await deliverCallback(w.t, await peer.authorize(change.json.authorizationUrl as string, { accountId: 'bob' }), flowCookieOf(change));
    assert.equal(changed.status, 200);
    assert.equal((await w.admin.get(`/api/v1/connections/${id}`)).json.accountId, 'bob');
  });
});
