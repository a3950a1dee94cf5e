import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { AccessCache } from '../src/services/access-cache.ts';
import { AccessNotifyListener } from '../src/store/access-notify.ts';
import type { ConnectionWithAccess } from '../src/store/connections.ts';
import { Client, signedUp } from './helpers/app.ts';
import { createTestStore, testDbKind } from './helpers/db.ts';
import { registerPeerApp } from './helpers/oauth.ts';
import { PEER_SECRET, sharingWorld, type SharingWorld } from './helpers/world.ts';
import { createLogger } from '../src/log.ts';
import { LogCapture } from './helpers/app.ts';

/**
 * The access cache of the token hot path (services/access-cache.ts): a repeated ask is answered
 * without the database, and every change that ends access is seen by the very next ask in the
 * same process. Cross-process invalidation: test/access-cache-multiprocess.test.ts.
 */
describe(`access cache: in-process invalidation on ${testDbKind}`, () => {
  let w: SharingWorld;
  before(async () => {
    w = await sharingWorld();
  });
  after(() => w?.close());

  const stats = () => w.t.services.access.stats();
  const ask = (c: Client, id: string, body: Record<string, unknown> = {}) => c.post(`/api/v1/connections/${id}/token`, body);
  async function keyOf(c: Client): Promise<{ client: Client; keyId: string }> {
    const made = await c.post('/api/v1/api-keys', { name: 'runtime' });
    assert.equal(made.status, 201);
    return { client: new Client(w.t, made.json.key as string, null), keyId: made.json.id as string };
  }
  async function member(email: string): Promise<{ id: string; session: Client; runtime: Client; keyId: string }> {
    const p = await signedUp(w.t, email, { admin: w.admin });
    assert.equal((await w.admin.post(`/api/v1/workspaces/${w.ws}/members`, { email, role: 'member' })).status, 201);
    const key = await keyOf(p.client);
    return { id: p.userId, session: p.client, runtime: key.client, keyId: key.keyId };
  }
  /** Two asks; the second must come from the cache (key and grant both hits, no miss). */
  async function servedFromCache(c: Client, id: string): Promise<void> {
    assert.equal((await ask(c, id)).status, 200);
    const before = stats();
    const second = await ask(c, id);
    assert.equal(second.status, 200, JSON.stringify(second.body));
    const after = stats();
    assert.equal(after.hits - before.hits, 2, 'the API key and the grant both came from the cache');
    assert.equal(after.misses, before.misses, 'nothing was read from the database');
  }

  test('a repeated ask on a fresh token is answered from memory, with the same answer and the same error codes', async () => {
    const id = await w.connect();
    const owner = await keyOf(w.owner.client);
    await servedFromCache(owner.client, id);
    const first = await ask(owner.client, id);
    const again = await ask(owner.client, id, { workflowId: 'wf_1', nodeId: 'n_1' });
    assert.equal(again.json.accessToken, first.json.accessToken);
    assert.equal(again.json.expiresAt, first.json.expiresAt);
    // Scopes are checked on every ask, cached grant or not.
    const before = stats();
    const missing = await ask(owner.client, id, { scopes: ['api:read', 'api:write'] });
    assert.equal(missing.status, 403);
    assert.equal(missing.json.error.code, 'insufficient_scope');
    assert.deepEqual(missing.json.error.details.missing, ['api:write']);
    assert.equal(stats().hits - before.hits, 2, 'refused from the cached grant, not after a database read');
    // Every ask is audited, cached or not.
    await w.t.services.audit.flush();
    const audit = await w.admin.get(`/api/v1/workspaces/${w.ws}/audit?action=token.issued&connectionId=${id}&limit=200`);
    assert.equal((audit.json.entries as unknown[]).length, 4);
    assert.ok((audit.json.entries as { details: { workflowId?: string } }[]).some((e) => e.details.workflowId === 'wf_1'));
  });

  test('unshare: the very next ask of a member who used the share is refused (404)', async () => {
    const id = await w.connect();
    const m = await member('unshare-member@example.com');
    assert.equal((await w.owner.client.post(`/api/v1/connections/${id}/promote`, { level: 'use' })).status, 200);
    await servedFromCache(m.runtime, id);
    assert.equal((await w.owner.client.post(`/api/v1/connections/${id}/unshare`)).status, 200);
    assert.equal((await ask(m.runtime, id)).status, 404);
    // The owner keeps it.
    const owner = await keyOf(w.owner.client);
    assert.equal((await ask(owner.client, id)).status, 200);
  });

  test('member removal: the very next ask of the removed member is refused (404)', async () => {
    const id = await w.connect();
    const m = await member('removed-member@example.com');
    assert.equal((await w.owner.client.post(`/api/v1/connections/${id}/promote`, { level: 'manage' })).status, 200);
    await servedFromCache(m.runtime, id);
    assert.equal((await w.owner.client.delete(`/api/v1/workspaces/${w.ws}/members/${m.id}`)).status, 204);
    assert.equal((await ask(m.runtime, id)).status, 404);
  });

  test('API key revocation: the very next request with that key is refused (401)', async () => {
    const id = await w.connect();
    const owner = await keyOf(w.owner.client);
    await servedFromCache(owner.client, id);
    assert.equal((await w.owner.client.delete(`/api/v1/api-keys/${owner.keyId}`)).status, 204);
    const refused = await ask(owner.client, id);
    assert.equal(refused.status, 401);
    assert.equal(refused.json.error.code, 'unauthenticated');
  });

  test('disconnect: the very next ask is refused (410 connection_disconnected)', async () => {
    const id = await w.connect();
    const owner = await keyOf(w.owner.client);
    await servedFromCache(owner.client, id);
    assert.equal((await w.owner.client.delete(`/api/v1/connections/${id}`)).status, 204);
    const refused = await ask(owner.client, id);
    assert.equal(refused.status, 410);
    assert.equal(refused.json.error.code, 'connection_disconnected');
  });

  test('plan change: moving the workspace to the personal plan refuses the very next ask (403 plan_required); moving it back allows it again', async () => {
    const id = await w.connect();
    const owner = await keyOf(w.owner.client);
    await servedFromCache(owner.client, id);
    assert.equal((await w.admin.patch(`/api/v1/admin/workspaces/${w.ws}`, { plan: 'personal' })).status, 200);
    const refused = await ask(owner.client, id);
    assert.equal(refused.status, 403);
    assert.equal(refused.json.error.code, 'plan_required');
    assert.equal((await w.admin.patch(`/api/v1/admin/workspaces/${w.ws}`, { plan: 'workspace' })).status, 200);
    assert.equal((await ask(owner.client, id)).status, 200);
  });

  test('grant revoked at the provider, found by a refresh: the very next ask is refused (409 reauthorize_required)', async () => {
    const id = await w.connect();
    const owner = await keyOf(w.owner.client);
    await servedFromCache(owner.client, id);
    await w.peer.revokeGrantsFor('alice');
    assert.equal((await w.owner.client.post(`/api/v1/connections/${id}/refresh`)).status, 409);
    const refused = await ask(owner.client, id);
    assert.equal(refused.status, 409);
    assert.equal(refused.json.error.code, 'reauthorize_required');
  });

  test('OAuth app delete: the very next ask on a connection of that domain is refused (409 reauthorize_required)', async () => {
    const id = await w.connect();
    const owner = await keyOf(w.owner.client);
    await servedFromCache(owner.client, id);
    assert.equal((await w.admin.delete('/api/v1/admin/oauth-apps/acme')).status, 204);
    try {
      const refused = await ask(owner.client, id);
      assert.equal(refused.status, 409);
      assert.equal(refused.json.error.code, 'reauthorize_required');
    } finally {
      await registerPeerApp(w, w.peer.issuer, PEER_SECRET, { apiBaseUrl: w.api.base });
    }
  });
});

