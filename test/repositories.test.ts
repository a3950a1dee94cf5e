import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AccountsRepo } from '../src/store/accounts.ts';
import { ConnectionAccessRepo, ConnectionsRepo } from '../src/store/connections.ts';
import { OAuthAppsRepo } from '../src/store/oauth-apps.ts';
import { WorkspacesRepo } from '../src/store/workspaces.ts';
import { createTestStore, testDbKind, type TestStore } from './helpers/db.ts';

const T0 = new Date('2026-03-01T12:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);

/** The repository layer on a real database (STYLE habit 4): the same suite on PGlite and PostgreSQL. */
describe(`repositories on ${testDbKind}`, () => {
  let store: TestStore;
  let accounts: AccountsRepo;
  let workspaces: WorkspacesRepo;
  let connections: ConnectionsRepo;

  before(async () => {
    store = await createTestStore();
    accounts = new AccountsRepo(store.db);
    workspaces = new WorkspacesRepo(store.db);
    connections = new ConnectionsRepo(store.db);
    await accounts.insertUser({ id: 'u1', email: 'one@example.com', name: 'One', passwordHash: 'x', isAdmin: true });
    await accounts.insertUser({ id: 'u2', email: 'two@example.com', name: null, passwordHash: 'x', isAdmin: false });
    await workspaces.insertWorkspace({ id: 'w1', name: 'Team', plan: 'workspace', personalOwnerId: null });
    await workspaces.insertMembership({ workspaceId: 'w1', userId: 'u1', role: 'owner' });
  });
  after(() => store?.close());

  test('users: unique email, lookup by email and id, count', async () => {
    assert.equal((await accounts.findUserByEmail('one@example.com'))?.id, 'u1');
    assert.equal((await accounts.findUserById('u2'))?.email, 'two@example.com');
    assert.equal(await accounts.countUsers(), 2);
    await assert.rejects(accounts.insertUser({ id: 'u3', email: 'one@example.com', name: null, passwordHash: 'x', isAdmin: false }));
  });

  test('sessions: live sessions resolve to their user, expired and deleted ones do not', async () => {
    await accounts.insertSession({ idHash: 'h-live', userId: 'u1', expiresAt: at(60) });
    await accounts.insertSession({ idHash: 'h-old', userId: 'u1', expiresAt: at(-1) });
    assert.equal((await accounts.findUserBySession('h-live', T0))?.id, 'u1');
    assert.equal(await accounts.findUserBySession('h-old', T0), undefined);
    await accounts.deleteExpiredSessions(T0);
    await accounts.deleteSession('h-live');
    assert.equal(await accounts.findUserBySession('h-live', T0), undefined);
  });

  test('API keys: found by hash until revoked; revoking twice is refused', async () => {
    await accounts.insertApiKey({ id: 'k1', userId: 'u2', name: 'runtime', keyHash: 'hash-1', prefix: 'tth_abcdef' });
    assert.equal((await accounts.findUserByApiKey('hash-1'))?.id, 'u2');
    assert.equal(await accounts.revokeApiKey('u1', 'k1', T0), false, "not someone else's key");
    assert.equal(await accounts.revokeApiKey('u2', 'k1', T0), true);
    assert.equal(await accounts.revokeApiKey('u2', 'k1', T0), false);
    assert.equal(await accounts.findUserByApiKey('hash-1'), undefined);
  });

  test('workspaces: memberships with plan, owner count, personal first', async () => {
    await workspaces.insertWorkspace({ id: 'p2', name: 'Personal', plan: 'personal', personalOwnerId: 'u2' });
    await workspaces.insertMembership({ workspaceId: 'p2', userId: 'u2', role: 'owner' });
    await workspaces.insertMembership({ workspaceId: 'w1', userId: 'u2', role: 'member' });
    assert.deepEqual((await workspaces.listForUser('u2')).map((m) => [m.workspaceId, m.plan, m.role]), [
      ['p2', 'personal', 'owner'],
      ['w1', 'workspace', 'member'],
    ]);
    assert.equal(await workspaces.countOwners('w1'), 1);
    assert.deepEqual((await workspaces.findMembership('w1', 'u2'))?.role, 'member');
    await assert.rejects(workspaces.insertWorkspace({ id: 'p3', name: 'Again', plan: 'personal', personalOwnerId: 'u2' }), 'one personal workspace per user');
    await assert.rejects(workspaces.insertMembership({ workspaceId: 'w1', userId: 'u2', role: 'admin' }), 'one membership per user and workspace');
    assert.equal((await workspaces.setPlan('w1', 'personal'))?.plan, 'personal');
    assert.equal((await workspaces.setPlan('w1', 'workspace'))?.plan, 'workspace');
    assert.equal(await workspaces.deleteMembership('w1', 'u2'), true);
    assert.equal(await workspaces.deleteMembership('w1', 'u2'), false);
  });

  test('oauth apps: insert, update, list, delete', async () => {
    const apps = new OAuthAppsRepo(store.db);
    await apps.insert({ domain: 'acme', client_id: 'id', client_secret: 'tv1.sealed', secret_last4: 'abcd', created_at: T0, updated_at: T0, authorize_params: JSON.stringify({ prompt: 'consent' }) });
    assert.deepEqual((await apps.find('acme'))?.authorize_params, { prompt: 'consent' }, 'jsonb round trip');
    assert.equal((await apps.update('acme', { client_id: 'id2', updated_at: at(1) })).client_id, 'id2');
    assert.deepEqual((await apps.list()).map((a) => a.domain), ['acme']);
    assert.equal(await apps.delete('acme'), true);
    assert.equal(await apps.delete('acme'), false);
  });

  const insertConnection = (id: string, patch: Partial<Parameters<ConnectionsRepo['insert']>[0]> = {}) =>
    connections.insert({
      id,
      workspace_id: 'w1',
      owner_id: 'u1',
      domain: 'acme',
      name: id,
      status: 'active',
      status_reason: null,
      account_id: 'acct',
      account_display: 'acct@example.com',
      scopes: JSON.stringify(['a', 'b']),
      access_token: 'tv1.at',
      refresh_token: 'tv1.rt',
      token_type: 'bearer',
      token_expires_at: at(100),
      last_refreshed_at: T0,
      refresh_due_at: at(40),
      created_at: T0,
      updated_at: T0,
      ...patch,
    });

  test('connections: jsonb scopes, visibility (own + shared), access row in one query', async () => {
    await insertConnection('c-own');
    await insertConnection('c-other', { owner_id: 'u2' });
    await insertConnection('c-shared', { owner_id: 'u2', shared_level: 'use', shared_by: 'u2', shared_at: T0 });
    assert.deepEqual((await connections.find('c-own'))?.scopes, ['a', 'b']);
    assert.deepEqual((await connections.listVisible('w1', 'u1')).map((c) => c.id), ['c-own', 'c-shared']);
    const access = new ConnectionAccessRepo(store.db);
    assert.equal((await access.findForActor('c-own', 'u1'))?.member_role, 'owner');
    assert.equal((await access.findForActor('c-own', 'u2'))?.member_role, null, 'not a member');
    assert.equal((await access.findForActor('c-own', 'u1'))?.plan, 'workspace');
  });

  test('refresh lease: only one holder at a time, not before due unless forced, taken over once expired', async () => {
    await insertConnection('c-lease');
    assert.equal(await connections.claimLease('c-lease', 'A', at(0), at(30), false), undefined, 'not due yet');
    const a = await connections.claimLease('c-lease', 'A', at(45), at(75), false);
    assert.equal(a?.refresh_lease_owner, 'A');
    assert.equal(a?.status, 'refreshing');
    assert.equal(await connections.claimLease('c-lease', 'B', at(50), at(80), true), undefined, 'held: even a forced claim waits');
    const b = await connections.claimLease('c-lease', 'B', at(76), at(106), false);
    assert.equal(b?.refresh_lease_owner, 'B', 'an expired lease is taken over');
    assert.equal(await connections.finishRefresh('c-lease', 'A', { status: 'active' }), undefined, "the old holder's result is discarded");
    const done = await connections.finishRefresh('c-lease', 'B', { status: 'active', refresh_due_at: at(500) });
    assert.equal(done?.refresh_lease_owner, null);
    assert.equal(done?.status, 'active');
  });

  test('claimDue: due rows only, not in backoff, not leased, not disconnected or reauthorize; concurrent claims never overlap', async () => {
    await store.db.deleteFrom('connections').execute();
    for (let i = 0; i < 20; i++) await insertConnection(`due-${i}`, { refresh_due_at: at(10) });
    await insertConnection('later', { refresh_due_at: at(1000) });
    await insertConnection('backoff', { refresh_due_at: at(10), refresh_retry_at: at(500) });
    await insertConnection('gone', { refresh_due_at: at(10), status: 'disconnected' });
    await insertConnection('reauth', { refresh_due_at: at(10), status: 'reauthorize' });
    await insertConnection('norefresh', { refresh_due_at: at(10), refresh_token: null });
    const [x, y] = await Promise.all([
      connections.claimDue('X', at(20), at(30), at(60), 12),
      connections.claimDue('Y', at(20), at(30), at(60), 12),
    ]);
    const ids = [...x, ...y].map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length, 'no row claimed twice');
    assert.equal(ids.length, 20);
    assert.ok(ids.every((id) => id.startsWith('due-')));
    assert.deepEqual(await connections.claimDue('Z', at(20), at(30), at(60), 50), [], 'all leased now');
  });

  test('a disconnected connection is never brought back by a conditional update (reconnect racing a disconnect)', async () => {
    await insertConnection('c-gone', { status: 'disconnected', access_token: null, refresh_token: null });
    assert.equal(await connections.updateUnlessDisconnected('c-gone', { status: 'active', access_token: 'tv1.new' }), undefined);
    const row = await connections.find('c-gone');
    assert.equal(row?.status, 'disconnected');
    assert.equal(row?.access_token, null);
    await insertConnection('c-live');
    assert.equal((await connections.updateUnlessDisconnected('c-live', { name: 'renamed' }))?.name, 'renamed');
  });

  test('connect sessions: single use under a race', async () => {
    await connections.insertSession({ id: 'cs1', state_hash: 'sh', binding_hash: 'bh', user_id: 'u1', workspace_id: 'w1', domain: 'acme', name: null, scopes: '[]', redirect_uri: 'http://x/cb', expires_at: at(600), created_at: T0, code_verifier: null, nonce: null, connection_id: null });
    assert.equal((await connections.findSessionByStateHash('sh'))?.id, 'cs1');
    const results = await Promise.all([connections.consumeSession('cs1', T0), connections.consumeSession('cs1', T0), connections.consumeSession('cs1', T0)]);
    assert.deepEqual(results.filter(Boolean).length, 1);
    await connections.deleteSessionsBefore(at(601));
    assert.equal(await connections.findSessionByStateHash('sh'), undefined);
  });
});
