import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../src/core/errors.ts';
import { WorkspacesService } from '../src/services/workspaces.ts';
import { Client, createTestApp, signedUp, type TestApp } from './helpers/app.ts';
import { testDbKind } from './helpers/db.ts';

describe(`Workspaces (API.md "Workspaces") on ${testDbKind}`, () => {
  let t: TestApp;
  let owner: Client;
  let ownerId: string;
  let ownerPersonal: string;
  let member: Client;
  let memberId: string;
  let outsider: Client;
  let ws: string;

  before(async () => {
    t = await createTestApp();
    const o = await signedUp(t, 'owner@example.com');
    owner = o.client;
    ownerId = o.userId;
    ownerPersonal = o.personalWs;
    const m = await signedUp(t, 'member@example.com', { admin: owner });
    member = m.client;
    memberId = m.userId;
    outsider = (await signedUp(t, 'outsider@example.com', { admin: owner })).client;
    await signedUp(t, 'carol@example.com', { admin: owner });
    await signedUp(t, 'dave@example.com', { admin: owner });
  });
  after(() => t.close());

  test('POST /workspaces → 201 {id, name, plan: "workspace", role: "owner"}', async () => {
    const res = await owner.post('/api/v1/workspaces', { name: 'Marketing' });
    assert.equal(res.status, 201);
    assert.deepEqual(Object.keys(res.json).sort(), ['id', 'name', 'plan', 'role']);
    assert.equal(res.json.name, 'Marketing');
    assert.equal(res.json.plan, 'workspace');
    assert.equal(res.json.role, 'owner');
    ws = res.json.id as string;
    const me = await owner.get('/api/v1/me');
    assert.deepEqual(
      (me.json.workspaces as { id: string; plan: string }[]).map((w) => [w.id, w.plan]),
      [
        [ownerPersonal, 'personal'],
        [ws, 'workspace'],
      ],
    );
  });

  test('POST /workspaces: missing name → 400 invalid_request; anonymous → 401', async () => {
    const bad = await owner.post('/api/v1/workspaces', {});
    assert.equal(bad.status, 400);
    assert.deepEqual((bad.json.error.details.fields as { field: string }[]).map((f) => f.field), ['name']);
    assert.equal((await new Client(t).post('/api/v1/workspaces', { name: 'x' })).status, 401);
  });

  test('GET /workspaces/:ws/members → [{userId, email, role}]', async () => {
    const res = await owner.get(`/api/v1/workspaces/${ws}/members`);
    assert.equal(res.status, 200);
    const list = res.body as { userId: string; email: string; role: string }[];
    assert.equal(list.length, 1);
    assert.equal(list[0]?.userId, ownerId);
    assert.equal(list[0]?.email, 'owner@example.com');
    assert.equal(list[0]?.role, 'owner');
  });

  test('GET /workspaces/:ws/members by a non-member → 404 (existence not revealed)', async () => {
    const res = await outsider.get(`/api/v1/workspaces/${ws}/members`);
    assert.equal(res.status, 404);
    assert.equal(res.json.error.code, 'workspace_not_found');
    assert.equal((await outsider.get('/api/v1/workspaces/ws_doesnotexist/members')).status, 404);
  });

  test('POST /workspaces/:ws/members (owner) → 201; the member sees the workspace', async () => {
    const res = await owner.post(`/api/v1/workspaces/${ws}/members`, { email: 'MEMBER@example.com', role: 'member' });
    assert.equal(res.status, 201);
    assert.equal(res.json.userId, memberId);
    assert.equal(res.json.role, 'member');
    const me = await member.get('/api/v1/me');
    assert.ok((me.json.workspaces as { id: string; role: string }[]).some((w) => w.id === ws && w.role === 'member'));
    const list = (await member.get(`/api/v1/workspaces/${ws}/members`)).body as { email: string }[];
    assert.deepEqual(list.map((m) => m.email).sort(), ['member@example.com', 'owner@example.com']);
  });

  test('POST /workspaces/:ws/members: unknown email → 404 user_not_found; already a member → 409', async () => {
    const unknown = await owner.post(`/api/v1/workspaces/${ws}/members`, { email: 'ghost@example.com', role: 'member' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error.code, 'user_not_found');
    const again = await owner.post(`/api/v1/workspaces/${ws}/members`, { email: 'member@example.com', role: 'admin' });
    assert.equal(again.status, 409);
    assert.equal(again.json.error.code, 'already_member');
  });

  test('POST /workspaces/:ws/members by a plain member → 403; by a non-member → 404; bad role → 400', async () => {
    const byMember = await member.post(`/api/v1/workspaces/${ws}/members`, { email: 'carol@example.com', role: 'member' });
    assert.equal(byMember.status, 403);
    assert.equal(byMember.json.error.code, 'forbidden');
    const byOutsider = await outsider.post(`/api/v1/workspaces/${ws}/members`, { email: 'carol@example.com', role: 'member' });
    assert.equal(byOutsider.status, 404);
    const badRole = await owner.post(`/api/v1/workspaces/${ws}/members`, { email: 'carol@example.com', role: 'superuser' });
    assert.equal(badRole.status, 400);
    assert.equal(badRole.json.error.code, 'invalid_request');
    const members = (await owner.get(`/api/v1/workspaces/${ws}/members`)).body as unknown[];
    assert.equal(members.length, 2, 'nothing was added by the refused calls');
  });

  test('a workspace admin adds members but cannot make owners or remove owners', async () => {
    assert.equal((await owner.post(`/api/v1/workspaces/${ws}/members`, { email: 'carol@example.com', role: 'admin' })).status, 201);
    const carol = new Client(t);
    await carol.post('/api/v1/auth/login', { email: 'carol@example.com', password: 'correct horse battery' });
    assert.equal((await carol.post(`/api/v1/workspaces/${ws}/members`, { email: 'dave@example.com', role: 'member' })).status, 201);
    const makeOwner = await carol.post(`/api/v1/workspaces/${ws}/members`, { email: 'outsider@example.com', role: 'owner' });
    assert.equal(makeOwner.status, 403);
    const removeOwner = await carol.delete(`/api/v1/workspaces/${ws}/members/${ownerId}`);
    assert.equal(removeOwner.status, 403);
  });

  test('DELETE /workspaces/:ws/members/:userId: a plain member cannot remove someone else → 403', async () => {
    const res = await member.delete(`/api/v1/workspaces/${ws}/members/${ownerId}`);
    assert.equal(res.status, 403);
  });

  test('DELETE /workspaces/:ws/members/:userId: the member themself leaves → 204 and loses access', async () => {
    const res = await member.delete(`/api/v1/workspaces/${ws}/members/${memberId}`);
    assert.equal(res.status, 204);
    assert.equal((await member.get(`/api/v1/workspaces/${ws}/members`)).status, 404);
    const me = await member.get('/api/v1/me');
    assert.ok(!(me.json.workspaces as { id: string }[]).some((w) => w.id === ws));
  });

  test('DELETE /workspaces/:ws/members/:userId: the owner removes a member → 204; unknown member → 404', async () => {
    const members = (await owner.get(`/api/v1/workspaces/${ws}/members`)).body as { userId: string; email: string }[];
    const dave = members.find((m) => m.email === 'dave@example.com');
    assert.ok(dave);
    assert.equal((await owner.delete(`/api/v1/workspaces/${ws}/members/${dave.userId}`)).status, 204);
    assert.equal((await owner.delete(`/api/v1/workspaces/${ws}/members/${dave.userId}`)).status, 404);
  });

  test('the last owner can neither leave nor be removed → 409 last_owner', async () => {
    const res = await owner.delete(`/api/v1/workspaces/${ws}/members/${ownerId}`);
    assert.equal(res.status, 409);
    assert.equal(res.json.error.code, 'last_owner');
    assert.equal((await owner.get(`/api/v1/workspaces/${ws}/members`)).status, 200);
  });

  test('PATCH /admin/workspaces/:ws {plan} → 200 for an instance admin', async () => {
    const res = await owner.patch(`/api/v1/admin/workspaces/${ownerPersonal}`, { plan: 'workspace' });
    assert.equal(res.status, 200);
    assert.equal(res.json.plan, 'workspace');
    const me = await owner.get('/api/v1/me');
    assert.equal((me.json.workspaces as { id: string; plan: string }[]).find((w) => w.id === ownerPersonal)?.plan, 'workspace');
    assert.equal((await owner.patch(`/api/v1/admin/workspaces/${ownerPersonal}`, { plan: 'personal' })).status, 200);
  });

  test('PATCH /admin/workspaces/:ws: non-admin → 403 admin_required; unknown → 404; bad plan → 400', async () => {
    const res = await member.patch(`/api/v1/admin/workspaces/${ws}`, { plan: 'personal' });
    assert.equal(res.status, 403);
    assert.equal(res.json.error.code, 'admin_required');
    assert.equal((await owner.patch('/api/v1/admin/workspaces/ws_missing', { plan: 'workspace' })).status, 404);
    const bad = await owner.patch(`/api/v1/admin/workspaces/${ws}`, { plan: 'enterprise' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, 'invalid_request');
  });

  test('the plan guard: a personal-plan workspace answers plan_required, a workspace-plan one passes', async () => {
    const service = new WorkspacesService({ db: t.store.db });
    const actor = { userId: ownerId, isAdmin: true, via: 'session' as const };
    await assert.rejects(
      service.requireMembership(actor, ownerPersonal, { plan: 'workspace' }),
      (err: unknown) => err instanceof AppError && err.code === 'plan_required' && /Workspace plan/.test(err.message),
    );
    const ok = await service.requireMembership(actor, ws, { plan: 'workspace' });
    assert.equal(ok.plan, 'workspace');
  });
});
