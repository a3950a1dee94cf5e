import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseEncryptionKeys } from '../src/config.ts';
import { Envelope } from '../src/crypto/envelope.ts';
import { generateKeyString, Keyring } from '../src/crypto/keyring.ts';
import type { ConnectionRow } from '../src/store/connections.ts';
import { createTestStore, testDbKind, type TestStore } from './helpers/db.ts';
import { connectOverHttp, freePort, httpCall, ServerProcess, signUpOverHttp, type HttpAnswer, type HttpTenant } from './helpers/process.ts';
import { startOidcProvider, type OidcPeer } from './peers/oidc-provider.ts';

/**
 * SPEC §5 and §10 with real processes: several Tether server and worker processes on one
 * PostgreSQL database, driven over HTTP, against a real authorization server (oidc-provider).
 * Exactly one refresh per due token across processes, take-over after a worker dies holding a
 * refresh lease, and a clean SIGTERM.
 */

const SKIP = testDbKind === 'postgres' ? {} : { skip: 'needs PostgreSQL shared by several processes' };
const CLIENT_ID = 'tether-multiprocess';
const SECRET = 'multiprocess-client-secret-42';
/** Access-token lifetime at the peer: the refresh buffer is min(60 s, half of it) = 3 s. */
const TTL_S = 6;
/** Every process of a test shares one key ring, as a real deployment does. */
const KEYS = generateKeyString(1);
const envelope = new Envelope(new Keyring(parseEncryptionKeys(KEYS)));

type Role = 'api' | 'worker';

/** One PostgreSQL database, the processes started on it, and a connection made over HTTP. */
class Cluster {
  readonly processes: ServerProcess[] = [];
  tenant: HttpTenant | null = null;
  #registering: Promise<void> = Promise.resolve();

  private constructor(
    readonly store: TestStore,
    readonly peer: OidcPeer,
  ) {}

  static async create(peer: OidcPeer): Promise<Cluster> {
    return new Cluster(await createTestStore(), peer);
  }

  /** Starts a process with its own PUBLIC_ORIGIN, registered as a redirect URI at the peer. */
  async spawn(role: Role, env: Record<string, string> = {}): Promise<ServerProcess> {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    // Serialised: processes start side by side, and each registration replaces the client.
    this.#registering = this.#registering.then(async () => {
      const known = this.peer.clients.find((c) => c.clientId === CLIENT_ID)?.redirectUris ?? [];
      await this.peer.setClient({ clientId: CLIENT_ID, clientSecret: SECRET, redirectUris: [...known, `${origin}/oauth/callback`] });
    });
    await this.#registering;
    const p = new ServerProcess(port, {
      ...this.store.env,
      TETHER_ENCRYPTION_KEYS: KEYS,
      TETHER_ROLE: role,
      PUBLIC_ORIGIN: origin,
      TETHER_LOG_LEVEL: 'info',
      ...env,
    });
    this.processes.push(p);
    // A worker has no HTTP server: it is up once it has said so.
    if (role === 'api') await p.waitReady(60_000);
    else await p.waitForOutput(/"msg":"database ready"/, 60_000);
    return p;
  }

  /** Connects alice through `api` (signing up and registering the peer as domain `acme` the first time); returns the id. */
  async connect(api: ServerProcess): Promise<string> {
    if (!this.tenant) {
      this.tenant = await signUpOverHttp(api.url);
      const issuer = this.peer.issuer;
      const put = await httpCall(api.url, 'PUT', '/api/v1/admin/oauth-apps/acme', {
        bearer: this.tenant.apiKey,
        body: { clientId: CLIENT_ID, clientSecret: SECRET, authorizeUrl: `${issuer}/auth`, tokenUrl: `${issuer}/token`, issuer, scopes: 'openid email offline_access api:read' },
      });
      assert.equal(put.status, 200, put.text);
    }
    return connectOverHttp(api.url, this.tenant, (url) => this.peer.authorize(url, { accountId: 'alice' }));
  }

  row(id: string): Promise<ConnectionRow> {
    return this.store.db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }

  async accessToken(id: string): Promise<string> {
    const sealed = (await this.row(id)).access_token;
    assert.ok(sealed !== null, 'the connection has an access token');
    return envelope.open(sealed, { table: 'connections', id, field: 'access_token' }).reveal();
  }

  token(api: ServerProcess, id: string): Promise<HttpAnswer> {
    if (!this.tenant) throw new Error('connect first');
    return httpCall(api.url, 'POST', `/api/v1/connections/${id}/token`, { bearer: this.tenant.apiKey, body: {} });
  }

  /** Sleeps until the connection's token is due for refresh (plus a margin). */
  async untilDue(id: string, marginMs = 150): Promise<void> {
    const due = (await this.row(id)).refresh_due_at;
    assert.ok(due !== null, 'the token expires');
    const wait = due.getTime() - Date.now() + marginMs;
    if (wait > 0) await sleep(wait);
  }

  /** Polls the row until `done` holds; throws with the processes' output after `timeoutMs`. */
  async until(id: string, done: (row: ConnectionRow) => boolean, what: string, timeoutMs = 20_000): Promise<ConnectionRow> {
    const started = Date.now();
    for (;;) {
      const row = await this.row(id);
      if (done(row)) return row;
      if (Date.now() - started > timeoutMs) {
        throw new Error(`timed out waiting for ${what}; row: ${JSON.stringify({ ...row, access_token: '…', refresh_token: '…' })}\n${this.processes.map((p) => p.log).join('\n---\n')}`);
      }
      await sleep(50);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop('SIGKILL')));
    await this.store.close();
  }
}