const row = (id: string): ConnectionWithAccess => ({ id, refresh_due_at: null } as unknown as ConnectionWithAccess);
const principal = { user: { id: 'usr_1', email: 'a@example.com', name: null, isAdmin: false }, keyId: 'key_1' };

describe('AccessCache rules', () => {
  test('a result read before an invalidation is not cached (the generation changed meanwhile)', () => {
    const cache = new AccessCache({ mode: 'local' });
    const generation = cache.generation();
    cache.invalidateConnection('con_other'); // any invalidation, even of another connection
    cache.rememberGrant(row('con_1'), 'usr_1', generation, 0);
    cache.rememberPrincipal('hash', principal, generation, 0);
    assert.equal(cache.grant('con_1', 'usr_1', 1), undefined);
    assert.equal(cache.principal('hash', 1), undefined);
    cache.rememberGrant(row('con_1'), 'usr_1', cache.generation(), 0);
    assert.ok(cache.grant('con_1', 'usr_1', 1));
  });

  test('invalidation drops exactly what it says; entries expire after the TTL', () => {
    const cache = new AccessCache({ mode: 'local', ttlMs: 1000 });
    cache.rememberGrant(row('con_1'), 'usr_1', cache.generation(), 0);
    cache.rememberGrant(row('con_2'), 'usr_1', cache.generation(), 0);
    cache.rememberPrincipal('hash', principal, cache.generation(), 0);
    cache.invalidateConnection('con_1');
    assert.equal(cache.grant('con_1', 'usr_1', 1), undefined);
    assert.ok(cache.grant('con_2', 'usr_1', 1));
    assert.ok(cache.principal('hash', 1));
    assert.equal(cache.grant('con_2', 'usr_1', 1000), undefined, 'expired');
    cache.invalidateAll();
    assert.equal(cache.principal('hash', 1), undefined);
  });

  test('a shared cache serves nothing until its listener listens, and flushes when it stops listening', () => {
    const cache = new AccessCache({ mode: 'shared' });
    cache.rememberGrant(row('con_1'), 'usr_1', cache.generation(), 0);
    assert.equal(cache.grant('con_1', 'usr_1', 1), undefined, 'not listening yet: bypassed');
    cache.setListening(true);
    cache.rememberGrant(row('con_1'), 'usr_1', cache.generation(), 0);
    assert.ok(cache.grant('con_1', 'usr_1', 1));
    const generation = cache.generation();
    cache.setListening(false);
    assert.equal(cache.grant('con_1', 'usr_1', 1), undefined, 'deaf: flushed and bypassed');
    cache.setListening(true);
    cache.rememberGrant(row('con_1'), 'usr_1', generation, 0);
    assert.equal(cache.grant('con_1', 'usr_1', 1), undefined, 'a read from before the outage is not trusted');
  });

  test('bounded: the oldest grant is evicted past the limit, and its index entry with it', () => {
    const cache = new AccessCache({ mode: 'local', maxGrants: 2 });
    cache.rememberGrant(row('con_1'), 'usr_1', cache.generation(), 0);
    cache.rememberGrant(row('con_2'), 'usr_1', cache.generation(), 0);
    cache.rememberGrant(row('con_2'), 'usr_2', cache.generation(), 0);
    assert.equal(cache.grant('con_1', 'usr_1', 1), undefined);
    assert.ok(cache.grant('con_2', 'usr_1', 1));
    assert.ok(cache.grant('con_2', 'usr_2', 1));
    assert.deepEqual([cache.stats().grants, cache.stats().connections], [2, 1]);
    cache.invalidateConnection('con_2');
    assert.deepEqual([cache.stats().grants, cache.stats().connections], [0, 0]);
  });
});

