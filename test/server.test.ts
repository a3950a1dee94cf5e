import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestStore, testDbKind, type TestStore } from './helpers/db.ts';
import { freePort, ServerProcess } from './helpers/process.ts';

const PASSWORD = 'a very memorable passphrase 42';

interface Call {
  status: number;
  json: Record<string, unknown>;
  setCookie: string | null;
}

async function call(base: string, method: string, path: string, options: { body?: unknown; cookie?: string; bearer?: string } = {}): Promise<Call> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.cookie) headers.cookie = options.cookie;
  if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
  if (method !== 'GET') headers.origin = 'http://localhost:3000';
  const res = await fetch(`${base}${path}`, { method, headers, ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }) });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {}, setCookie: res.headers.get('set-cookie') };
}

describe(`the real server process (${testDbKind})`, () => {
  let store: TestStore | null = null;
  let dataDir = '';
  after(async () => {
    await store?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('starts with no configuration, keeps accounts across a restart, and never logs a password, session id or API key', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tether-server-'));
    // On PostgreSQL the server gets a fresh schema; on PGlite only the data dir.
    const env: Record<string, string> = { TETHER_DATA_DIR: dataDir, PUBLIC_ORIGIN: 'http://localhost:3000', TETHER_LOG_LEVEL: 'trace' };
    if (testDbKind === 'postgres') {
      store = await createTestStore({ migrate: false });
      Object.assign(env, store.env);
    }
    const port = await freePort();
    const first = new ServerProcess(port, env);
    let secrets: string[] = [];
    try {
      // The 15 s start-up promise is checked on an idle machine by .ci/run; here other suites
      // share the CPU, so only a generous bound is asserted.
      const readyMs = await first.waitReady(60_000);
      assert.ok(readyMs < 60_000, `ready in ${readyMs} ms`);
      // With no key configured, one was generated into the data dir, private to the owner.
      const keyFile = await stat(join(dataDir, 'encryption-keys'));
      assert.equal(keyFile.mode & 0o077, 0, 'key file is not readable by others');
      assert.match(first.log, /Generated a new encryption key/);

      const signup = await call(first.url, 'POST', '/api/v1/auth/signup', { body: { email: 'ops@example.com', password: PASSWORD } });
      assert.equal(signup.status, 201);
      const login = await call(first.url, 'POST', '/api/v1/auth/login', { body: { email: 'ops@example.com', password: PASSWORD } });
      assert.equal(login.status, 200);
      const sessionId = /tether_session=([^;]+)/.exec(login.setCookie ?? '')?.[1] ?? '';
      assert.ok(sessionId.length > 20);
      const cookie = `tether_session=${sessionId}`;
      const made = await call(first.url, 'POST', '/api/v1/api-keys', { cookie, body: { name: 'runtime' } });
      assert.equal(made.status, 201);
      const apiKey = String(made.json.key);
      const me = await call(first.url, 'GET', '/api/v1/me', { bearer: apiKey });
      assert.equal(me.status, 200);
      const ws = await call(first.url, 'POST', '/api/v1/workspaces', { bearer: apiKey, body: { name: 'Persisted' } });
      assert.equal(ws.status, 201);
      // A failed login with a different password must not leak that either.
      assert.equal((await call(first.url, 'POST', '/api/v1/auth/login', { body: { email: 'ops@example.com', password: 'wrong-but-secret-pw' } })).status, 401);
      const signupSession = /tether_session=([^;]+)/.exec(signup.setCookie ?? '')?.[1] ?? '';
      secrets = [PASSWORD, 'wrong-but-secret-pw', sessionId, signupSession, apiKey, apiKey.slice(4)];

      const metrics = await fetch(`${first.url}/metrics`).then((r) => r.text());
      assert.match(metrics, /tether_process_cpu_user_seconds_total/);
      assert.match(metrics, /tether_http_requests_total\{method="POST",route="\/api\/v1\/auth\/login",status_code="401"\} 1/);

      assert.equal(await first.stop(), 0, 'SIGTERM shuts down cleanly');
    } finally {
      await first.stop();
    }
    for (const s of secrets) assert.ok(!first.log.includes(s), 'a secret value appeared in the log output');
    assert.match(first.log, /"route":"\/api\/v1\/api-keys"/, 'requests were logged (so the check above saw real output)');

    const second = new ServerProcess(port, env);
    try {
      await second.waitReady();
      assert.doesNotMatch(second.log, /Generated a new encryption key/, 'the key file is reused');
      const login = await call(second.url, 'POST', '/api/v1/auth/login', { body: { email: 'ops@example.com', password: PASSWORD } });
      assert.equal(login.status, 200, 'a user created before the restart still logs in');
      const apiKey = secrets[4] ?? '';
      const me = await call(second.url, 'GET', '/api/v1/me', { bearer: apiKey });
      assert.equal(me.status, 200, 'the API key survived the restart');
      const names = (me.json.workspaces as { name: string }[]).map((w) => w.name);
      assert.deepEqual(names.sort(), ['Persisted', 'Personal']);
    } finally {
      assert.equal(await second.stop(), 0);
    }
    for (const s of secrets) assert.ok(!second.log.includes(s), 'a secret value appeared in the log output after restart');
  });

  test('a bad configuration value stops the process with a message naming the variable', async () => {
    const port = await freePort();
    const bad = new ServerProcess(port, { TETHER_ROLE: 'everything', TETHER_DATA_DIR: dataDir || tmpdir() });
    const code = await bad.exited;
    assert.equal(code, 1);
    assert.match(bad.log, /TETHER_ROLE/);
    const badKeys = new ServerProcess(port, { TETHER_ENCRYPTION_KEYS: '1:c2hvcnQ=', TETHER_DATA_DIR: dataDir || tmpdir() });
    assert.equal(await badKeys.exited, 1);
    assert.match(badKeys.log, /TETHER_ENCRYPTION_KEYS/);
    assert.doesNotMatch(badKeys.log, /c2hvcnQ/, 'the key value is not echoed');
    const shortLease = new ServerProcess(port, { TETHER_REFRESH_LEASE_MS: '5000', TETHER_PROVIDER_TIMEOUT_MS: '10000', TETHER_DATA_DIR: dataDir || tmpdir() });
    assert.equal(await shortLease.exited, 1);
    assert.match(shortLease.log, /TETHER_REFRESH_LEASE_MS must be longer than TETHER_PROVIDER_TIMEOUT_MS/);
  });
});
