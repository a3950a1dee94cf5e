import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Client, signedUp, type Answer } from './helpers/app.ts';
import { testDbKind } from './helpers/db.ts';
import { actors, rows, type Actor, type Cell, type Row } from './helpers/matrix.ts';
import { deliverCallback, flowCookieOf } from './helpers/oauth.ts';
import { httpNode, sharingWorld, type Person, type SharingWorld } from './helpers/world.ts';
import { renderSecurityDoc, SECURITY_DOC_PATH } from '../scripts/security-doc.ts';

/**
 * The authorization matrix (test/helpers/matrix.ts) against a running app: every endpoint that
 * touches a connection, workflow, run, notification or audit entry, called by each actor, with
 * the exact answer asserted. docs/security.md shows the same matrix, rendered from the same data.
 */

type Kind = 'use' | 'manage' | 'private';

/** Which of the owner's connections each actor's cells act on (see `actorDescriptions`). */
const targetOf: Record<Actor, Kind> = {
  owner: 'use',
  useMember: 'use',
  manageMember: 'manage',
  member: 'private',
  nonMember: 'manage',
  instanceAdmin: 'manage',
  anonymous: 'manage',
};

/**
 * How fresh a row's fixtures are. `shared`: the read-only fixtures made once. `row`: new ones
 * for the row (it changes state that does not change access: names, tokens, connect sessions).
 * `cell`: new ones for every cell, because a success (or a bug) changes who may do what next.
 */
type Isolation = 'shared' | 'row' | 'cell';

/** A cell as observed: a {@link Cell} when all is well, else words saying what came instead. */
type Observed = number | string;

interface CellContext {
  actor: Actor;
  client: Client;
  /** The caller's user id; empty for `anonymous`. */
  userId: string;
  /** The connection this actor's cell acts on. */
  conn(): Promise<string>;
  /** A workflow of the owner's, with node `a` on the shared `use` connection (via personal). */
  workflow(): Promise<string>;
}

interface Probe {
  isolation: Isolation;
  call(c: CellContext): Promise<Answer>;
  /** The observed cell for a `200`; the status is the cell otherwise. */
  judge?(answer: Answer, c: CellContext): Promise<Observed>;
}