/** Active at the peer (RFC 7662 introspection): the token is real and live. */
async function introspect(peer: OidcPeer, token: string): Promise<boolean> {
  const res = await fetch(`${peer.issuer}/token/introspection`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${SECRET}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }),
  });
  return ((await res.json()) as { active: boolean }).active;
}

describe(`several Tether processes on one database (${testDbKind})`, () => {
  let peer: OidcPeer | null = null;
  before(async () => {
    if (testDbKind !== 'postgres') return;
    peer = await startOidcProvider({ clients: [{ clientId: CLIENT_ID, clientSecret: SECRET, redirectUris: ['http://127.0.0.1:1/oauth/callback'] }], ttl: { accessToken: TTL_S } });
  });
  after(async () => {
    await peer?.close();
  });
  const thePeer = (): OidcPeer => {
    if (!peer) throw new Error('no peer');
    return peer;
  };

  test('single flight across processes: 50 concurrent token asks over two API processes, then 200 over three → exactly one refresh grant each, every answer the same new token', SKIP, async () => {
    const c = await Cluster.create(thePeer());
    try {
      const [a, b, third] = await Promise.all([c.spawn('api'), c.spawn('api'), c.spawn('api')]);
      if (!a || !b || !third) throw new Error('unreachable');
      const id = await c.connect(a);

      for (const [asks, over] of [
        [50, [a, b]],
        [200, [a, b, third]],
      ] as const) {
        await c.untilDue(id);
        const old = await c.accessToken(id);
        c.peer.resetCounters();
        const answers = await Promise.all(Array.from({ length: asks }, (_, i) => c.token(over[i % over.length] ?? a, id)));
        assert.deepEqual([...new Set(answers.map((r) => r.status))], [200], answers.find((r) => r.status !== 200)?.text);
        const tokens = new Set(answers.map((r) => String(r.json.accessToken)));
        assert.equal(tokens.size, 1, `${asks} asks over ${over.length} processes got ${tokens.size} different tokens`);
        assert.equal(c.peer.counters.refreshTokenGrants, 1, `${asks} asks over ${over.length} processes → refresh grants`);
        assert.equal(c.peer.counters.failedGrants, 0);
        const [token] = tokens;
        assert.notEqual(token, old, 'a due token is refreshed before it is handed out');
        assert.equal(token, await c.accessToken(id), 'the answer is the stored token');
        const row = await c.row(id);
        assert.equal(row.status, 'active');
        assert.equal(row.refresh_lease_owner, null, 'lease released');
      }
    } finally {
      await c.close();
    }
  });

  test('a worker killed (SIGKILL) while its refresh hangs at the provider → another worker completes it once the lease has run out; nothing is lost', SKIP, async () => {
    const c = await Cluster.create(thePeer());
    try {
      const api = await c.spawn('api');
      const id = await c.connect(api);
      const before = await c.row(id);
      const oldToken = await c.accessToken(id);
      const workerEnv = { TETHER_REFRESH_INTERVAL_MS: '200', TETHER_REFRESH_LEASE_MS: '3000', TETHER_PROVIDER_TIMEOUT_MS: '2500' };

      // The next token request stalls, then fails without reaching the real endpoint: the
      // refresh token is not consumed, exactly as a provider that never answered.
      c.peer.resetCounters();
      c.peer.setTokenEndpointFailure({ delayMs: 10_000, status: 503, times: 1 });
      const w1 = await c.spawn('worker', workerEnv);
      const claimed = await c.until(id, (r) => r.refresh_lease_owner !== null, 'worker 1 to claim the connection');
      const leaseUntil = claimed.refresh_lease_until;
      assert.ok(leaseUntil !== null);
      // Its request is hanging at the peer now.
      const started = Date.now();
      while (c.peer.counters.tokenRequests < 1) {
        assert.ok(Date.now() - started < 15_000, 'worker 1 reaches the token endpoint');
        await sleep(20);
      }
      assert.equal(await w1.stop('SIGKILL'), null, 'killed, no exit code');

      const orphaned = await c.row(id);
      assert.equal(orphaned.status, 'refreshing', 'the dead worker left its lease behind');
      assert.equal(orphaned.refresh_lease_owner, claimed.refresh_lease_owner);
      assert.equal(orphaned.access_token, before.access_token);

      const w2 = await c.spawn('worker', workerEnv);
      const done = await c.until(id, (r) => r.refresh_lease_owner === null && r.access_token !== before.access_token, 'worker 2 to refresh');
      const counters = c.peer.counters; // before worker 2 could refresh the new (6 s) token again
      assert.equal(await w2.stop('SIGTERM'), 0);

      assert.equal(done.status, 'active');
      assert.equal(done.refresh_failures, 0);
      assert.ok((done.last_refreshed_at?.getTime() ?? 0) >= leaseUntil.getTime(), 'taken over only after the lease ran out');
      assert.equal(counters.refreshTokenGrants, 1, 'exactly one successful refresh grant');
      assert.equal(counters.failedGrants, 0, 'the refresh token was never replayed');
      const newToken = await c.accessToken(id);
      assert.notEqual(newToken, oldToken);
      assert.ok(await introspect(c.peer, newToken), 'the new access token is live at the provider');

      const answer = await c.token(api, id);
      assert.equal(answer.status, 200, answer.text);
      assert.equal(answer.json.accessToken, newToken, 'the token endpoint hands out the token worker 2 minted');
      assert.equal(c.peer.counters.refreshTokenGrants, counters.refreshTokenGrants, 'no refresh was needed for it');
    } finally {
      c.peer.setTokenEndpointFailure(null);
      await c.close();
    }
  });

  test('regression: claims waiting in a worker\'s queue outlived their lease, so a second worker refreshed the same connections again (rotated refresh token replayed → invalid_grant)', SKIP, async () => {
    // A worker claims a whole batch at once but refreshes only `concurrency` of it at a time;
    // with a slow provider the rest of the batch waited past the lease, another worker claimed
    // those rows, and both sent the same refresh token. Now each claim is renewed when its
    // refresh actually starts, and dropped if it was lost meanwhile.
    const slowPeer = await startOidcProvider({ clients: [{ clientId: CLIENT_ID, clientSecret: SECRET, redirectUris: ['http://127.0.0.1:1/oauth/callback'] }], ttl: { accessToken: 120 } });
    const c = await Cluster.create(slowPeer);
    try {
      const api = await c.spawn('api');
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) ids.push(await c.connect(api));
      const before = new Map(await Promise.all(ids.map(async (id) => [id, (await c.row(id)).access_token] as const)));
      // All due at once, so one worker claims them in one batch (as after an outage or at start).
      await c.store.db.updateTable('connections').set({ refresh_due_at: new Date(Date.now() - 1_000) }).where('id', 'in', ids).execute();
      slowPeer.resetCounters();
      // Every token request takes 2.5 s, inside the 4 s lease; four in a row take 10 s.
      slowPeer.setTokenEndpointFailure({ delayMs: 2_500 });
      const workerEnv = { TETHER_REFRESH_INTERVAL_MS: '200', TETHER_REFRESH_LEASE_MS: '4000', TETHER_PROVIDER_TIMEOUT_MS: '3500', TETHER_REFRESH_CONCURRENCY: '1' };
      await Promise.all([c.spawn('worker', workerEnv), c.spawn('worker', workerEnv)]);
      const rows = await Promise.all(ids.map((id) => c.until(id, (r) => r.refresh_lease_owner === null && r.access_token !== before.get(id), `connection ${id} to be refreshed`, 30_000)));
      const counters = slowPeer.counters;
      for (const row of rows) assert.equal(row.status, 'active', `${row.id}: ${row.status_reason ?? ''}`);
      assert.equal(counters.failedGrants, 0, 'no refresh token was sent twice');
      assert.equal(counters.refreshTokenGrants, ids.length, 'one refresh grant per connection');
      for (const p of c.processes) assert.doesNotMatch(p.log, /result discarded/);
    } finally {
      slowPeer.setTokenEndpointFailure(null);
      await c.close();
      await slowPeer.close();
    }
  });

  test('shutdown: an idle worker exits 0 promptly on SIGTERM; one mid-refresh finishes that refresh first, then exits 0', SKIP, async () => {
    const c = await Cluster.create(thePeer());
    try {
      const idle = await c.spawn('worker');
      await sleep(300);
      let t0 = Date.now();
      assert.equal(await idle.stop('SIGTERM'), 0);
      const idleMs = Date.now() - t0;
      assert.ok(idleMs < 5_000, `idle worker stopped in ${idleMs} ms`);

      const api = await c.spawn('api');
      const id = await c.connect(api);
      const before = await c.row(id);
      c.peer.resetCounters();
      // Slow, not failing: the request reaches the real endpoint after 1.5 s.
      c.peer.setTokenEndpointFailure({ delayMs: 1_500, times: 1 });
      const busy = await c.spawn('worker', { TETHER_REFRESH_INTERVAL_MS: '200' });
      await c.until(id, (r) => r.refresh_lease_owner !== null, 'the worker to claim the connection');
      while (c.peer.counters.tokenRequests < 1) await sleep(20);
      t0 = Date.now();
      assert.equal(await busy.stop('SIGTERM'), 0);
      const busyMs = Date.now() - t0;
      assert.ok(busyMs < 1_500 + 5_000, `busy worker stopped in ${busyMs} ms`);
      assert.match(busy.log, /"signal":"SIGTERM"/);

      const after = await c.row(id);
      assert.equal(after.status, 'active');
      assert.equal(after.refresh_lease_owner, null, 'no lease left behind');
      assert.notEqual(after.access_token, before.access_token, 'the refresh in flight was completed and stored');
      assert.equal(c.peer.counters.refreshTokenGrants, 1);
    } finally {
      c.peer.setTokenEndpointFailure(null);
      await c.close();
    }
  });
});
