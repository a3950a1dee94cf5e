import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type KyselyPlugin } from 'kysely';
import { createLogger } from '../src/log.ts';
import { entryCount, firstEntryId } from '../src/core/audit-groups.ts';
import { auditRecordOf } from '../src/services/audit-record.ts';
import { AuditService } from '../src/services/audit.ts';
import type { DomainEvent } from '../src/services/events.ts';
import type { Db } from '../src/store/db.ts';
import { startOidcProvider, type OidcPeer } from './peers/oidc-provider.ts';
import { Client, LogCapture, signedUp } from './helpers/app.ts';
import { connectThroughPeer, connectWorld, registerPeerApp, type ConnectWorld } from './helpers/oauth.ts';
import { testDbKind } from './helpers/db.ts';

const SECRET = 'audit-client-secret-7f3a9c';

interface EntryJson {
  id: string;
  at: string;
  actorId: string | null;
  action: string;
  domain?: string;
  connectionId?: string;
  workspaceId?: string;
  details: Record<string, unknown>;
}

describe(`audit log (SPEC §8) on ${testDbKind}`, () => {
  let peer: OidcPeer;
  let w: ConnectWorld;
  let bob: Client;
  let bobId: string;
  let conn: string;
  let bobConn: string;
  const secretsSeen: string[] = [SECRET];

  const db = (): Db => w.t.store.db;
  const flush = () => w.t.services.audit.flush();
  const rows = async () => {
    await flush();
    return db().selectFrom('audit_entries').selectAll().orderBy('seq', 'asc').execute();
  };
  const list = async (client: Client, query: string, ws = w.ws): Promise<{ entries: EntryJson[]; nextCursor: string | null; status: number }> => {
    await flush();
    const res = await client.get(`/api/v1/workspaces/${ws}/audit${query}`);
    return { ...(res.json as { entries: EntryJson[]; nextCursor: string | null }), status: res.status };
  };
  const adminList = async (query: string): Promise<EntryJson[]> => {
    await flush();
    const res = await w.admin.get(`/api/v1/admin/audit${query}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.json.entries as EntryJson[];
  };
  const verify = async () => (await w.admin.get('/api/v1/admin/audit/verify')).json;
  const pause = () => new Promise((r) => setTimeout(r, 15));

  before(async () => {
    peer = await startOidcProvider({ clients: [{ clientId: 'tether-test', clientSecret: SECRET, redirectUris: ['http://localhost:3000/oauth/callback'] }] });
    w = await connectWorld();
    const b = await signedUp(w.t, 'bob@example.com', { admin: w.admin });
    bob = b.client;
    bobId = b.userId;
  });
  after(async () => {
    await w?.t.close();
    await peer?.close();
  });

  test('OAuth app created/updated/deleted are recorded instance-wide, with the changed field names and never the secret', async () => {
    await registerPeerApp(w, peer.issuer, SECRET);
    // Same secret again: an update that names only the secret as changed.
    await registerPeerApp(w, peer.issuer, SECRET);
    const app = { clientId: 'tether-test', authorizeUrl: `${peer.issuer}/auth`, tokenUrl: `${peer.issuer}/token`, issuer: peer.issuer };
    assert.equal((await w.admin.put('/api/v1/admin/oauth-apps/acme', { ...app, scopes: 'openid email offline_access api:read profile' })).status, 200);
    assert.equal((await w.admin.put('/api/v1/admin/oauth-apps/acme', { ...app, scopes: 'openid email offline_access api:read' })).status, 200);
    assert.equal((await w.admin.put('/api/v1/admin/oauth-apps/acme2', { ...app, clientSecret: 'another-secret-1234' })).status, 200);
    secretsSeen.push('another-secret-1234');
    assert.equal((await w.admin.delete('/api/v1/admin/oauth-apps/acme2')).status, 204);

    const acme = (await adminList('?domain=acme')).reverse();
    assert.deepEqual(acme.map((e) => e.action), ['oauth_app.created', 'oauth_app.updated', 'oauth_app.updated', 'oauth_app.updated']);
    assert.ok(acme.every((e) => e.actorId === w.adminId && e.workspaceId === undefined));
    assert.deepEqual(acme[0]?.details.changed, ['clientId', 'authorizeUrl', 'tokenUrl', 'issuer', 'scopes', 'clientSecret']);
    assert.equal(acme[0]?.details.clientId, 'tether-test');
    assert.deepEqual(acme[1]?.details.changed, ['clientSecret']);
    assert.deepEqual(acme[2]?.details.changed, ['scopes']);
    assert.deepEqual((await adminList('?domain=acme2')).map((e) => e.action), ['oauth_app.deleted', 'oauth_app.created']);
    // Instance-wide entries belong to no workspace.
    assert.deepEqual((await list(w.admin, '?action=oauth_app.created')).entries, []);
  });

  test('a real flow is recorded: connect, token with workflow/node, refresh, members, disconnect', async () => {
    conn = await connectThroughPeer(w, peer);
    const token = await w.admin.post(`/api/v1/connections/${conn}/token`, { workflowId: 'wf_audit', nodeId: 'node_7' });
    assert.equal(token.status, 200);
    secretsSeen.push(token.json.accessToken as string);
    assert.equal((await w.admin.post(`/api/v1/connections/${conn}/token`, {})).status, 200);
    const refreshed = await w.admin.post(`/api/v1/connections/${conn}/refresh`);
    assert.equal(refreshed.status, 200);
    const sealed = await db().selectFrom('connections').selectAll().where('id', '=', conn).executeTakeFirstOrThrow();
    secretsSeen.push(w.t.envelope.open(sealed.refresh_token ?? '', { table: 'connections', id: conn, field: 'refresh_token' }).reveal());
    secretsSeen.push(w.t.envelope.open(sealed.access_token ?? '', { table: 'connections', id: conn, field: 'access_token' }).reveal());
    assert.equal((await w.admin.post(`/api/v1/workspaces/${w.ws}/members`, { email: 'bob@example.com', role: 'member' })).status, 201);

    const { entries, status } = await list(w.admin, `?connectionId=${conn}`);
    assert.equal(status, 200);
    assert.deepEqual(entries.map((e) => e.action), ['connection.refreshed', 'token.issued', 'token.issued', 'connection.created']);
    for (const e of entries) {
      assert.deepEqual(Object.keys(e).sort(), ['action', 'actorId', 'at', 'connectionId', 'details', 'domain', 'id']);
      assert.equal(e.actorId, w.adminId);
      assert.equal(e.domain, 'acme');
      assert.match(e.id, /^aud_/);
    }
    assert.deepEqual(entries[2]?.details, { workflowId: 'wf_audit', nodeId: 'node_7' });
    assert.deepEqual(entries[1]?.details, {});
    assert.equal(typeof entries[0]?.details.rotated, 'boolean');

    const added = (await list(w.admin, '?action=member.added')).entries;
    assert.equal(added.length, 1);
    assert.deepEqual(added[0]?.details, { userId: bobId, role: 'member' });
    assert.equal(added[0]?.actorId, w.adminId);
    assert.equal(added[0]?.domain, undefined);

    bobConn = await connectThroughPeer(w, peer, 'bob', bob);
    assert.equal((await w.admin.delete(`/api/v1/connections/${conn}`)).status, 204);
    const disconnected = (await list(w.admin, '?action=connection.disconnected')).entries;
    assert.equal(disconnected.length, 1);
    assert.equal(disconnected[0]?.connectionId, conn);
    assert.match(String(disconnected[0]?.details.revocation), /./);
  });

  test('filters: domain, connectionId, userId, action, since/until', async () => {
    const all = (await list(w.admin, '?limit=200')).entries;
    assert.ok(all.length >= 7, String(all.length));
    assert.deepEqual(
      all.map((e) => e.at),
      [...all.map((e) => e.at)].sort().reverse(),
      'newest first',
    );
    assert.deepEqual((await list(w.admin, '?domain=nope')).entries, []);
    assert.deepEqual(
      (await list(w.admin, '?domain=acme&limit=200')).entries.map((e) => e.id),
      all.filter((e) => e.domain === 'acme').map((e) => e.id),
    );
    const bobs = (await list(w.admin, `?userId=${bobId}`)).entries;
    assert.deepEqual(bobs.map((e) => e.action), ['connection.created']);
    assert.equal(bobs[0]?.connectionId, bobConn);
    assert.deepEqual((await list(w.admin, `?connectionId=${bobConn}`)).entries.map((e) => e.id), bobs.map((e) => e.id));
    const tokens = (await list(w.admin, '?action=token.issued')).entries;
    assert.equal(tokens.length, 2);
    assert.ok(tokens.every((e) => e.action === 'token.issued'));

    // A time window: entries made strictly between two instants.
    await pause();
    const since = new Date();
    await pause();
    assert.equal((await bob.post(`/api/v1/connections/${bobConn}/token`, { workflowId: 'wf_window' })).status, 200);
    await pause();
    const until = new Date();
    await pause();
    assert.equal((await bob.post(`/api/v1/connections/${bobConn}/token`, { workflowId: 'wf_later' })).status, 200);
    const window = (await list(w.admin, `?since=${since.toISOString()}&until=${until.toISOString()}`)).entries;
    assert.deepEqual(window.map((e) => e.details.workflowId), ['wf_window']);
    assert.deepEqual((await list(w.admin, `?since=${until.toISOString()}`)).entries.map((e) => e.details.workflowId), ['wf_later']);
    assert.ok((await list(w.admin, `?until=${since.toISOString()}&limit=200`)).entries.every((e) => new Date(e.at) < since));

    const bad = await w.admin.get(`/api/v1/workspaces/${w.ws}/audit?action=token.stolen`);
    assert.equal(bad.status, 400);
    assert.equal((await w.admin.get(`/api/v1/workspaces/${w.ws}/audit?since=yesterday`)).status, 400);
    assert.equal((await w.admin.get(`/api/v1/workspaces/${w.ws}/audit?limit=0`)).status, 400);
  });

  test('pagination with a small limit walks every entry exactly once, newest first', async () => {
    const all = (await list(w.admin, '?limit=200')).entries.map((e) => e.id);
    const walked: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await list(w.admin, `?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.equal(page.status, 200);
      assert.ok(page.entries.length <= 3);
      walked.push(...page.entries.map((e) => e.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null && pages < 100);
    assert.deepEqual(walked, all);
    assert.equal(new Set(walked).size, walked.length);
    assert.equal(pages, Math.ceil(all.length / 3));
    // Filters and cursors combine.
    const first = await list(w.admin, '?action=token.issued&limit=1');
    const second = await list(w.admin, `?action=token.issued&limit=1&cursor=${encodeURIComponent(first.nextCursor ?? '')}`);
    assert.notEqual(first.entries[0]?.id, second.entries[0]?.id);
    assert.equal(second.entries[0]?.action, 'token.issued');
    const bad = await w.admin.get(`/api/v1/workspaces/${w.ws}/audit?cursor=not-a-cursor`);
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, 'invalid_request');
  });

  test('who may read: owners/admins all, members their own and their connections, others nothing', async () => {
    const mine = (await list(bob, '?limit=200')).entries;
    assert.ok(mine.length >= 3, JSON.stringify(mine));
    assert.ok(mine.every((e) => e.actorId === bobId || e.connectionId === bobConn), JSON.stringify(mine));
    assert.ok(!mine.some((e) => e.connectionId === conn), "a member does not see the admin's connection");
    const outsider = await signedUp(w.t, 'eve@example.com', { admin: w.admin });
    const hidden = await outsider.client.get(`/api/v1/workspaces/${w.ws}/audit`);
    assert.equal(hidden.status, 404);
    assert.equal(hidden.json.error.code, 'workspace_not_found');
    const personal = await w.admin.get(`/api/v1/workspaces/${w.personalWs}/audit`);
    assert.equal(personal.status, 403);
    assert.equal(personal.json.error.code, 'plan_required');
    for (const path of ['/api/v1/admin/audit', '/api/v1/admin/audit/verify']) {
      const res = await bob.get(path);
      assert.equal(res.status, 403, path);
      assert.equal(res.json.error.code, 'admin_required');
    }
    assert.equal((await new Client(w.t).get(`/api/v1/workspaces/${w.ws}/audit`)).status, 401);
  });

  test('member.removed is recorded, and the admin view can narrow to one workspace', async () => {
    assert.equal((await w.admin.delete(`/api/v1/workspaces/${w.ws}/members/${bobId}`)).status, 204);
    const removed = (await list(w.admin, '?action=member.removed')).entries;
    assert.equal(removed.length, 1);
    assert.deepEqual(removed[0]?.details, { userId: bobId, role: 'member' });
    const scoped = await adminList(`?workspaceId=${w.ws}&limit=200`);
    assert.deepEqual(scoped.map((e) => e.id), (await list(w.admin, '?limit=200')).entries.map((e) => e.id));
    assert.ok(scoped.every((e) => e.workspaceId === w.ws));
  });

  test('no secret reaches the log: not the client secret, not a token', async () => {
    const dump = JSON.stringify(await rows());
    for (const secret of secretsSeen) assert.ok(!dump.includes(secret), `secret ${secret.slice(0, 4)}… found in the audit log`);
  });

  test('the recorder copies only whitelisted fields, whatever an event carries', () => {
    const loaded = {
      type: 'connection.promoted',
      at: new Date(),
      actorId: 'usr_1',
      connectionId: 'conn_1',
      domain: 'acme',
      workspaceId: 'ws_1',
      details: { level: 'use', accessToken: 'ya29.leak', clientSecret: 'shh', code: 'auth-code', nested: { refreshToken: 'x' }, reason: 'a\u0000b' },
    } satisfies DomainEvent;
    assert.deepEqual(auditRecordOf(loaded).details, { level: 'use', reason: 'ab' });
    const smuggled = { type: 'token.issued', at: new Date(), actorId: 'u', connectionId: 'c', domain: 'd', workspaceId: 'w', workflowId: 'wf', accessToken: 'ya29.leak' } as DomainEvent;
    assert.deepEqual(auditRecordOf(smuggled).details, { workflowId: 'wf' });
    const app = { type: 'oauth_app.updated', at: new Date(), actorId: 'u', domain: 'acme', clientId: 'id', changed: ['clientSecret'], clientSecret: 'shh' } as DomainEvent;
    assert.ok(!JSON.stringify(auditRecordOf(app)).includes('shh'));
  });

  test('there is no API to edit or delete entries, and the database refuses it too', async () => {
    const [first] = await rows();
    assert.ok(first);
    for (const path of [`/api/v1/workspaces/${w.ws}/audit`, `/api/v1/workspaces/${w.ws}/audit/${first.id}`, '/api/v1/admin/audit', `/api/v1/admin/audit/${first.id}`]) {
      assert.equal((await w.admin.patch(path, { details: {} })).status, 404, `PATCH ${path}`);
      assert.equal((await w.admin.delete(path)).status, 404, `DELETE ${path}`);
      assert.equal((await w.admin.put(path, { details: {} })).status, 404, `PUT ${path}`);
    }
    await assert.rejects(sql`update audit_entries set details = '{}'::jsonb`.execute(db()), /append-only/);
    await assert.rejects(sql`delete from audit_entries`.execute(db()), /append-only/);
    assert.equal((await rows())[0]?.hash, first.hash);
  });

  test('tampering is detected: an edited entry is named; after a deleted one, the next is named', async () => {
    const before = await rows();
    // `checked` counts entries as listed; a stored row of grouped token asks holds several.
    const entriesIn = (rs: typeof before) => rs.reduce((n, r) => n + entryCount(r), 0);
    const total = entriesIn(before);
    assert.ok(total > before.length, 'some row holds grouped asks');
    assert.deepEqual(await verify(), { ok: true, checked: total });
    const victim = before[Math.floor(before.length / 2)];
    const next = before[Math.floor(before.length / 2) + 1];
    assert.ok(victim && next);
    // Someone with database access (the trigger can be switched off by the table owner).
    await sql`alter table audit_entries disable trigger audit_entries_append_only`.execute(db());
    try {
      await sql`update audit_entries set details = ${JSON.stringify({ ...victim.details, forged: true })}::jsonb where id = ${victim.id}`.execute(db());
      const edited = await verify();
      assert.equal(edited.ok, false);
      assert.equal(edited.firstBrokenId, firstEntryId(victim));
      assert.equal(edited.checked, entriesIn(before.slice(0, Math.floor(before.length / 2))) + 1);

      // Restoring the exact content restores the chain: the check is on content, not on row history.
      await sql`update audit_entries set details = ${JSON.stringify(victim.details)}::jsonb where id = ${victim.id}`.execute(db());
      assert.deepEqual(await verify(), { ok: true, checked: total });

      await sql`delete from audit_entries where id = ${victim.id}`.execute(db());
      const deleted = await verify();
      assert.equal(deleted.ok, false);
      assert.equal(deleted.firstBrokenId, firstEntryId(next));

      // A forged replacement with a recomputed own hash still does not link up unless the whole tail is rewritten.
      await db()
        .insertInto('audit_entries')
        .values({ ...victim, details: JSON.stringify({ ...victim.details, forged: true }) })
        .execute();
      assert.equal((await verify()).firstBrokenId, firstEntryId(victim));
      await sql`delete from audit_entries where id = ${victim.id}`.execute(db());
      await db().insertInto('audit_entries').values({ ...victim, details: JSON.stringify(victim.details) }).execute();
      assert.deepEqual(await verify(), { ok: true, checked: total });
    } finally {
      await sql`alter table audit_entries enable trigger audit_entries_append_only`.execute(db());
    }
  });

  test('appenders in parallel (two recorders, as two processes would) never fork the chain', async () => {
    const other = new AuditService({ db: db(), logger: w.t.app.log, workspaces: w.t.services.workspaces });
    const event = (i: number): DomainEvent => ({ type: 'token.issued', at: new Date(), actorId: w.adminId, connectionId: bobConn, domain: 'acme', workspaceId: w.ws, workflowId: `wf_p${i}` });
    for (let i = 0; i < 40; i++) {
      (i % 2 === 0 ? other : w.t.services.audit).record(event(i));
      if (i % 5 === 0) await new Promise((r) => setImmediate(r));
    }
    await Promise.all([other.flush(), flush()]);
    const all = await rows();
    assert.equal(new Set(all.map((r) => r.prev_hash)).size, all.length, 'every entry has its own predecessor');
    const listed = (await list(w.admin, `?connectionId=${bobConn}&action=token.issued&limit=200`)).entries;
    assert.deepEqual(listed.map((e) => e.details.workflowId).filter((id) => String(id).startsWith('wf_p')).sort(), Array.from({ length: 40 }, (_, i) => `wf_p${i}`).sort());
    assert.deepEqual(await verify(), { ok: true, checked: all.reduce((n, r) => n + entryCount(r), 0) });
  });

  test('a failed write is logged and retried once; a second failure loses only those entries, never the process', async () => {
    const failing = (times: number): KyselyPlugin => ({
      transformQuery(args) {
        if (args.node.kind === 'InsertQueryNode' && times-- > 0) throw new Error('simulated outage');
        return args.node;
      },
      async transformResult(args) {
        return args.result;
      },
    });
    const logs = new LogCapture();
    const logger = createLogger({ level: 'info', destination: logs });
    const event: DomainEvent = { type: 'connection.created', at: new Date(), actorId: w.adminId, connectionId: 'conn_retry', domain: 'acme', workspaceId: w.ws };

    const once = new AuditService({ db: db().withPlugin(failing(1)), logger, workspaces: w.t.services.workspaces, retryDelayMs: 5 });
    once.record(event);
    await once.flush();
    assert.match(logs.text, /retrying once/);
    assert.equal((await rows()).filter((r) => r.connection_id === 'conn_retry').length, 1);

    const twice = new AuditService({ db: db().withPlugin(failing(2)), logger, workspaces: w.t.services.workspaces, retryDelayMs: 5 });
    twice.record({ ...event, connectionId: 'conn_lost' });
    await twice.flush();
    assert.match(logs.text, /entries could not be written/);
    assert.match(logs.text, /conn_lost/);
    assert.equal((await rows()).filter((r) => r.connection_id === 'conn_lost').length, 0);
    // The recorder keeps working afterwards, and the chain is intact.
    twice.record({ ...event, connectionId: 'conn_after' });
    await twice.flush();
    assert.equal((await rows()).filter((r) => r.connection_id === 'conn_after').length, 1);
    assert.equal((await verify()).ok, true);
  });

  test('token asks written together share a stored row, and are still listed, paged, filtered and verified one entry each', async () => {
    // A recorder that never writes on its own, so that what is written together is known.
    const grouped = new AuditService({ db: db(), logger: w.t.app.log, workspaces: w.t.services.workspaces, lingerMs: 60_000 });
    const t0 = Date.parse('2021-03-04T05:06:07.000Z');
    const ask = (i: number, connectionId = 'conn_grouped'): DomainEvent => ({
      type: 'token.issued',
      at: new Date(t0 + i * 100),
      actorId: w.adminId,
      connectionId,
      domain: 'acme',
      workspaceId: w.ws,
      workflowId: `wf_g${i}`,
      ...(i % 3 === 0 ? { nodeId: `node_${i}` } : {}),
    });
    // 0…10 lie within 1 s of the first: one row; 11 opens a second. Another connection's ask in
    // between gets a row of its own; an entry of another kind ends both groups.
    for (let i = 0; i <= 11; i++) {
      grouped.record(ask(i));
      if (i === 4) grouped.record(ask(4, 'conn_other'));
    }
    grouped.record({ type: 'connection.refreshed', at: new Date(t0 + 1200), actorId: w.adminId, connectionId: 'conn_grouped', domain: 'acme', workspaceId: w.ws, rotated: false });
    grouped.record(ask(13));
    await grouped.flush();

    const stored = (await rows()).filter((r) => r.connection_id === 'conn_grouped' || r.connection_id === 'conn_other');
    assert.deepEqual(
      stored.map((r) => [r.connection_id, r.action, entryCount(r)]),
      [
        ['conn_grouped', 'token.issued', 11],
        ['conn_other', 'token.issued', 1],
        ['conn_grouped', 'token.issued', 1],
        ['conn_grouped', 'connection.refreshed', 1],
        ['conn_grouped', 'token.issued', 1],
      ],
    );

    // Listed as one entry per ask, newest first, each with its own id, time and details.
    const all = await adminList('?connectionId=conn_grouped&limit=200');
    assert.deepEqual(all.map((e) => e.action === 'token.issued' ? e.details.workflowId : e.action), ['wf_g13', 'connection.refreshed', 'wf_g11', 'wf_g10', 'wf_g9', 'wf_g8', 'wf_g7', 'wf_g6', 'wf_g5', 'wf_g4', 'wf_g3', 'wf_g2', 'wf_g1', 'wf_g0']);
    assert.equal(new Set(all.map((e) => e.id)).size, all.length);
    const g9 = all.find((e) => e.details.workflowId === 'wf_g9');
    assert.deepEqual(g9, { id: `${stored[0]?.id}.9`, at: new Date(t0 + 900).toISOString(), actorId: w.adminId, action: 'token.issued', domain: 'acme', connectionId: 'conn_grouped', workspaceId: w.ws, details: { workflowId: 'wf_g9', nodeId: 'node_9' } });
    assert.deepEqual(all.find((e) => e.details.workflowId === 'wf_g10')?.details, { workflowId: 'wf_g10' });

    // Pages cut through the grouped row and walk every entry exactly once.
    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await adminList(`?connectionId=conn_grouped&limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      walked.push(...page.map((e) => e.id));
      const res = await w.admin.get(`/api/v1/admin/audit?connectionId=conn_grouped&limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      cursor = res.json.nextCursor as string | null;
    } while (cursor !== null && walked.length < 100);
    assert.deepEqual(walked, all.map((e) => e.id));

    // A time window inside the row selects exactly the asks within it.
    const window = await adminList(`?connectionId=conn_grouped&since=${new Date(t0 + 250).toISOString()}&until=${new Date(t0 + 650).toISOString()}`);
    assert.deepEqual(window.map((e) => e.details.workflowId), ['wf_g6', 'wf_g5', 'wf_g4', 'wf_g3']);
    assert.deepEqual((await list(w.admin, `?connectionId=conn_grouped&since=${new Date(t0 + 1000).toISOString()}&action=token.issued`)).entries.map((e) => e.details.workflowId), ['wf_g13', 'wf_g11', 'wf_g10']);

    // Dropping one ask from the stored row breaks the chain at that row's first entry.
    const row = stored[0];
    assert.ok(row);
    const issued = (row.details as { issued: unknown[] }).issued;
    await sql`alter table audit_entries disable trigger audit_entries_append_only`.execute(db());
    try {
      await sql`update audit_entries set details = ${JSON.stringify({ issued: issued.slice(0, -1) })}::jsonb where id = ${row.id}`.execute(db());
      const broken = await verify();
      assert.equal(broken.ok, false);
      assert.equal(broken.firstBrokenId, `${row.id}.0`);
      await sql`update audit_entries set details = ${JSON.stringify(row.details)}::jsonb where id = ${row.id}`.execute(db());
      assert.equal((await verify()).ok, true);
    } finally {
      await sql`alter table audit_entries enable trigger audit_entries_append_only`.execute(db());
    }
  });
});
