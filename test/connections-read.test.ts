import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOidcProvider, type OidcPeer } from './peers/oidc-provider.ts';
import { Client, signedUp, type Answer } from './helpers/app.ts';
import { connectWorld, connectedIdOf, deliverCallback, flowCookieOf, type ConnectWorld } from './helpers/oauth.ts';
import { testDbKind } from './helpers/db.ts';

const PEER_SECRET = 'peer-client-secret-read-0123456789';
const REDIRECT = 'http://localhost:3000/oauth/callback';
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

type Connection = Record<string, unknown> & { id: string; name: string; domain: string; ownerId: string; shared: unknown };

function listOf(answer: Answer): Connection[] {
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.ok(Array.isArray(answer.body), 'the list is a JSON array');
  return answer.body as Connection[];
}

function fieldsOf(answer: Answer): string[] {
  return (answer.json.error.details.fields as { field: string }[]).map((f) => f.field).sort();
}

describe(`Connections: list, read, rename (API.md "Connections") on ${testDbKind}`, () => {
  let peer: OidcPeer;
  let w: ConnectWorld;
  let owner: Client;
  let ownerId: string;
  let ownerPersonalWs: string;
  let member: Client;
  let memberId: string;
  let outsider: Client;
  /** The owner's connections: acme (alice) and beta (bob); the member's own acme connection. */
  let ownerAcme: string;
  let ownerBeta: string;
  let memberAcme: string;
  const startedAt = Date.now();

  async function registerPeerApp(domain: string): Promise<void> {
    const put = await w.admin.put(`/api/v1/admin/oauth-apps/${domain}`, {
      clientId: 'tether-read',
      clientSecret: PEER_SECRET,
      authorizeUrl: `${peer.issuer}/auth`,
      tokenUrl: `${peer.issuer}/token`,
      issuer: peer.issuer,
      scopes: 'openid email offline_access',
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
  }

  async function connectAs(client: Client, domain: string, accountId: string, name?: string): Promise<string> {
    const start = await client.post(`/api/v1/workspaces/${w.ws}/connect`, name === undefined ? { domain } : { domain, name });
    assert.equal(start.status, 201, JSON.stringify(start.body));
    const callback = await peer.authorize(start.json.authorizationUrl as string, { accountId });
    const page = await deliverCallback(w.t, callback, flowCookieOf(start));
    assert.equal(page.status, 200, page.html);
    return connectedIdOf(page.html);
  }

  before(async () => {
    peer = await startOidcProvider({ clients: [{ clientId: 'tether-read', clientSecret: PEER_SECRET, redirectUris: [REDIRECT] }], ttl: { accessToken: 600 } });
    w = await connectWorld();
    const o = await signedUp(w.t, 'owner@example.com', { admin: w.admin });
    owner = o.client;
    ownerId = o.userId;
    ownerPersonalWs = o.personalWs;
    const m = await signedUp(w.t, 'member@example.com', { admin: w.admin });
    member = m.client;
    memberId = m.userId;
    outsider = (await signedUp(w.t, 'outsider@example.com', { admin: w.admin })).client;
    for (const email of ['owner@example.com', 'member@example.com']) {
      const added = await w.admin.post(`/api/v1/workspaces/${w.ws}/members`, { email, role: 'member' });
      assert.equal(added.status, 201, JSON.stringify(added.body));
    }
    await registerPeerApp('acme');
    await registerPeerApp('beta');
    ownerAcme = await connectAs(owner, 'acme', 'alice', 'ACME – Owner');
    ownerBeta = await connectAs(owner, 'beta', 'bob');
    memberAcme = await connectAs(member, 'acme', 'bob', 'ACME – Member');
  });
  after(async () => {
    await w.t.close();
    await peer.close();
  });

  test("GET /workspaces/:ws/connections: the owner sees their own connections with every API.md field, and not a member's", async () => {
    const list = listOf(await owner.get(`/api/v1/workspaces/${w.ws}/connections`));
    assert.deepEqual(list.map((c) => c.id), [ownerAcme, ownerBeta]);
    const c = list[0]!;
    for (const field of ['id', 'workspaceId', 'domain', 'name', 'status', 'accountId', 'scopes', 'tokenExpiresAt', 'lastRefreshedAt', 'ownerId', 'createdAt', 'shared']) {
      assert.ok(Object.hasOwn(c, field), `Connection.${field} is present`);
    }
    assert.equal(c.id, ownerAcme);
    assert.match(c.id, /^conn_/);
    assert.equal(c.workspaceId, w.ws);
    assert.equal(c.domain, 'acme');
    assert.equal(c.name, 'ACME – Owner');
    assert.equal(c.status, 'active');
    assert.equal(c.accountId, 'alice');
    assert.ok(Array.isArray(c.scopes));
    assert.ok((c.scopes as string[]).includes('openid'));
    assert.ok((c.scopes as string[]).every((s) => typeof s === 'string' && !/\s/.test(s)), 'one scope per entry');
    assert.equal(c.ownerId, ownerId);
    assert.equal(c.shared, null);
    for (const field of ['tokenExpiresAt', 'lastRefreshedAt', 'createdAt'] as const) {
      assert.match(String(c[field]), ISO, `${field} is an ISO-8601 UTC string`);
    }
    const ttl = new Date(c.tokenExpiresAt as string).getTime() - Date.now();
    assert.ok(ttl > 400_000 && ttl <= 600_000, `tokenExpiresAt follows expires_in (${ttl} ms)`);
    const created = new Date(c.createdAt as string).getTime();
    assert.ok(created >= startedAt - 1000 && created <= Date.now());
    assert.ok(new Date(c.lastRefreshedAt as string).getTime() >= created);
    // The default name when none was given.
    assert.equal(list[1]?.domain, 'beta');
    assert.equal(list[1]?.accountId, 'bob');
    assert.match(list[1]?.name ?? '', /bob/);
    // Never a token in the answer.
    const row = await w.t.store.db.selectFrom('connections').select(['access_token', 'refresh_token']).where('id', '=', ownerAcme).executeTakeFirstOrThrow();
    const accessToken = w.t.envelope.open(row.access_token ?? '', { table: 'connections', id: ownerAcme, field: 'access_token' }).reveal();
    const refreshToken = w.t.envelope.open(row.refresh_token ?? '', { table: 'connections', id: ownerAcme, field: 'refresh_token' }).reveal();
    for (const value of [accessToken, refreshToken, row.access_token ?? '', row.refresh_token ?? '']) {
      assert.ok(value.length >= 16);
      assert.ok(!JSON.stringify(list).includes(value), 'a token reached the list answer');
    }
    for (const key of Object.keys(c)) assert.doesNotMatch(key, /^(access|refresh)_?token$|secret|verifier/i, key);
  });

  test('GET /workspaces/:ws/connections?domain=acme filters by domain', async () => {
    const acme = listOf(await owner.get(`/api/v1/workspaces/${w.ws}/connections?domain=acme`));
    assert.deepEqual(acme.map((c) => c.id), [ownerAcme]);
    const beta = listOf(await owner.get(`/api/v1/workspaces/${w.ws}/connections?domain=beta`));
    assert.deepEqual(beta.map((c) => c.id), [ownerBeta]);
    assert.deepEqual(listOf(await owner.get(`/api/v1/workspaces/${w.ws}/connections?domain=nothing-here`)), []);
  });

  test("another member sees none of the owner's private connections (nor does the workspace's owner)", async () => {
    const mine = listOf(await member.get(`/api/v1/workspaces/${w.ws}/connections`));
    assert.deepEqual(mine.map((c) => c.id), [memberAcme]);
    assert.equal(mine[0]?.ownerId, memberId);
    assert.deepEqual(listOf(await member.get(`/api/v1/workspaces/${w.ws}/connections?domain=beta`)), []);
    // The workspace's owner (also the instance admin) has no connection of their own here and sees none.
    assert.deepEqual(listOf(await w.admin.get(`/api/v1/workspaces/${w.ws}/connections`)), []);
  });

  test('GET /workspaces/:ws/connections: non-member → 404; personal-plan workspace → 403 plan_required; anonymous → 401', async () => {
    const outside = await outsider.get(`/api/v1/workspaces/${w.ws}/connections`);
    assert.equal(outside.status, 404);
    assert.equal(outside.json.error.code, 'workspace_not_found');
    const unknown = await owner.get('/api/v1/workspaces/ws_doesnotexist/connections');
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.body, outside.body, 'a workspace one is not in looks like one that does not exist');

    const personal = await owner.get(`/api/v1/workspaces/${ownerPersonalWs}/connections`);
    assert.equal(personal.status, 403);
    assert.equal(personal.json.error.code, 'plan_required');
    assert.equal(personal.json.error.details.requiredPlan, 'workspace');

    const anon = await new Client(w.t).get(`/api/v1/workspaces/${w.ws}/connections`);
    assert.equal(anon.status, 401);
    assert.equal(anon.json.error.code, 'unauthenticated');
  });

  test('GET /connections/:id: owner 200; member without a share, non-member and unknown id → the same 404', async () => {
    const own = await owner.get(`/api/v1/connections/${ownerAcme}`);
    assert.equal(own.status, 200);
    const listed = listOf(await owner.get(`/api/v1/workspaces/${w.ws}/connections?domain=acme`))[0];
    assert.deepEqual(own.body, listed, 'the same view as in the list');

    const byMember = await member.get(`/api/v1/connections/${ownerAcme}`);
    const byOutsider = await outsider.get(`/api/v1/connections/${ownerAcme}`);
    const unknown = await owner.get('/api/v1/connections/conn_doesnotexist');
    for (const res of [byMember, byOutsider, unknown]) {
      assert.equal(res.status, 404, JSON.stringify(res.body));
      assert.equal(res.json.error.code, 'connection_not_found');
    }
    assert.deepEqual(byMember.body, unknown.body, 'existence is not revealed');
    assert.deepEqual(byOutsider.body, unknown.body);
    // The member still reads their own.
    assert.equal((await member.get(`/api/v1/connections/${memberAcme}`)).status, 200);
    assert.equal((await new Client(w.t).get(`/api/v1/connections/${ownerAcme}`)).status, 401);
  });

  test('GET /connections/:id after the workspace moves to the personal plan → 403 plan_required for the owner', async () => {
    const down = await w.admin.patch(`/api/v1/admin/workspaces/${w.ws}`, { plan: 'personal' });
    assert.equal(down.status, 200, JSON.stringify(down.body));
    try {
      const res = await owner.get(`/api/v1/connections/${ownerAcme}`);
      assert.equal(res.status, 403, JSON.stringify(res.body));
      assert.equal(res.json.error.code, 'plan_required');
      assert.ok(!JSON.stringify(res.body).includes('alice'), 'nothing about the connection leaks');
      const list = await owner.get(`/api/v1/workspaces/${w.ws}/connections`);
      assert.equal(list.status, 403);
      assert.equal(list.json.error.code, 'plan_required');
      const rename = await owner.patch(`/api/v1/connections/${ownerAcme}`, { name: 'Renamed on personal' });
      assert.equal(rename.status, 403);
      assert.equal(rename.json.error.code, 'plan_required');
      // Someone who cannot see it still gets 404, not a hint that it exists.
      assert.equal((await outsider.get(`/api/v1/connections/${ownerAcme}`)).status, 404);
    } finally {
      const up = await w.admin.patch(`/api/v1/admin/workspaces/${w.ws}`, { plan: 'workspace' });
      assert.equal(up.status, 200, JSON.stringify(up.body));
    }
    const back = await owner.get(`/api/v1/connections/${ownerAcme}`);
    assert.equal(back.status, 200);
    assert.equal(back.json.name, 'ACME – Owner', 'the refused rename changed nothing');
  });

  test('PATCH /connections/:id {name}: owner 200 with the new name; member without share 404; empty name or unknown field 400', async () => {
    const res = await owner.patch(`/api/v1/connections/${ownerBeta}`, { name: 'Beta – Renamed' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.json.id, ownerBeta);
    assert.equal(res.json.name, 'Beta – Renamed');
    assert.equal(res.json.ownerId, ownerId);
    assert.equal((await owner.get(`/api/v1/connections/${ownerBeta}`)).json.name, 'Beta – Renamed');

    const byMember = await member.patch(`/api/v1/connections/${ownerBeta}`, { name: 'Hijacked' });
    assert.equal(byMember.status, 404);
    assert.equal(byMember.json.error.code, 'connection_not_found');
    const byOutsider = await outsider.patch(`/api/v1/connections/${ownerBeta}`, { name: 'Hijacked' });
    assert.equal(byOutsider.status, 404);

    const empty = await owner.patch(`/api/v1/connections/${ownerBeta}`, { name: '' });
    assert.equal(empty.status, 400);
    assert.equal(empty.json.error.code, 'invalid_request');
    assert.deepEqual(fieldsOf(empty), ['name']);

    const extra = await owner.patch(`/api/v1/connections/${ownerBeta}`, { name: 'Beta – Extra', status: 'active' });
    assert.equal(extra.status, 400);
    assert.equal(extra.json.error.code, 'invalid_request');
    assert.deepEqual(fieldsOf(extra), ['status']);

    assert.equal((await owner.get(`/api/v1/connections/${ownerBeta}`)).json.name, 'Beta – Renamed', 'refused renames changed nothing');
  });

  test('a connection shared to the workspace (use): the member sees it in the list and via GET with shared {level, sharedBy, sharedAt}, but cannot rename it (403 forbidden)', async () => {
    const sharedAt = new Date(Date.now() - 5000);
    const updated = await w.t.store.db
      .updateTable('connections')
      .set({ shared_level: 'use', shared_by: ownerId, shared_at: sharedAt })
      .where('id', '=', ownerAcme)
      .executeTakeFirst();
    assert.equal(Number(updated.numUpdatedRows), 1);
    const expectedShare = { level: 'use', sharedBy: ownerId, sharedAt: sharedAt.toISOString() };

    const list = listOf(await member.get(`/api/v1/workspaces/${w.ws}/connections`));
    assert.deepEqual(list.map((c) => c.id).sort(), [memberAcme, ownerAcme].sort());
    const seen = list.find((c) => c.id === ownerAcme);
    assert.deepEqual(seen?.shared, expectedShare);
    assert.equal(seen.ownerId, ownerId);
    assert.equal(list.find((c) => c.id === memberAcme)?.shared, null);
    // The filter applies to shared ones too.
    assert.deepEqual(listOf(await member.get(`/api/v1/workspaces/${w.ws}/connections?domain=beta`)), []);
    // The still-private one stays hidden.
    assert.equal(list.some((c) => c.id === ownerBeta), false);

    const got = await member.get(`/api/v1/connections/${ownerAcme}`);
    assert.equal(got.status, 200, JSON.stringify(got.body));
    assert.deepEqual(got.json.shared, expectedShare);
    assert.equal(got.json.accountId, 'alice');
    assert.deepEqual((await owner.get(`/api/v1/connections/${ownerAcme}`)).json.shared, expectedShare, 'the owner sees the share too');

    const rename = await member.patch(`/api/v1/connections/${ownerAcme}`, { name: 'Mine now' });
    assert.equal(rename.status, 403, JSON.stringify(rename.body));
    assert.equal(rename.json.error.code, 'forbidden');
    assert.equal((await owner.get(`/api/v1/connections/${ownerAcme}`)).json.name, 'ACME – Owner');

    // Shared to the workspace, not to the world: a non-member still gets 404.
    assert.equal((await outsider.get(`/api/v1/connections/${ownerAcme}`)).status, 404);
    const outsiderRename = await outsider.patch(`/api/v1/connections/${ownerAcme}`, { name: 'Mine now' });
    assert.equal(outsiderRename.status, 404);
    assert.equal(outsiderRename.json.error.code, 'connection_not_found');
  });
});