describe(`access-change listener (LISTEN/NOTIFY) on ${testDbKind}`, { skip: testDbKind === 'postgres' ? false : 'PostgreSQL only: PGlite has one process' }, () => {
  test('delivers connection and global invalidations; a lost connection flushes and bypasses until it listens again', async () => {
    const store = await createTestStore();
    const url = store.env.DATABASE_URL ?? '';
    const calls: string[] = [];
    const target = {
      invalidateConnection: (id: string) => calls.push(`c:${id}`),
      invalidateAll: () => calls.push('*'),
      setListening: (on: boolean) => calls.push(on ? 'listening' : 'deaf'),
    };
    const logs = new LogCapture();
    const listener = new AccessNotifyListener({ databaseUrl: url, target, logger: createLogger({ level: 'info', destination: logs }), retryMs: 50, pingMs: 60_000 });
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const until = async (what: () => boolean, ms = 5000): Promise<void> => {
      const end = Date.now() + ms;
      while (!what()) {
        if (Date.now() > end) throw new Error(`timed out; calls: ${calls.join(' ')}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      await listener.start();
      assert.deepEqual(calls, ['listening']);
      // What the migration's triggers send, for real: a revoked key is a global change.
      await admin.query(`select pg_notify('tether_access', 'c:con_42')`);
      await until(() => calls.includes('c:con_42'));
      await admin.query(`insert into users (id, email, password_hash) values ('usr_t', 't@example.com', 'x')`);
      await admin.query(`insert into api_keys (id, user_id, name, key_hash, prefix) values ('key_t', 'usr_t', 'k', 'h', 'p')`);
      await admin.query(`update api_keys set last_used_at = now() where id = 'key_t'`);
      await admin.query(`update api_keys set revoked_at = now() where id = 'key_t'`);
      await until(() => calls.includes('*'));
      assert.deepEqual(calls, ['listening', 'c:con_42', '*'], 'last-used writes notify nothing; the revocation does');
      // The listener's backend is killed: deaf at once, then listening again.
      calls.length = 0;
      await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'tether-access-listener' and datname = current_database()`);
      await until(() => calls.includes('listening'));
      assert.deepEqual(calls, ['deaf', 'listening']);
      await admin.query(`select pg_notify('tether_access', 'c:con_43')`);
      await until(() => calls.includes('c:con_43'));
    } finally {
      await listener.stop();
      await admin.end();
      await store.close();
    }
  });
});
