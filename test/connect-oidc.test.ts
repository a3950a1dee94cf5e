import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOidcProvider, type OidcPeer } from './peers/oidc-provider.ts';
import { connectWorld, connectedIdOf, countConnections, deliverCallback, flowCookieOf, type ConnectWorld } from './helpers/oauth.ts';
import { testDbKind } from './helpers/db.ts';

const CLIENT_SECRET = 'peer-client-secret-0123456789';
const REDIRECT = 'http://localhost:3000/oauth/callback';

describe(`connect flow against a real authorization server (oidc-provider) on ${testDbKind}`, () => {
  let peer: OidcPeer;
  let w: ConnectWorld;
  /** Every secret value seen in this suite; none may appear in logs or API answers. */
  const seen = new Set<string>();

  before(async () => {
    peer = await startOidcProvider({ clients: [{ clientId: 'tether-test', clientSecret: CLIENT_SECRET, redirectUris: [REDIRECT] }], ttl: { accessToken: 300 } });
    w = await connectWorld();
    const put = await w.admin.put('/api/v1/admin/oauth-apps/acme', {
      clientId: 'tether-test',
      clientSecret: CLIENT_SECRET,
      authorizeUrl: `${peer.issuer}/auth`,
      tokenUrl: `${peer.issuer}/token`,
      issuer: peer.issuer,
      scopes: 'openid email offline_access api:read',
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    seen.add(CLIENT_SECRET);
  });
  after(async () => {
    await w?.t.close();
    await peer?.close();
  });

  async function startConnect(body: Record<string, unknown> = { domain: 'acme' }) {
    const res = await w.admin.post(`/api/v1/workspaces/${w.ws}/connect`, body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const url = new URL(res.json.authorizationUrl as string);
    seen.add(url.searchParams.get('state') ?? '');
    return { url, cookie: flowCookieOf(res), answer: res };
  }

  test('the full flow: PKCE S256, 256-bit state, binding cookie, iss, code exchange → an active connection with the granted scopes', async () => {
    const before = await countConnections(w.t);
    const { url, cookie, answer } = await startConnect({ domain: 'acme', name: 'ACME – Alice', scopes: ['api:read'] });
    assert.equal(url.origin, peer.issuer);
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.match(url.searchParams.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.ok((url.searchParams.get('state') ?? '').length >= 43, 'state carries at least 256 bits');
    assert.equal(url.searchParams.get('redirect_uri'), REDIRECT);
    assert.ok(url.searchParams.get('nonce'));
    assert.equal(url.searchParams.get('client_secret'), null);
    const setCookie = String(answer.headers['set-cookie']);
    assert.match(setCookie, /tether_flow=.+HttpOnly/);
    assert.match(setCookie, /SameSite=Lax/);
    const expiresIn = new Date(answer.json.expiresAt as string).getTime() - Date.now();
    assert.ok(expiresIn > 9 * 60_000 && expiresIn <= 10 * 60_000, 'valid 10 minutes');

    const callback = await peer.authorize(url, { accountId: 'alice' });
    assert.ok(callback.searchParams.get('code'));
    assert.equal(callback.searchParams.get('iss'), peer.issuer, 'the provider sends RFC 9207 iss');
    seen.add(callback.searchParams.get('code') ?? '');

    const page = await deliverCallback(w.t, callback, cookie);
    assert.equal(page.status, 200, page.html);
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
    assert.doesNotMatch(page.html, /https?:\/\/(?!localhost:3000)[a-z0-9.-]+\.[a-z]{2,}\//i, 'no third-party resources');
    assert.match(page.html, /postMessage\(\{"type":"tether:connected","connectionId":"conn_[^"]+"\},"http:\/\/localhost:3000"\)/);
    assert.doesNotMatch(page.html, /postMessage\([^)]*"\*"\)/, 'never the * target origin');
    const id = connectedIdOf(page.html);
    assert.equal(await countConnections(w.t), before + 1);
    assert.equal(peer.counters.authorizationCodeGrants >= 1, true);

    const got = await w.admin.get(`/api/v1/connections/${id}`);
    assert.equal(got.status, 200);
    const c = got.json;
    assert.deepEqual(
      Object.keys(c).sort(),
      ['accountId', 'accountName', 'createdAt', 'domain', 'id', 'lastRefreshedAt', 'name', 'ownerId', 'revocation', 'scopes', 'shared', 'status', 'statusReason', 'tokenExpiresAt', 'workspaceId'],
    );
    assert.equal(c.status, 'active');
    assert.equal(c.domain, 'acme');
    assert.equal(c.name, 'ACME – Alice');
    assert.equal(c.accountId, 'alice');
    assert.equal(c.accountName, 'alice@example.test');
    assert.equal(c.workspaceId, w.ws);
    assert.equal(c.ownerId, w.adminId);
    assert.equal(c.shared, null);
    assert.ok((c.scopes as string[]).includes('api:read'));
    assert.ok((c.scopes as string[]).includes('openid'));
    const ttl = new Date(c.tokenExpiresAt as string).getTime() - Date.now();
    assert.ok(ttl > 200_000 && ttl <= 300_000, `token expiry recorded from expires_in (${ttl} ms)`);

    // Tokens are sealed at rest, bound to the row: never stored in clear.
    const row = await w.t.store.db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.match(row.access_token ?? '', /^tv1\./);
    assert.match(row.refresh_token ?? '', /^tv1\./);
    const access = w.t.envelope.open(row.access_token ?? '', { table: 'connections', id, field: 'access_token' }).reveal();
    const refresh = w.t.envelope.open(row.refresh_token ?? '', { table: 'connections', id, field: 'refresh_token' }).reveal();
    seen.add(access);
    seen.add(refresh);
    assert.ok(!JSON.stringify(got.body).includes(access));
    // The PKCE verifier was sealed too.
    const session = await w.t.store.db.selectFrom('connect_sessions').selectAll().orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    assert.match(session.code_verifier ?? '', /^tv1\./);
    seen.add(w.t.envelope.open(session.code_verifier ?? '', { table: 'connect_sessions', id: session.id, field: 'code_verifier' }).reveal());
  });

  test('a replayed state (the same callback twice) is refused and creates nothing', async () => {
    const { url, cookie } = await startConnect();
    const callback = await peer.authorize(url, { accountId: 'alice' });
    assert.equal((await deliverCallback(w.t, callback, cookie)).status, 200);
    const count = await countConnections(w.t);
    const replay = await deliverCallback(w.t, callback, cookie);
    assert.equal(replay.status, 400);
    assert.match(replay.html, /already used/);
    assert.equal(await countConnections(w.t), count);
  });

  test('an expired state (older than 10 minutes) is refused before the code is redeemed', async () => {
    const { url, cookie } = await startConnect();
    const callback = await peer.authorize(url, { accountId: 'alice' });
    const count = await countConnections(w.t);
    const grants = peer.counters.authorizationCodeGrants;
    w.clock.offsetMs = 10 * 60_000 + 1000;
    try {
      const page = await deliverCallback(w.t, callback, cookie);
      assert.equal(page.status, 400);
      assert.match(page.html, /expired/);
      assert.match(page.html, /10 minutes/);
    } finally {
      w.clock.offsetMs = 0;
    }
    assert.equal(await countConnections(w.t), count);
    assert.equal(peer.counters.authorizationCodeGrants, grants, 'the code never reached the token endpoint');
  });

  test('an unknown state is refused', async () => {
    const page = await deliverCallback(w.t, `${REDIRECT}?code=abc&state=${'x'.repeat(43)}&iss=${encodeURIComponent(peer.issuer)}`, 'whatever');
    assert.equal(page.status, 400);
    assert.match(page.html, /not known/);
    const none = await deliverCallback(w.t, `${REDIRECT}?code=abc`, null);
    assert.equal(none.status, 400);
    assert.match(none.html, /incomplete/);
  });

  test('a callback without the binding cookie (or with another browser’s) is refused and creates nothing', async () => {
    const { url, cookie } = await startConnect();
    const callback = await peer.authorize(url, { accountId: 'alice' });
    const count = await countConnections(w.t);
    for (const other of [null, 'another-browser-cookie']) {
      const page = await deliverCallback(w.t, callback, other);
      assert.equal(page.status, 400);
      assert.match(page.html, /browser where you started/);
    }
    assert.equal(await countConnections(w.t), count);
    // The browser that started it can still finish (an attacker cannot burn the victim's flow).
    const ok = await deliverCallback(w.t, callback, cookie);
    assert.equal(ok.status, 200);
  });

  test('a forged iss (RFC 9207 mix-up defence) is refused and creates nothing', async () => {
    const { url, cookie } = await startConnect();
    const callback = await peer.authorize(url, { accountId: 'alice' });
    const count = await countConnections(w.t);
    const grants = peer.counters.authorizationCodeGrants;
    const forged = new URL(callback);
    forged.searchParams.set('iss', 'https://attacker.example');
    const page = await deliverCallback(w.t, forged, cookie);
    assert.equal(page.status, 400);
    assert.match(page.html, /did not come from the expected provider/);
    assert.equal(await countConnections(w.t), count);
    assert.equal(peer.counters.authorizationCodeGrants, grants);
  });

  test('a missing iss from a provider that advertises it is refused', async () => {
    const { url, cookie } = await startConnect();
    const callback = await peer.authorize(url, { accountId: 'alice' });
    const stripped = new URL(callback);
    stripped.searchParams.delete('iss');
    const count = await countConnections(w.t);
    const page = await deliverCallback(w.t, stripped, cookie);
    assert.equal(page.status, 400);
    assert.equal(await countConnections(w.t), count);
  });

  test('access_denied at the provider ends on a plain-words page and creates nothing', async () => {
    const { url, cookie } = await startConnect();
    const callback = await peer.authorize(url, { accountId: 'alice', deny: true });
    assert.equal(callback.searchParams.get('error'), 'access_denied');
    const count = await countConnections(w.t);
    const page = await deliverCallback(w.t, callback, cookie);
    assert.equal(page.status, 400);
    assert.match(page.html, /Access was not granted/);
    assert.match(page.html, /choose Allow/);
    assert.equal(await countConnections(w.t), count);
  });

  test('a token-endpoint error (invalid_grant, then 503) ends on a page and creates nothing', async () => {
    const count = await countConnections(w.t);
    for (const [failure, pattern, status] of [
      [{ status: 400, error: 'invalid_grant', times: 1 }, /did not complete the connection/, 502],
      [{ status: 503, times: 1 }, /is not answering/, 503],
    ] as const) {
      const { url, cookie } = await startConnect();
      const callback = await peer.authorize(url, { accountId: 'alice' });
      peer.setTokenEndpointFailure(failure);
      try {
        const page = await deliverCallback(w.t, callback, cookie);
        assert.equal(page.status, status, page.html);
        assert.match(page.html, pattern);
      } finally {
        peer.setTokenEndpointFailure(null);
      }
    }
    assert.equal(await countConnections(w.t), count);
  });

  test('scopes the user unticked are not recorded as granted', async () => {
    const { url, cookie } = await startConnect({ domain: 'acme', scopes: ['api:write'] });
    const callback = await peer.authorize(url, { accountId: 'bob', grantScopes: ['openid', 'email', 'offline_access', 'api:read'] });
    const id = (/"connectionId":"([^"]+)"/.exec((await deliverCallback(w.t, callback, cookie)).html) ?? [])[1] ?? '';
    const c = (await w.admin.get(`/api/v1/connections/${id}`)).json;
    assert.equal(c.accountId, 'bob');
    assert.ok((c.scopes as string[]).includes('api:read'));
    assert.ok(!(c.scopes as string[]).includes('api:write'), 'the declined scope is not recorded');
  });

  test('no client secret, code, state, PKCE verifier or token appears in logs or API answers', async () => {
    const list = await w.admin.get(`/api/v1/workspaces/${w.ws}/connections`);
    const apps = await w.admin.get('/api/v1/admin/oauth-apps');
    const logs = w.t.logs.text;
    assert.ok(logs.length > 0);
    for (const s of seen) {
      if (s.length < 8) continue;
      assert.ok(!logs.includes(s), 'a secret value reached the log');
      assert.ok(!JSON.stringify(list.body).includes(s));
      assert.ok(!JSON.stringify(apps.body).includes(s));
    }
  });
});
