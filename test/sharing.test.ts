import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { httpNode, sharingWorld, type SharingWorld } from './helpers/world.ts';
import { testDbKind } from './helpers/db.ts';

/** SPEC §6, sentence by sentence. */
describe(`SPEC §6 sharing and ownership on ${testDbKind}`, () => {
  let w: SharingWorld;
  before(async () => {
    w = await sharingWorld();
  });
  after(() => w?.close());

  const get = (who: SharingWorld['owner'], id: string) => who.client.get(`/api/v1/connections/${id}`);
  const token = (who: SharingWorld['owner'], id: string) => who.client.post(`/api/v1/connections/${id}/token`, {});

  test('a connection is always owned by the user who created it; it starts personal', async () => {
    const id = await w.connect();
    const c = (await get(w.owner, id)).json;
    assert.equal(c.ownerId, w.owner.id);
    assert.equal(c.shared, null);
    assert.equal((await get(w.user, id)).status, 404, "another user's private connection is 404");
    assert.deepEqual(((await w.user.client.get(`/api/v1/workspaces/${w.ws}/connections`)).body as unknown[]).length, 0);
    assert.equal((await token(w.user, id)).status, 404);
  });

  test('Promote to Workspace: every member can then select it without authenticating; shared view shows shared by and when', async () => {
    const id = await w.connect();
    const res = await w.owner.client.post(`/api/v1/connections/${id}/promote`, {});
    assert.equal(res.status, 200);
    assert.equal(res.json.shared.level, 'use');
    assert.equal(res.json.shared.sharedBy, w.owner.id);
    assert.ok(res.json.shared.sharedAt);
    const listed = (await w.user.client.get(`/api/v1/workspaces/${w.ws}/connections`)).body as { id: string; accountName: string; lastRefreshedAt: string }[];
    const seen = listed.find((c) => c.id === id);
    assert.ok(seen, 'the member sees it');
    assert.equal(seen.accountName, 'alice@example.test');
    assert.ok(seen.lastRefreshedAt);
    assert.equal((await token(w.user, id)).status, 200, 'the member can use it');
    assert.equal((await w.outsider.client.get(`/api/v1/connections/${id}`)).status, 404, 'non-members still cannot');
  });

  test('a share has a level: use (select it, run with it) or manage (also refresh and reconnect)', async () => {
    const id = await w.connect();
    await w.owner.client.post(`/api/v1/connections/${id}/promote`, { level: 'use' });
    assert.equal((await w.user.client.post(`/api/v1/connections/${id}/refresh`)).status, 403, 'use: no refresh');
    assert.equal((await w.user.client.post(`/api/v1/connections/${id}/reconnect`, {})).status, 403, 'use: no reconnect');
    const manage = await w.owner.client.post(`/api/v1/connections/${id}/promote`, { level: 'manage' });
    assert.equal(manage.json.shared.level, 'manage');
    assert.equal((await w.user.client.post(`/api/v1/connections/${id}/refresh`)).status, 200, 'manage: refresh');
    assert.equal((await w.user.client.post(`/api/v1/connections/${id}/reconnect`, {})).status, 201, 'manage: reconnect');
  });

  test('only the owner disconnects or unshares (a manage share does not allow it), and only the owner promotes', async () => {
    const id = await w.connect();
    await w.owner.client.post(`/api/v1/connections/${id}/promote`, { level: 'manage' });
    assert.equal((await w.user.client.delete(`/api/v1/connections/${id}`)).status, 403);
    assert.equal((await w.user.client.post(`/api/v1/connections/${id}/unshare`)).status, 403);
    assert.equal((await w.user.client.post(`/api/v1/connections/${id}/promote`, { level: 'manage' })).status, 403);
    assert.equal((await w.user.client.patch(`/api/v1/connections/${id}`, { name: 'mine now' })).status, 403);
    assert.equal((await get(w.owner, id)).json.status, 'active');
  });

  test('Remove from Workspace: members lose access; the connection stays active for the owner', async () => {
    const id = await w.connect();
    await w.owner.client.post(`/api/v1/connections/${id}/promote`, {});
    assert.equal((await token(w.user, id)).status, 200);
    const res = await w.owner.client.post(`/api/v1/connections/${id}/unshare`);
    assert.equal(res.status, 200);
    assert.equal(res.json.shared, null);
    assert.equal(res.json.status, 'active');
    assert.equal((await token(w.user, id)).status, 404);
    assert.equal((await token(w.owner, id)).status, 200);
  });

  test('Remove from Workspace breaks nodes that used it through the workspace share — the owner’s own too — but not personal use', async () => {
    const id = await w.connect();
    await w.owner.client.post(`/api/v1/connections/${id}/promote`, {});
    const mine = await w.owner.client.post(`/api/v1/workspaces/${w.ws}/workflows`, { name: 'Owner via workspace', nodes: [httpNode('a', { id, via: 'workspace' }), httpNode('b', { id, via: 'personal' })] });
    const theirs = await w.user.client.post(`/api/v1/workspaces/${w.ws}/workflows`, { name: 'User via workspace', nodes: [httpNode('a', { id, via: 'workspace' })] });
    assert.equal(mine.status, 201);
    assert.equal(theirs.status, 201);
    const impact = await w.owner.client.get(`/api/v1/connections/${id}/impact?action=unshare`);
    assert.deepEqual(
      (impact.json.workflows as { id: string; nodes: { id: string }[] }[]).map((x) => [x.id, x.nodes.map((n) => n.id)]).sort(),
      [
        [mine.json.id, ['a']],
        [theirs.json.id, ['a']],
      ].sort(),
    );
    await w.owner.client.post(`/api/v1/connections/${id}/unshare`);
    const m = (await w.owner.client.get(`/api/v1/workflows/${mine.json.id as string}`)).json;
    assert.equal(m.status, 'needs_attention');
    assert.equal(m.nodes[0].credentialStatus, 'invalid');
    assert.match(m.nodes[0].invalidReason, /removed the connection/);
    assert.equal(m.nodes[1].credentialStatus, 'ok', 'the owner’s personal use is untouched');
    const t = (await w.user.client.get(`/api/v1/workflows/${theirs.json.id as string}`)).json;
    assert.equal(t.nodes[0].credentialStatus, 'invalid');
    // … until the owner switches it to personal use.
    const fixed = await w.owner.client.patch(`/api/v1/workflows/${mine.json.id as string}/nodes/a`, { connection: { id, via: 'personal' } });
    assert.equal(fixed.status, 200);
    assert.equal(fixed.json.credentialStatus, 'ok');
    assert.equal((await w.owner.client.get(`/api/v1/workflows/${mine.json.id as string}`)).json.status, 'ok');
  });

  test('Disconnect by the owner: every node of every user that used it breaks', async () => {
    const id = await w.connect();
    await w.owner.client.post(`/api/v1/connections/${id}/promote`, {});
    const mine = await w.owner.client.post(`/api/v1/workspaces/${w.ws}/workflows`, { name: 'Mine', nodes: [httpNode('a', { id, via: 'personal' })] });
    const theirs = await w.user.client.post(`/api/v1/workspaces/${w.ws}/workflows`, { name: 'Theirs', nodes: [httpNode('a', { id, via: 'workspace' })] });
    const impact = (await w.owner.client.get(`/api/v1/connections/${id}/impact?action=disconnect`)).json.workflows as { id: string; ownerId: string; ownerEmail: string }[];
    assert.deepEqual(impact.map((x) => x.ownerId).sort(), [w.owner.id, w.user.id].sort());
    // People are named by email in the preview (the UI shows "owner: bob@…", not an id).
    const me = async (p: typeof w.owner) => ((await p.client.get('/api/v1/me')).json.user.email as string);
    assert.deepEqual(
      impact.map((x) => [x.ownerId, x.ownerEmail]).sort(),
      [[w.owner.id, await me(w.owner)], [w.user.id, await me(w.user)]].sort(),
    );
    assert.equal((await w.owner.client.delete(`/api/v1/connections/${id}`)).status, 204);
    for (const [who, wf] of [[w.owner, mine], [w.user, theirs]] as const) {
      const got = (await who.client.get(`/api/v1/workflows/${wf.json.id as string}`)).json;
      assert.equal(got.status, 'needs_attention');
      assert.match(got.nodes[0].invalidReason, /disconnected/);
    }
  });

  test('a user who leaves or is removed: their connections are unshared from that workspace, with the same effect as Remove from Workspace', async () => {
    const id = await w.connect(w.other);
    await w.other.client.post(`/api/v1/connections/${id}/promote`, {});
    const wf = await w.user.client.post(`/api/v1/workspaces/${w.ws}/workflows`, { name: 'Uses other’s', nodes: [httpNode('a', { id, via: 'workspace' })] });
    assert.equal(wf.status, 201);
    const preview = await w.owner.client.get(`/api/v1/workspaces/${w.ws}/members/${w.other.id}/impact`);
    assert.deepEqual((preview.json.workflows as { id: string }[]).map((x) => x.id), [wf.json.id]);
    assert.equal((await w.owner.client.delete(`/api/v1/workspaces/${w.ws}/members/${w.other.id}`)).status, 204);
    const row = await w.t.store.db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.shared_level, null, 'unshared');
    assert.equal(row.status, 'active');
    const got = (await w.user.client.get(`/api/v1/workflows/${wf.json.id as string}`)).json;
    assert.equal(got.status, 'needs_attention');
    assert.equal((await w.user.client.post(`/api/v1/connections/${id}/token`, {})).status, 404);
    await w.owner.client.post(`/api/v1/workspaces/${w.ws}/members`, { email: 'other@example.com', role: 'member' });
  });

  test('the selectable connections for a node are the user’s own plus those shared to the workflow’s workspace', async () => {
    const own = await w.connect(w.user);
    const shared = await w.connect();
    await w.owner.client.post(`/api/v1/connections/${shared}/promote`, {});
    const privateOne = await w.connect();
    const ok = await w.user.client.post(`/api/v1/workspaces/${w.ws}/workflows`, { name: 'Selectable', nodes: [httpNode('a', { id: own, via: 'personal' }), httpNode('b', { id: shared, via: 'workspace' })] });
    assert.equal(ok.status, 201);
    for (const connection of [
      { id: privateOne, via: 'workspace' },
      { id: privateOne, via: 'personal' },
      { id: shared, via: 'personal' },
      { id: 'conn_missing', via: 'personal' },
    ] as const) {
      const res = await w.user.client.post(`/api/v1/workspaces/${w.ws}/workflows`, { name: 'Not allowed', nodes: [httpNode('a', connection)] });
      assert.equal(res.status, 403, JSON.stringify(connection));
      assert.equal(res.json.error.code, 'connection_not_allowed');
    }
  });

  test('people who build workflows see connection ids and metadata, never a token or secret', async () => {
    const id = await w.connect();
    await w.owner.client.post(`/api/v1/connections/${id}/promote`, {});
    const wf = await w.user.client.post(`/api/v1/workspaces/${w.ws}/workflows`, { name: 'Metadata only', nodes: [httpNode('a', { id, via: 'workspace' })] });
    const sealed = await w.t.store.db.selectFrom('connections').select(['access_token', 'refresh_token']).where('id', '=', id).executeTakeFirstOrThrow();
    const access = w.t.envelope.open(sealed.access_token ?? '', { table: 'connections', id, field: 'access_token' }).reveal();
    const refresh = w.t.envelope.open(sealed.refresh_token ?? '', { table: 'connections', id, field: 'refresh_token' }).reveal();
    const answers = [wf.body, (await w.user.client.get(`/api/v1/workflows/${wf.json.id as string}`)).body, (await w.user.client.get(`/api/v1/connections/${id}`)).body, (await w.user.client.get(`/api/v1/workspaces/${w.ws}/connections`)).body];
    for (const a of answers) {
      const text = JSON.stringify(a);
      assert.ok(!text.includes(access) && !text.includes(refresh));
    }
  });
});
