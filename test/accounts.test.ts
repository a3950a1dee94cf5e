import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, createTestApp, signedUp, type TestApp } from './helpers/app.ts';
import { testDbKind } from './helpers/db.ts';

const PASSWORD = 'correct horse battery';

describe(`Accounts (API.md "Accounts") on ${testDbKind}`, () => {
  let t: TestApp;
  let admin: Client;

  before(async () => {
    t = await createTestApp({ env: { TETHER_LOGIN_MAX_ATTEMPTS: '5' } });
  });
  after(() => t.close());

  test('POST /auth/signup: the first user gets 201, a session cookie and instance admin', async () => {
    admin = new Client(t);
    const res = await admin.post('/api/v1/auth/signup', { email: 'Admin@Example.com', password: PASSWORD, name: 'Ada' });
    assert.equal(res.status, 201);
    assert.deepEqual(Object.keys(res.json.user).sort(), ['email', 'id', 'isAdmin', 'name']);
    assert.equal(res.json.user.email, 'admin@example.com');
    assert.equal(res.json.user.name, 'Ada');
    assert.equal(res.json.user.isAdmin, true);
    const cookie = String(res.headers['set-cookie']);
    assert.match(cookie, /^tether_session=[A-Za-z0-9_-]{40,};/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    assert.doesNotMatch(cookie, /Secure/, 'not Secure on an http PUBLIC_ORIGIN');
    assert.ok(!JSON.stringify(res.body).includes(PASSWORD));
  });

  test('POST /auth/signup: closed after the first user → 403 signup_closed, nothing created', async () => {
    const res = await new Client(t).post('/api/v1/auth/signup', { email: 'late@example.com', password: PASSWORD });
    assert.equal(res.status, 403);
    assert.equal(res.json.error.code, 'signup_closed');
    const login = await new Client(t).post('/api/v1/auth/login', { email: 'late@example.com', password: PASSWORD });
    assert.equal(login.status, 401);
  });

  test('POST /auth/signup: bad input → 400 invalid_request naming the fields; unknown fields refused', async () => {
    const res = await new Client(t).post('/api/v1/auth/signup', { email: 'not-an-email', password: 'short' });
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'invalid_request');
    const fields = (res.json.error.details.fields as { field: string }[]).map((f) => f.field).sort();
    assert.deepEqual(fields, ['email', 'password']);
    assert.ok(!JSON.stringify(res.body).includes('short'), 'the rejected password is not echoed');

    const extra = await new Client(t).post('/api/v1/auth/signup', { email: 'x@example.com', password: PASSWORD, isAdmin: true });
    assert.equal(extra.status, 400);
    assert.deepEqual(extra.json.error.details.fields, [{ field: 'isAdmin', location: 'body', message: 'is not a known field' }]);
  });

  test('GET /me: the user and their personal workspace (plan personal)', async () => {
    const res = await admin.get('/api/v1/me');
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.json).sort(), ['user', 'workspaces']);
    assert.equal(res.json.user.isAdmin, true);
    assert.equal(res.json.workspaces.length, 1);
    const [ws] = res.json.workspaces as { id: string; name: string; role: string; plan: string }[];
    assert.deepEqual(Object.keys(ws ?? {}).sort(), ['id', 'name', 'plan', 'role']);
    assert.equal(ws?.plan, 'personal');
    assert.equal(ws?.role, 'owner');
  });

  test('GET /me without credentials → 401 unauthenticated', async () => {
    const res = await new Client(t).get('/api/v1/me');
    assert.equal(res.status, 401);
    assert.equal(res.json.error.code, 'unauthenticated');
  });

  test('POST /admin/users: an instance admin creates a user who gets a personal workspace', async () => {
    const res = await admin.post('/api/v1/admin/users', { email: 'bob@example.com', password: PASSWORD, name: 'Bob' });
    assert.equal(res.status, 201);
    assert.equal(res.json.user.email, 'bob@example.com');
    assert.equal(res.json.user.isAdmin, false);
    const bob = new Client(t);
    assert.equal((await bob.post('/api/v1/auth/login', { email: 'bob@example.com', password: PASSWORD })).status, 200);
    const me = await bob.get('/api/v1/me');
    assert.equal(me.json.workspaces[0].plan, 'personal');
  });

  test('POST /admin/users: duplicate email → 409 email_taken; non-admin → 403 admin_required; anonymous → 401', async () => {
    const dup = await admin.post('/api/v1/admin/users', { email: 'BOB@example.com', password: PASSWORD });
    assert.equal(dup.status, 409);
    assert.equal(dup.json.error.code, 'email_taken');
    const bob = new Client(t);
    await bob.post('/api/v1/auth/login', { email: 'bob@example.com', password: PASSWORD });
    const forbidden = await bob.post('/api/v1/admin/users', { email: 'carol@example.com', password: PASSWORD });
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.json.error.code, 'admin_required');
    const anon = await new Client(t).post('/api/v1/admin/users', { email: 'carol@example.com', password: PASSWORD });
    assert.equal(anon.status, 401);
  });

  test('POST /auth/login: 200 + cookie; wrong password and unknown email give the same 401 invalid_credentials', async () => {
    const ok = await new Client(t).post('/api/v1/auth/login', { email: 'admin@example.com', password: PASSWORD });
    assert.equal(ok.status, 200);
    assert.equal(ok.json.user.email, 'admin@example.com');
    assert.match(String(ok.headers['set-cookie']), /tether_session=.+HttpOnly/);

    const wrong = await new Client(t).post('/api/v1/auth/login', { email: 'admin@example.com', password: 'wrong password!' });
    const unknown = await new Client(t).post('/api/v1/auth/login', { email: 'nobody@example.com', password: 'wrong password!' });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.deepEqual(wrong.body, unknown.body);
    assert.equal(wrong.json.error.code, 'invalid_credentials');
    assert.equal(wrong.headers['set-cookie'], undefined);
  });

  test('POST /auth/login is rate limited per address and account → 429 rate_limited', async () => {
    assert.equal((await admin.post('/api/v1/admin/users', { email: 'rl@example.com', password: PASSWORD })).status, 201);
    const c = new Client(t);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await c.post('/api/v1/auth/login', { email: 'rl@example.com', password: `guess-${i}-guess` })).status);
    assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401]);
    assert.deepEqual(statuses.slice(5), [429, 429]);
    const blocked = await c.post('/api/v1/auth/login', { email: 'rl@example.com', password: PASSWORD });
    assert.equal(blocked.status, 429, 'even the right password is refused while limited');
    assert.equal(blocked.json.error.code, 'rate_limited');
    // Another account from the same address is not locked out by it.
    assert.equal((await c.post('/api/v1/auth/login', { email: 'admin@example.com', password: PASSWORD })).status, 200);
  });

  test('POST /auth/logout → 204 and the session no longer works', async () => {
    const c = new Client(t);
    await c.post('/api/v1/auth/login', { email: 'admin@example.com', password: PASSWORD });
    const stolen = c.cookie;
    const res = await c.post('/api/v1/auth/logout');
    assert.equal(res.status, 204);
    assert.equal(res.body, null);
    const replay = new Client(t);
    replay.cookie = stolen;
    assert.equal((await replay.get('/api/v1/me')).status, 401, 'the server-side session is gone');
  });

  test('POST /api-keys → 201 {id, name, key} once; the key authenticates as Bearer; listing never shows it', async () => {
    const res = await admin.post('/api/v1/api-keys', { name: 'runtime' });
    assert.equal(res.status, 201);
    assert.deepEqual(Object.keys(res.json).sort(), ['id', 'key', 'name']);
    const key = res.json.key as string;
    // ≥ 128 bits: 32 random bytes in base64url after the prefix.
    assert.match(key, /^tth_[A-Za-z0-9_-]{43}$/);
    const asKey = new Client(t, key, null);
    const me = await asKey.get('/api/v1/me');
    assert.equal(me.status, 200);
    assert.equal(me.json.user.email, 'admin@example.com');
    const list = await admin.get('/api/v1/api-keys');
    assert.equal(list.status, 200);
    assert.ok(!JSON.stringify(list.body).includes(key));
    assert.equal((list.json as unknown as { name: string }[]).find((k) => k.name === 'runtime') !== undefined, true);
    // Stored hashed: the database holds no copy of the key.
    const rows = await t.store.db.selectFrom('api_keys').selectAll().execute();
    assert.ok(!JSON.stringify(rows).includes(key));
  });

  test('DELETE /api-keys/:id revokes: the key stops working; unknown id → 404', async () => {
    const made = await admin.post('/api/v1/api-keys', { name: 'temporary' });
    const asKey = new Client(t, made.json.key as string, null);
    assert.equal((await asKey.get('/api/v1/me')).status, 200);
    assert.equal((await admin.delete(`/api/v1/api-keys/${made.json.id as string}`)).status, 204);
    const after = await asKey.get('/api/v1/me');
    assert.equal(after.status, 401);
    assert.equal(after.json.error.code, 'unauthenticated');
    assert.equal((await admin.delete(`/api/v1/api-keys/${made.json.id as string}`)).status, 404);
    const bogus = await new Client(t, 'tth_not-a-real-key', null).get('/api/v1/me');
    assert.equal(bogus.status, 401);
  });

  test('cookie-authenticated state changes from another origin (or none) → 403; Bearer calls need no Origin', async () => {
    const foreign = await admin.request('POST', '/api/v1/api-keys', { name: 'x' }, { origin: 'https://evil.example' });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.json.error.code, 'origin_not_allowed');
    const noOrigin = new Client(t, null, null);
    noOrigin.cookie = admin.cookie;
    const missing = await noOrigin.post('/api/v1/api-keys', { name: 'x' });
    assert.equal(missing.status, 403);
    const sameOriginReferer = await noOrigin.request('POST', '/api/v1/api-keys', { name: 'x' }, { referer: `${t.config.publicOrigin}/settings` });
    assert.equal(sameOriginReferer.status, 201);
    const key = (await admin.post('/api/v1/api-keys', { name: 'bearer' })).json.key as string;
    assert.equal((await new Client(t, key, null).post('/api/v1/workspaces', { name: 'From a script' })).status, 201);
    // Reads are not state changes.
    assert.equal((await admin.request('GET', '/api/v1/me', undefined, { origin: 'https://evil.example' })).status, 200);
  });
});