describe(`authorization matrix on ${testDbKind}`, () => {
  let w: SharingWorld;
  const people = {} as Record<Exclude<Actor, 'anonymous'>, Person>;
  let anonymous: Client;
  let shared: Fixtures;
  /** The `use` member's notification. */
  let useMemberNote = '';

  const json = (a: Answer): string => JSON.stringify(a.body);

  async function makeConnection(kind: Kind): Promise<string> {
    const id = await w.connect();
    if (kind !== 'private') {
      const res = await w.owner.client.post(`/api/v1/connections/${id}/promote`, { level: kind });
      assert.equal(res.status, 200, `promote: ${json(res)}`);
    }
    return id;
  }

  /** Connections made on first use; the workflow always uses the shared `use` connection. */
  class Fixtures {
    readonly #conns = new Map<Kind, Promise<string>>();
    #workflow: Promise<string> | null = null;
    constructor(private readonly base: Fixtures | null) {}
    conn(kind: Kind): Promise<string> {
      let p = this.#conns.get(kind);
      if (!p) {
        p = makeConnection(kind);
        this.#conns.set(kind, p);
      }
      return p;
    }
    workflow(): Promise<string> {
      this.#workflow ??= (async () => {
        const conn = await (this.base ?? this).conn('use');
        const res = await w.owner.client.post(`/api/v1/workspaces/${w.ws}/workflows`, { name: 'Owner’s workflow', nodes: [httpNode('a', { id: conn, via: 'personal' })] });
        assert.equal(res.status, 201, `workflow: ${json(res)}`);
        return res.json.id as string;
      })();
      return this.#workflow;
    }
  }

  const listed = (ids: { id: string }[], id: string): Cell => (ids.some((x) => x.id === id) ? 'listed' : 'not listed');
  const createWith = (via: 'personal' | 'workspace'): Probe => ({
    isolation: 'shared',
    call: async (c) => c.client.post(`/api/v1/workspaces/${w.ws}/workflows`, { name: `By ${c.actor} via ${via}`, nodes: [httpNode('a', { id: await c.conn(), via })] }),
  });

  /** How each row is called; keyed by the row's `endpoint`. */
  const probes: Record<string, Probe> = {
    'GET /api/v1/connections/:id': { isolation: 'shared', call: async (c) => c.client.get(`/api/v1/connections/${await c.conn()}`) },
    'PATCH /api/v1/connections/:id': { isolation: 'row', call: async (c) => c.client.patch(`/api/v1/connections/${await c.conn()}`, { name: `Renamed by ${c.actor}` }) },
    'POST /api/v1/connections/:id/token': { isolation: 'shared', call: async (c) => c.client.post(`/api/v1/connections/${await c.conn()}/token`, {}) },
    'POST /api/v1/connections/:id/proxy': { isolation: 'shared', call: async (c) => c.client.post(`/api/v1/connections/${await c.conn()}/proxy`, { method: 'GET', path: '/items/matrix' }) },
    'POST /api/v1/connections/:id/refresh': { isolation: 'row', call: async (c) => c.client.post(`/api/v1/connections/${await c.conn()}/refresh`) },
    'POST /api/v1/connections/:id/reconnect': { isolation: 'row', call: async (c) => c.client.post(`/api/v1/connections/${await c.conn()}/reconnect`, {}) },
    // An escalation attempt for everyone but the owner, for whom it is a level change.
    'POST /api/v1/connections/:id/promote': { isolation: 'cell', call: async (c) => c.client.post(`/api/v1/connections/${await c.conn()}/promote`, { level: 'manage' }) },
    'POST /api/v1/connections/:id/unshare': { isolation: 'cell', call: async (c) => c.client.post(`/api/v1/connections/${await c.conn()}/unshare`) },
    'GET /api/v1/connections/:id/impact?action=disconnect': { isolation: 'shared', call: async (c) => c.client.get(`/api/v1/connections/${await c.conn()}/impact?action=disconnect`) },
    'DELETE /api/v1/connections/:id': { isolation: 'cell', call: async (c) => c.client.delete(`/api/v1/connections/${await c.conn()}`) },
    'GET /api/v1/workspaces/:ws/connections': {
      isolation: 'shared',
      call: (c) => c.client.get(`/api/v1/workspaces/${w.ws}/connections`),
      judge: async (a, c) => listed(a.body as { id: string }[], await c.conn()),
    },
    'POST /api/v1/workspaces/:ws/connect': { isolation: 'shared', call: (c) => c.client.post(`/api/v1/workspaces/${w.ws}/connect`, { domain: 'acme' }) },
    "POST /api/v1/workspaces/:ws/workflows (node via 'workspace')": createWith('workspace'),
    "POST /api/v1/workspaces/:ws/workflows (node via 'personal')": createWith('personal'),
    'GET /api/v1/workspaces/:ws/workflows': {
      isolation: 'shared',
      call: (c) => c.client.get(`/api/v1/workspaces/${w.ws}/workflows`),
      judge: async (a, c) => listed(a.body as { id: string }[], await c.workflow()),
    },
    'GET /api/v1/workflows/:id': { isolation: 'shared', call: async (c) => c.client.get(`/api/v1/workflows/${await c.workflow()}`) },
    'PATCH /api/v1/workflows/:id/nodes/:nodeId': {
      isolation: 'cell',
      call: async (c) => c.client.patch(`/api/v1/workflows/${await c.workflow()}/nodes/a`, { connection: { id: await shared.conn('use'), via: 'personal' } }),
    },
    'POST /api/v1/workflows/:id/run': { isolation: 'cell', call: async (c) => c.client.post(`/api/v1/workflows/${await c.workflow()}/run`, {}) },
    'GET /api/v1/workspaces/:ws/members/:userId/impact': { isolation: 'shared', call: (c) => c.client.get(`/api/v1/workspaces/${w.ws}/members/${people.useMember.id}/impact`) },
    'GET /api/v1/notifications': {
      isolation: 'shared',
      call: (c) => c.client.get('/api/v1/notifications'),
      judge: async (a, c) => {
        const got = (a.body as { id: string }[]).map((n) => n.id).sort();
        const own = (await w.t.store.db.selectFrom('notifications').select('id').where('user_id', '=', c.userId).execute()).map((n) => n.id).sort();
        return JSON.stringify(got) === JSON.stringify(own) ? 'own only' : `notifications ${JSON.stringify(got)}, own ${JSON.stringify(own)}`;
      },
    },
    'POST /api/v1/notifications/:id/read': { isolation: 'shared', call: (c) => c.client.post(`/api/v1/notifications/${useMemberNote}/read`) },
    'GET /api/v1/workspaces/:ws/audit': {
      isolation: 'shared',
      call: async (c) => {
        await w.t.services.audit.flush();
        return c.client.get(`/api/v1/workspaces/${w.ws}/audit?limit=200`);
      },
      judge: async (a, c) => {
        const owned = new Set((await w.t.store.db.selectFrom('connections').select('id').where('owner_id', '=', c.userId).execute()).map((r) => r.id));
        const entries = a.json.entries as { actorId: string | null; connectionId?: string }[];
        const others = entries.filter((e) => e.actorId !== c.userId && !(e.connectionId !== undefined && owned.has(e.connectionId)));
        return others.length > 0 ? 'all entries' : 'own entries';
      },
    },
    'GET /api/v1/admin/audit?workspaceId=:ws': { isolation: 'shared', call: (c) => c.client.get(`/api/v1/admin/audit?workspaceId=${w.ws}`) },
    'GET /api/v1/admin/audit/verify': { isolation: 'shared', call: (c) => c.client.get('/api/v1/admin/audit/verify') },
  };

  before(async () => {
    w = await sharingWorld();
    people.owner = w.owner;
    people.useMember = w.user;
    people.manageMember = w.other;
    people.nonMember = w.outsider;
    const member = await signedUp(w.t, 'member@example.com', { admin: w.owner.client });
    assert.equal((await w.owner.client.post(`/api/v1/workspaces/${w.ws}/members`, { email: 'member@example.com', role: 'member' })).status, 201);
    people.member = { client: member.client, id: member.userId };
    // A second instance admin, who is not a member of the workspace.
    const root = await signedUp(w.t, 'root@example.com', { admin: w.owner.client });
    await w.t.store.db.updateTable('users').set({ is_admin: true }).where('id', '=', root.userId).execute();
    assert.equal((await root.client.get('/api/v1/me')).json.user.isAdmin, true);
    people.instanceAdmin = { client: root.client, id: root.userId };
    anonymous = new Client(w.t);

    shared = new Fixtures(null);
    await Promise.all([shared.conn('use'), shared.conn('manage'), shared.conn('private')]);
    await shared.workflow();

    // Audit: an entry by someone else about their own connection (the owner must see it, no
    // other member may), and one by a member about the owner's connection.
    await w.connect(w.user);
    assert.equal((await w.user.client.post(`/api/v1/connections/${await shared.conn('use')}/token`, {})).status, 200);

    // Notifications: the owner's and the use member's nodes break when the owner unshares.
    const doomed = await makeConnection('use');
    for (const who of [w.owner, w.user]) {
      const res = await who.client.post(`/api/v1/workspaces/${w.ws}/workflows`, { name: 'Will break', nodes: [httpNode('n', { id: doomed, via: 'workspace' })] });
      assert.equal(res.status, 201, json(res));
    }
    assert.equal((await w.owner.client.post(`/api/v1/connections/${doomed}/unshare`)).status, 200);
    const notes = await w.t.store.db.selectFrom('notifications').select(['id', 'user_id']).execute();
    assert.deepEqual([...new Set(notes.map((n) => n.user_id))].sort(), [w.owner.id, w.user.id].sort(), 'both were notified');
    useMemberNote = notes.find((n) => n.user_id === w.user.id)?.id ?? '';
  });
  after(() => w?.close());

  /** What the cell shows: the status, or for a `200` the probe's judgement; `route missing` for an unknown route. */
  async function observe(row: Row, probe: Probe, answer: Answer, c: CellContext): Promise<Observed> {
    const error = (answer.json.error ?? {}) as { code?: string; message?: string };
    if (answer.status === 404 && error.message?.startsWith('No such endpoint')) return 'route missing';
    const code = row.codes?.[answer.status];
    if (code !== undefined && error.code !== code) return `${answer.status} ${error.code ?? '(no code)'} (expected code ${code})`;
    if (answer.status === 200 && probe.judge) return probe.judge(answer, c);
    return answer.status;
  }

  for (const row of rows) {
    test(row.endpoint, async () => {
      const probe = probes[row.endpoint];
      assert.ok(probe, `no probe for matrix row ${row.endpoint}`);
      const rowFixtures = probe.isolation === 'row' ? new Fixtures(shared) : null;
      const observed = {} as Record<Actor, Observed>;
      const problems: string[] = [];
      for (const actor of actors) {
        const fixtures = probe.isolation === 'cell' ? new Fixtures(shared) : (rowFixtures ?? shared);
        const c: CellContext = {
          actor,
          client: actor === 'anonymous' ? anonymous : people[actor].client,
          userId: actor === 'anonymous' ? '' : people[actor].id,
          conn: () => fixtures.conn(targetOf[actor]),
          workflow: () => fixtures.workflow(),
        };
        const answer = await probe.call(c);
        observed[actor] = await observe(row, probe, answer, c);
        if (observed[actor] !== row.expected[actor]) {
          problems.push(`${row.endpoint} — ${actor}: expected ${row.expected[actor]}, got ${observed[actor]} (${answer.status} ${JSON.stringify(answer.body)?.slice(0, 300)})`);
        }
      }
      assert.deepEqual(observed, row.expected, problems.join('\n'));
    });
  }

  // Beyond the matrix: access is checked when a reconnect starts, and must still hold when the
  // provider sends the browser back (up to 10 minutes later).
  test('a reconnect started under a manage share cannot complete once the share is gone', async () => {
    const id = await makeConnection('manage');
    // Only the owner may move a connection to another account, even with a manage share.
    assert.equal((await w.other.client.post(`/api/v1/connections/${id}/reconnect`, { allowAccountChange: true })).status, 403);
    const started = await w.other.client.post(`/api/v1/connections/${id}/reconnect`, {});
    assert.equal(started.status, 201);
    assert.equal((await w.owner.client.post(`/api/v1/connections/${id}/unshare`)).status, 200);
    assert.equal((await w.other.client.get(`/api/v1/connections/${id}`)).status, 404, 'the former manager cannot see it any more');
    const before = await w.t.store.db.selectFrom('connections').select(['account_id', 'access_token']).where('id', '=', id).executeTakeFirstOrThrow();
    const callback = await w.peer.authorize(started.json.authorizationUrl as string, { accountId: 'alice' });
    const page = await deliverCallback(w.t, callback, flowCookieOf(started));
    assert.equal(page.status, 403);
    assert.match(page.html, /no longer reconnect/);
    const after = await w.t.store.db.selectFrom('connections').select(['account_id', 'access_token']).where('id', '=', id).executeTakeFirstOrThrow();
    assert.deepEqual(after, before, "the owner's private connection keeps its account and tokens");
    assert.ok(!page.html.includes('tether:connected'), 'the page reports a failure');
  });

  test('every matrix row has a probe, and every probe a row', () => {
    assert.deepEqual(Object.keys(probes).sort(), rows.map((r) => r.endpoint).sort());
    assert.equal(new Set(rows.map((r) => r.endpoint)).size, rows.length, 'endpoints are unique');
  });

  test('docs/security.md is what scripts/security-doc.ts renders from the matrix now', async () => {
    const onDisk = await readFile(SECURITY_DOC_PATH, 'utf8');
    assert.equal(onDisk, renderSecurityDoc(), 'docs/security.md is stale: run `node --import tsx scripts/security-doc.ts`');
  });
});
