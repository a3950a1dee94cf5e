import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { httpNode, sharingWorld, type SharingWorld } from './helpers/world.ts';
import { registerPeerApp } from './helpers/oauth.ts';
import { PEER_SECRET } from './helpers/world.ts';
import { testDbKind } from './helpers/db.ts';

/** SPEC §7, sentence by sentence. */
describe(`SPEC §7 workflows and nodes on ${testDbKind}`, () => {
  let w: SharingWorld;
  before(async () => {
    w = await sharingWorld();
  });
  after(() => w?.close());

  const workflow = (who: SharingWorld['owner'], id: string) => who.client.get(`/api/v1/workflows/${id}`);

  test('a workflow belongs to a workspace and a user; its action nodes name an action, scopes and a connection reference', async () => {
    const id = await w.connect();
    const res = await w.owner.client.post(`/api/v1/workspaces/${w.ws}/workflows`, { name: 'Daily digest', nodes: [httpNode('fetch', { id, via: 'personal' }, ['api:read'])] });
    assert.equal(res.status, 201);
    const wf = (await workflow(w.owner, res.json.id as string)).json;
    assert.deepEqual(Object.keys(wf).sort(), ['id', 'name', 'nodes', 'ownerId', 'status', 'workspaceId']);
    assert.equal(wf.ownerId, w.owner.id);
    assert.equal(wf.workspaceId, w.ws);
    assert.equal(wf.status, 'ok');
    assert.deepEqual(wf.nodes[0], { id: 'fetch', action: 'http.request', scopes: ['api:read'], connection: { id, via: 'personal' }, params: { method: 'GET', path: '/items/fetch' }, credentialStatus: 'ok' });
    const list = (await w.user.client.get(`/api/v1/workspaces/${w.ws}/workflows`)).body as { id: string }[];
    assert.ok(list.some((x) => x.id === res.json.id), 'listed for the workspace');
    assert.equal((await workflow(w.outsider, res.json.id as string)).status, 404);
  });

  test('a node that needs scopes the connection lacks is refused, naming the missing scopes', async () => {
    const id = await w.connect();
    const res = await w.owner.client.post(`/api/v1/workspaces/${w.ws}/workflows`, { name: 'Too much', nodes: [httpNode('a', { id, via: 'personal' }, ['api:read', 'api:admin'])] });
    assert.equal(res.status, 403);
    assert.equal(res.json.error.code, 'insufficient_scope');
    assert.deepEqual(res.json.error.details.missing, ['api:admin']);
  });

  test('removing or unsharing a connection never deletes a workflow: it marks the nodes credential_invalid with the reason, and the workflow needs_attention', async () => {
    const id = await w.connect();
    const wf = await w.owner.client.post(`/api/v1/workspaces/${w.ws}/workflows`, { name: 'Survives', nodes: [httpNode('a', { id, via: 'personal' }), httpNode('b', null)] });
    await w.owner.client.delete(`/api/v1/connections/${id}`);
    const got = await workflow(w.owner, wf.json.id as string);
    assert.equal(got.status, 200, 'still there');
    assert.equal(got.json.status, 'needs_attention');
    assert.equal(got.json.nodes[0].credentialStatus, 'invalid');
    assert.match(got.json.nodes[0].invalidReason, /disconnected the connection/);
    assert.equal(got.json.nodes.length, 2);
  });

  test('running checks every node first; if any is invalid nothing executes: 409 credential_invalid naming each broken node, and the run is recorded as failed', async () => {
    const good = await w.connect();
    const doomed = await w.connect();
    const wf = await w.owner.client.post(`/api/v1/workspaces/${w.ws}/workflows`, { name: 'All or nothing', nodes: [httpNode('first', { id: good, via: 'personal' }), httpNode('second', { id: doomed, via: 'personal' })] });
    await w.owner.client.delete(`/api/v1/connections/${doomed}`);
    w.api.calls.length = 0;
    const run = await w.owner.client.post(`/api/v1/workflows/${wf.json.id as string}/run`, {});
    assert.equal(run.status, 409);
    assert.equal(run.json.error.code, 'credential_invalid');
    assert.deepEqual((run.json.error.details.nodes as { nodeId: string }[]).map((n) => n.nodeId), ['second']);
    assert.match(run.json.error.message, /second/);
    assert.equal(w.api.calls.length, 0, 'no step executed: no partial side effects');
    const runs = await w.t.store.db.selectFrom('workflow_runs').selectAll().where('workflow_id', '=', wf.json.id as string).execute();
    assert.deepEqual(runs.map((r) => r.status), ['failed']);
  });

  test('otherwise it executes the action nodes against the provider API through Tether, in order', async () => {
    const id = await w.connect();
    const wf = await w.owner.client.post(`/api/v1/workspaces/${w.ws}/workflows`, { name: 'Runs', nodes: [httpNode('one', { id, via: 'personal' }), { id: 'two', action: 'slack.post_message', params: { channel: 'C1', text: 'hi' }, connection: { id, via: 'personal' } }] });
    w.api.calls.length = 0;
    const run = await w.owner.client.post(`/api/v1/workflows/${wf.json.id as string}/run`, {});
    assert.equal(run.status, 200);
    assert.equal(run.json.status, 'succeeded');
    assert.deepEqual((run.json.steps as { nodeId: string; status: string }[]).map((s) => [s.nodeId, s.status]), [
      ['one', 'succeeded'],
      ['two', 'succeeded'],
    ]);
    assert.deepEqual(w.api.calls.map((c) => c.path), ['/api/items/one', '/api/chat.postMessage']);
    assert.deepEqual(JSON.parse(w.api.calls[1]?.body ?? '{}'), { channel: 'C1', text: 'hi' });
    assert.match(w.api.calls[0]?.authorization ?? '', /^Bearer .+/);
    assert.ok(!JSON.stringify(run.body).includes((w.api.calls[0]?.authorization ?? '').slice(7)), 'the token is not in the run answer');
  });

  test('the owners of workflows that break are told: a notification naming the workflow, the node, the connection and who caused it', async () => {
    const id = await w.connect();
    await w.owner.client.post(`/api/v1/connections/${id}/promote`, {});
    await w.t.store.db.updateTable('connections').set({ name: 'Team CRM' }).where('id', '=', id).execute();
    const wf = await w.user.client.post(`/api/v1/workspaces/${w.ws}/workflows`, { name: 'Sync leads', nodes: [httpNode('pull', { id, via: 'workspace' })] });
    await w.owner.client.post(`/api/v1/connections/${id}/unshare`);
    const notes = (await w.user.client.get('/api/v1/notifications?unread=true')).body as { id: string; message: string; workflowId: string; nodeId: string; connectionId: string; read: boolean }[];
    const note = notes.find((n) => n.workflowId === wf.json.id);
    assert.ok(note);
    assert.equal(note.nodeId, 'pull');
    assert.equal(note.connectionId, id);
    assert.match(note.message, /Sync leads/);
    assert.match(note.message, /pull/);
    assert.match(note.message, /Team CRM/);
    assert.match(note.message, /admin@example\.com|removed the connection/);
    assert.equal((await w.user.client.post(`/api/v1/notifications/${note.id}/read`)).status, 204);
    const unread = (await w.user.client.get('/api/v1/notifications?unread=true')).body as { id: string }[];
    assert.ok(!unread.some((n) => n.id === note.id));
    assert.equal((await w.other.client.post(`/api/v1/notifications/${note.id}/read`)).status, 404, "not someone else's");
  });

  test('selecting a valid replacement connection on a node makes it valid again, and the run succeeds', async () => {
    const gone = await w.connect();
    const wf = await w.owner.client.post(`/api/v1/workspaces/${w.ws}/workflows`, { name: 'Mended', nodes: [httpNode('a', { id: gone, via: 'personal' })] });
    await w.owner.client.delete(`/api/v1/connections/${gone}`);
    assert.equal((await w.owner.client.post(`/api/v1/workflows/${wf.json.id as string}/run`, {})).status, 409);
    const replacement = await w.connect();
    const bad = await w.owner.client.patch(`/api/v1/workflows/${wf.json.id as string}/nodes/a`, { connection: { id: gone, via: 'personal' } });
    assert.equal(bad.status, 403, 'a disconnected connection is no replacement');
    const patched = await w.owner.client.patch(`/api/v1/workflows/${wf.json.id as string}/nodes/a`, { connection: { id: replacement, via: 'personal' } });
    assert.equal(patched.status, 200);
    assert.equal(patched.json.credentialStatus, 'ok');
    assert.equal(patched.json.invalidReason, undefined);
    assert.equal((await workflow(w.owner, wf.json.id as string)).json.status, 'ok');
    assert.equal((await w.owner.client.post(`/api/v1/workflows/${wf.json.id as string}/run`, {})).json.status, 'succeeded');
    assert.equal((await w.user.client.patch(`/api/v1/workflows/${wf.json.id as string}/nodes/a`, { connection: null })).status, 403, 'only the workflow owner edits it');
  });

  test('deleting the OAuth app breaks every node on its connections (they must be reconnected)', async () => {
    const id = await w.connect();
    const wf = await w.owner.client.post(`/api/v1/workspaces/${w.ws}/workflows`, { name: 'App gone', nodes: [httpNode('a', { id, via: 'personal' })] });
    const impact = await w.owner.client.get('/api/v1/admin/oauth-apps/acme/impact');
    assert.equal(impact.status, 200);
    assert.ok((impact.json.workflows as { id: string }[]).some((x) => x.id === wf.json.id), 'the impact is shown before the delete');
    assert.equal((await w.user.client.get('/api/v1/admin/oauth-apps/acme/impact')).status, 403);
    assert.equal((await w.owner.client.delete('/api/v1/admin/oauth-apps/acme')).status, 204);
    try {
      const got = (await workflow(w.owner, wf.json.id as string)).json;
      assert.equal(got.status, 'needs_attention');
      assert.match(got.nodes[0].invalidReason, /OAuth app/);
      assert.equal((await w.owner.client.get(`/api/v1/connections/${id}`)).json.status, 'reauthorize');
    } finally {
      await registerPeerApp(w, w.peer.issuer, PEER_SECRET, { apiBaseUrl: w.api.base });
    }
  });
});