describe(`Sign-up settings on ${testDbKind}`, () => {
  test('TETHER_OPEN_SIGNUP=true lets later users sign up, as non-admins', async () => {
    const t = await createTestApp({ env: { TETHER_OPEN_SIGNUP: 'true' } });
    try {
      const first = await signedUp(t, 'one@example.com');
      const second = await new Client(t).post('/api/v1/auth/signup', { email: 'two@example.com', password: PASSWORD });
      assert.equal(second.status, 201);
      assert.equal(second.json.user.isAdmin, false);
      assert.equal((await first.client.get('/api/v1/me')).json.user.isAdmin, true);
      const dup = await new Client(t).post('/api/v1/auth/signup', { email: 'TWO@example.com', password: PASSWORD });
      assert.equal(dup.status, 409);
      assert.equal(dup.json.error.code, 'email_taken');
    } finally {
      await t.close();
    }
  });

  test('two sign-ups racing on an empty instance: exactly one becomes admin', async () => {
    const t = await createTestApp({ env: { TETHER_OPEN_SIGNUP: 'true' } });
    try {
      const results = await Promise.all(
        ['r1@example.com', 'r2@example.com', 'r3@example.com'].map((email) => new Client(t).post('/api/v1/auth/signup', { email, password: PASSWORD })),
      );
      assert.deepEqual(results.map((r) => r.status), [201, 201, 201]);
      assert.equal(results.filter((r) => r.json.user.isAdmin === true).length, 1);
    } finally {
      await t.close();
    }
  });

  test('session cookie is Secure when PUBLIC_ORIGIN is https', async () => {
    const t = await createTestApp({ env: { PUBLIC_ORIGIN: 'https://tether.example.com' } });
    try {
      const res = await new Client(t).post('/api/v1/auth/signup', { email: 'sec@example.com', password: PASSWORD });
      assert.equal(res.status, 201);
      assert.match(String(res.headers['set-cookie']), /; Secure/);
    } finally {
      await t.close();
    }
  });
});
