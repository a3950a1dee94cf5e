import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyString } from '../src/crypto/keyring.ts';
import { createTestStore, testDbKind, type TestStore } from './helpers/db.ts';
import { connectOverHttp, freePort, httpCall, ServerProcess, signUpOverHttp, type HttpTenant } from './helpers/process.ts';
import { startOidcProvider, type OidcPeer } from './peers/oidc-provider.ts';

/**
 * Cached grants across processes (services/access-cache.ts, store/access-notify.ts): two API
 * processes on one PostgreSQL database. Process B has just answered a token ask from its cache;
 * a change made through process A must make B refuse within a short bound — well inside the
 * cache's 5 s TTL, so only the LISTEN/NOTIFY invalidation can make these pass.
 */
const SKIP = testDbKind === 'postgres' ? {} : { skip: 'needs PostgreSQL shared by several processes' };
const CLIENT_ID = 'tether-access-mp';
const SECRET = 'access-multiprocess-secret-42';
const KEYS = generateKeyString(1);
/** The bound a change must be seen within by the other process. */
const BOUND_MS = 2_000;

describe(`cached grants across two API processes (${testDbKind})`, SKIP, () => {
  let store: TestStore;
  let peer: OidcPeer;
  let a: ServerProcess;
  let b: ServerProcess;
  let tenant: HttpTenant;

  before(async () => {
    store = await createTestStore();
    const ports = [await freePort(), await freePort()];
    const origins = ports.map((p) => `http://127.0.0.1:${p}`);
    peer = await startOidcProvider({ clients: [{ clientId: CLIENT_ID, clientSecret: SECRET, redirectUris: origins.map((o) => `${o}/oauth/callback`) }], ttl: { accessToken: 3600 } });
    const spawn = (i: number): ServerProcess =>
      new ServerProcess(ports[i] ?? 0, { ...store.env, TETHER_ENCRYPTION_KEYS: KEYS, TETHER_ROLE: 'api', PUBLIC_ORIGIN: origins[i] ?? '', TETHER_LOG_LEVEL: 'info' });
    a = spawn(0);
    b = spawn(1);
    await Promise.all([a.waitReady(60_000), b.waitReady(60_000)]);
    // B trusts its cache only once it hears other processes' changes.
    await b.waitForOutput(/listening for access changes/, 30_000);
    tenant = await signUpOverHttp(a.url);
    const put = await httpCall(a.url, 'PUT', '/api/v1/admin/oauth-apps/acme', {
      bearer: tenant.apiKey,
      body: { clientId: CLIENT_ID, clientSecret: SECRET, authorizeUrl: `${peer.issuer}/auth`, tokenUrl: `${peer.issuer}/token`, issuer: peer.issuer, scopes: 'openid email offline_access api:read' },
    });
    assert.equal(put.status, 200, put.text);
  });

  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await peer?.close();
    await store?.close();
  });

  const ask = (base: string, key: string, id: string) => httpCall(base, 'POST', `/api/v1/connections/${id}/token`, { bearer: key, body: {} });

  /** B answers twice (the second from its cache), then `change` runs on A; B must refuse with `status` within the bound. */
  async function refusedWithinBound(key: string, id: string, change: () => Promise<void>, status: number): Promise<number> {
    assert.equal((await ask(b.url, key, id)).status, 200);
    assert.equal((await ask(b.url, key, id)).status, 200);
    await change();
    const changed = Date.now();
    for (;;) {
      const answer = await ask(b.url, key, id);
      const waited = Date.now() - changed;
      if (answer.status === status) return waited;
      assert.equal(answer.status, 200, `only the old or the new answer: ${answer.text}`);
      assert.ok(waited <= BOUND_MS, `process B still answered 200 ${waited} ms after the change`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async function newMember(email: string): Promise<{ userId: string; cookie: string; apiKey: string }> {
    const password = 'a very memorable passphrase 42';
    const made = await httpCall(a.url, 'POST', '/api/v1/admin/users', { bearer: tenant.apiKey, body: { email, password } });
    assert.equal(made.status, 201, made.text);
    assert.equal((await httpCall(a.url, 'POST', `/api/v1/workspaces/${tenant.ws}/members`, { bearer: tenant.apiKey, body: { email, role: 'member' } })).status, 201);
    const login = await httpCall(a.url, 'POST', '/api/v1/auth/login', { body: { email, password } });
    const cookie = login.setCookies.map((c) => /^tether_session=([^;]+)/.exec(c)?.[1]).find((v) => v !== undefined);
    assert.ok(cookie);
    const key = await httpCall(a.url, 'POST', '/api/v1/api-keys', { cookie: `tether_session=${cookie}`, body: { name: 'runtime' } });
    return { userId: String(made.json.user.id), cookie: `tether_session=${cookie}`, apiKey: String(key.json.key) };
  }

  const connect = () => connectOverHttp(a.url, tenant, (url) => peer.authorize(url, { accountId: 'alice' }));
  const promote = async (id: string) => assert.equal((await httpCall(a.url, 'POST', `/api/v1/connections/${id}/promote`, { cookie: tenant.cookie, body: { level: 'use' } })).status, 200);

  test('unshare on A → B refuses the member within 2 s (404)', SKIP, async () => {
    const id = await connect();
    await promote(id);
    const m = await newMember('mp-unshare@example.com');
    await refusedWithinBound(m.apiKey, id, async () => assert.equal((await httpCall(a.url, 'POST', `/api/v1/connections/${id}/unshare`, { cookie: tenant.cookie })).status, 200), 404);
  });

  test('member removal on A → B refuses the removed member within 2 s (404)', SKIP, async () => {
    const id = await connect();
    await promote(id);
    const m = await newMember('mp-removed@example.com');
    await refusedWithinBound(m.apiKey, id, async () => assert.equal((await httpCall(a.url, 'DELETE', `/api/v1/workspaces/${tenant.ws}/members/${m.userId}`, { cookie: tenant.cookie })).status, 204), 404);
  });

  test('API key revocation on A → B refuses that key within 2 s (401)', SKIP, async () => {
    const id = await connect();
    const made = await httpCall(a.url, 'POST', '/api/v1/api-keys', { cookie: tenant.cookie, body: { name: 'doomed' } });
    assert.equal(made.status, 201);
    await refusedWithinBound(String(made.json.key), id, async () => assert.equal((await httpCall(a.url, 'DELETE', `/api/v1/api-keys/${String(made.json.id)}`, { cookie: tenant.cookie })).status, 204), 401);
  });

  test('disconnect on A → B refuses within 2 s (410)', SKIP, async () => {
    const id = await connect();
    await refusedWithinBound(tenant.apiKey, id, async () => assert.equal((await httpCall(a.url, 'DELETE', `/api/v1/connections/${id}`, { cookie: tenant.cookie })).status, 204), 410);
  });

  test('plan change on A → B refuses within 2 s (403 plan_required)', SKIP, async () => {
    const id = await connect();
    try {
      await refusedWithinBound(tenant.apiKey, id, async () => assert.equal((await httpCall(a.url, 'PATCH', `/api/v1/admin/workspaces/${tenant.ws}`, { cookie: tenant.cookie, body: { plan: 'personal' } })).status, 200), 403);
    } finally {
      await httpCall(a.url, 'PATCH', `/api/v1/admin/workspaces/${tenant.ws}`, { cookie: tenant.cookie, body: { plan: 'workspace' } });
    }
  });
});
