import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { signedUp } from './helpers/app.ts';
import { countConnections, deliverCallback, flowCookieOf } from './helpers/oauth.ts';
import { sharingWorld, type SharingWorld } from './helpers/world.ts';
import { testDbKind } from './helpers/db.ts';

/**
 * Regression: access to the workspace was checked when a connect started, never when it
 * completed. Within the session's 10 minutes a person removed from the workspace (or a
 * workspace moved back to the personal plan) still got a new connection written into it, with
 * live tokens the background worker kept refreshing — and which nobody could then see or
 * disconnect (the owner is no longer a member). Reconnect already re-checked; connect did not.
 */
describe(`connect: workspace access is checked again at the callback on ${testDbKind}`, () => {
  let w: SharingWorld;
  before(async () => {
    w = await sharingWorld();
  });
  after(() => w?.close());

  test('a member removed mid-flow gets no connection in the workspace', async () => {
    const p = await signedUp(w.t, 'leaver@example.com', { admin: w.admin });
    assert.equal((await w.admin.post(`/api/v1/workspaces/${w.ws}/members`, { email: 'leaver@example.com', role: 'member' })).status, 201);
    const start = await p.client.post(`/api/v1/workspaces/${w.ws}/connect`, { domain: 'acme' });
    assert.equal(start.status, 201);
    const callback = await w.peer.authorize(start.json.authorizationUrl as string, { accountId: 'alice' });
    assert.equal((await w.admin.delete(`/api/v1/workspaces/${w.ws}/members/${p.userId}`)).status, 204);
    const before = await countConnections(w.t);
    const page = await deliverCallback(w.t, callback, flowCookieOf(start));
    assert.notEqual(page.status, 200, 'refused');
    assert.equal(await countConnections(w.t), before, 'nothing saved');
  });

  test('a workspace moved to the personal plan mid-flow gets no connection', async () => {
    const ws = (await w.admin.post('/api/v1/workspaces', { name: 'Downgraded' })).json.id as string;
    const start = await w.admin.post(`/api/v1/workspaces/${ws}/connect`, { domain: 'acme' });
    assert.equal(start.status, 201);
    const callback = await w.peer.authorize(start.json.authorizationUrl as string, { accountId: 'alice' });
    assert.equal((await w.admin.patch(`/api/v1/admin/workspaces/${ws}`, { plan: 'personal' })).status, 200);
    const before = await countConnections(w.t);
    const page = await deliverCallback(w.t, callback, flowCookieOf(start));
    assert.notEqual(page.status, 200, 'refused');
    assert.equal(await countConnections(w.t), before, 'nothing saved');
  });

  test('a member still in the workspace connects as before', async () => {
    const start = await w.user.client.post(`/api/v1/workspaces/${w.ws}/connect`, { domain: 'acme' });
    const page = await deliverCallback(w.t, await w.peer.authorize(start.json.authorizationUrl as string, { accountId: 'alice' }), flowCookieOf(start));
    assert.equal(page.status, 200);
  });
});
