import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { systemClock } from '../src/core/clock.ts';
import { createLogger } from '../src/log.ts';
import { WebhooksRepo } from '../src/store/webhooks.ts';
import { WebhookDispatcher } from '../src/worker/webhooks.ts';
import { startOidcProvider, type OidcPeer } from './peers/oidc-provider.ts';
import { Client, LogCapture, signedUp } from './helpers/app.ts';
import { connectThroughPeer, connectWorld, registerPeerApp, type ConnectWorld } from './helpers/oauth.ts';
import { testDbKind } from './helpers/db.ts';

const SECRET = 'webhook-client-secret-51';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver on loopback: records every request; answers with the queued statuses, then 200. */
async function startReceiver(): Promise<{ url: string; received: Received[]; answers: number[]; redirectTo: string | null; setRedirect(to: string | null): void; close(): Promise<void> }> {
  const received: Received[] = [];
  const answers: number[] = [];
  let redirectTo: string | null = null;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      const status = answers.shift() ?? 200;
      if (redirectTo !== null) res.writeHead(302, { location: redirectTo }).end();
      else res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    answers,
    get redirectTo() {
      return redirectTo;
    },
    setRedirect(to) {
      redirectTo = to;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe(`webhooks (POST /workspaces/:ws/webhooks, Standard Webhooks deliveries) on ${testDbKind}`, () => {
  let peer: OidcPeer;
  let w: ConnectWorld;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let other: Awaited<ReturnType<typeof startReceiver>>;
  let member: Client;
  const logs = new LogCapture();
  const secrets: string[] = [SECRET];

  const dispatcher = (retryDelaysMs: readonly number[] = [0, 0]) =>
    new WebhookDispatcher({ db: w.t.store.db, envelope: w.t.envelope, clock: systemClock, logger: createLogger({ level: 'info', destination: logs }), retryDelaysMs, timeoutMs: 2000 });
  /** What a worker would do: everything queued so far, sent. */
  const deliver = async (d = dispatcher()) => {
    await w.t.services.webhooks.flush();
    return d.runOnce();
  };
  const subscribe = async (events: string[], url = receiver.url, client: Client = w.admin, ws = w.ws) => client.post(`/api/v1/workspaces/${ws}/webhooks`, { url, events });

  before(async () => {
    peer = await startOidcProvider({ clients: [{ clientId: 'tether-test', clientSecret: SECRET, redirectUris: ['http://localhost:3000/oauth/callback'] }] });
    receiver = await startReceiver();
    other = await startReceiver();
    w = await connectWorld();
    await registerPeerApp(w, peer.issuer, SECRET);
    const m = await signedUp(w.t, 'member@example.com', { admin: w.admin });
    member = m.client;
    assert.equal((await w.admin.post(`/api/v1/workspaces/${w.ws}/members`, { email: 'member@example.com', role: 'member' })).status, 201);
  });
  after(async () => {
    await w?.t.close();
    await peer?.close();
    await receiver?.close();
    await other?.close();
  });

  test('an owner subscribes: 201 {id, secret}; the secret is a Standard Webhooks key, shown only then and stored encrypted', async () => {
    const res = await subscribe(['connection.disconnected']);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.match(res.json.id as string, /^whk_/);
    const secret = res.json.secret as string;
    secrets.push(secret);
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.equal(Buffer.from(secret.slice('whsec_'.length), 'base64').length, 32);
    assert.deepEqual(res.json.events, ['connection.disconnected']);
    assert.equal(res.headers['cache-control'], 'no-store');

    const list = await w.admin.get(`/api/v1/workspaces/${w.ws}/webhooks`);
    assert.equal(list.status, 200);
    assert.deepEqual(Object.keys((list.json as unknown as Record<string, unknown>[])[0] ?? {}).sort(), ['createdAt', 'events', 'id', 'url']);
    assert.ok(!JSON.stringify(list.body).includes(secret.slice(6, 20)));
    const stored = await w.t.store.db.selectFrom('webhooks').selectAll().execute();
    assert.ok(!JSON.stringify(stored).includes(secret.slice(6, 20)), 'the secret is sealed at rest');
    assert.equal((await w.admin.delete(`/api/v1/workspaces/${w.ws}/webhooks/${res.json.id as string}`)).status, 204);
  });

  test('bad input is refused with the field named; only owners and admins of a Workspace-plan workspace may subscribe', async () => {
    for (const url of ['ftp://example.com/x', 'http://example.com/hooks', 'https://user:pw@example.com/hooks', 'not a url', 'https://example.com/h#frag']) {
      const res = await subscribe(['connection.disconnected'], url);
      assert.equal(res.status, 400, url);
      assert.equal(res.json.error.code, 'invalid_request');
      assert.match(JSON.stringify(res.json.error.details), /"field":"url"/, url);
    }
    for (const events of [[], ['token.issued'], ['oauth_app.created'], ['connection.nope'], ['member.added', 'member.added']]) {
      const res = await subscribe(events);
      assert.equal(res.status, 400, JSON.stringify(events));
    }
    const byMember = await subscribe(['member.added'], receiver.url, member);
    assert.equal(byMember.status, 403);
    assert.equal(byMember.json.error.code, 'forbidden');
    assert.equal((await member.get(`/api/v1/workspaces/${w.ws}/webhooks`)).status, 403);
    const outsider = await signedUp(w.t, 'outsider@example.com', { admin: w.admin });
    const hidden = await subscribe(['member.added'], receiver.url, outsider.client);
    assert.equal(hidden.status, 404);
    assert.equal(hidden.json.error.code, 'workspace_not_found');
    const personal = await subscribe(['member.added'], receiver.url, w.admin, w.personalWs);
    assert.equal(personal.status, 403);
    assert.equal(personal.json.error.code, 'plan_required');
    assert.equal((await new Client(w.t).post(`/api/v1/workspaces/${w.ws}/webhooks`, { url: receiver.url, events: ['member.added'] })).status, 401);
    assert.deepEqual((await w.admin.get(`/api/v1/workspaces/${w.ws}/webhooks`)).json, []);
  });

  test('a disconnect is delivered once, signed (verified with the standardwebhooks library), to the subscribed URL only, with no secret in it', async () => {
    const hook = await subscribe(['connection.disconnected', 'connection.reauthorize_required']);
    const secret = hook.json.secret as string;
    secrets.push(secret);
    const unrelated = await subscribe(['member.removed'], other.url);
    assert.equal(unrelated.status, 201);
    const id = await connectThroughPeer(w, peer);
    const token = await w.admin.post(`/api/v1/connections/${id}/token`, {});
    secrets.push(token.json.accessToken as string);
    receiver.received.length = 0;
    other.received.length = 0;
    assert.equal((await w.admin.delete(`/api/v1/connections/${id}`)).status, 204);
    await deliver();

    assert.equal(receiver.received.length, 1);
    assert.equal(other.received.length, 0, 'a webhook of other events gets nothing');
    const got = receiver.received[0];
    assert.ok(got);
    assert.equal(got.path, '/hooks');
    assert.equal(got.headers['content-type'], 'application/json');
    assert.match(String(got.headers['webhook-id']), /^msg_/);
    assert.ok(Math.abs(Number(got.headers['webhook-timestamp']) - Date.now() / 1000) < 30);
    const verified = new Webhook(secret).verify(got.body, got.headers as Record<string, string>) as { type: string; timestamp: string; data: Record<string, unknown> };
    assert.equal(verified.type, 'connection.disconnected');
    assert.ok(!Number.isNaN(Date.parse(verified.timestamp)));
    assert.deepEqual(Object.keys(verified.data).sort(), ['actorId', 'connectionId', 'domain', 'revocation', 'workspaceId']);
    assert.equal(verified.data.connectionId, id);
    assert.equal(verified.data.workspaceId, w.ws);
    assert.equal(verified.data.actorId, w.adminId);
    // A forged body or a foreign key does not verify.
    assert.throws(() => new Webhook(secret).verify(got.body.replace(id, 'conn_forged'), got.headers as Record<string, string>));
    assert.throws(() => new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(got.body, got.headers as Record<string, string>));
    for (const s of secrets) assert.ok(!got.body.includes(s) && !JSON.stringify(got.headers).includes(s), 'no secret or token in a delivery');

    const deliveries = await w.admin.get(`/api/v1/workspaces/${w.ws}/webhooks/${hook.json.id as string}/deliveries`);
    assert.equal(deliveries.status, 200);
    assert.deepEqual(
      (deliveries.json as unknown as Record<string, unknown>[]).map((d) => [d.id, d.eventType, d.status, d.attempts, d.lastStatus]),
      [[got.headers['webhook-id'], 'connection.disconnected', 'delivered', 1, 200]],
    );
    // Nothing is sent twice.
    assert.equal(await deliver(), 0);
    assert.equal(receiver.received.length, 1);
    for (const h of [hook, unrelated]) assert.equal((await w.admin.delete(`/api/v1/workspaces/${w.ws}/webhooks/${h.json.id as string}`)).status, 204);
  });

  test('a failing receiver is retried with the same webhook-id, and given up after the last retry; a redirect is not followed', async () => {
    const hook = await subscribe(['member.added', 'member.removed']);
    const secret = hook.json.secret as string;
    receiver.received.length = 0;
    receiver.answers.push(500);
    await signedUp(w.t, 'second@example.com', { admin: w.admin });
    assert.equal((await w.admin.post(`/api/v1/workspaces/${w.ws}/members`, { email: 'second@example.com', role: 'member' })).status, 201);
    await deliver();
    assert.equal(receiver.received.length, 2, 'a 500, then one retry that succeeds');
    assert.equal(receiver.received[0]?.headers['webhook-id'], receiver.received[1]?.headers['webhook-id']);
    for (const r of receiver.received) assert.equal((new Webhook(secret).verify(r.body, r.headers as Record<string, string>) as { type: string }).type, 'member.added');
    const list = async () => (await w.admin.get(`/api/v1/workspaces/${w.ws}/webhooks/${hook.json.id as string}/deliveries`)).json as unknown as Record<string, unknown>[];
    assert.deepEqual((await list()).map((d) => [d.status, d.attempts, d.lastStatus, d.lastError]), [['delivered', 2, 200, null]]);

    // Always 500: 3 attempts (the first and two retries), then failed.
    receiver.received.length = 0;
    receiver.answers.push(500, 500, 500, 500);
    const secondId = (await w.admin.get(`/api/v1/workspaces/${w.ws}/members`)).json as unknown as { userId: string; email: string }[];
    const second = secondId.find((m) => m.email === 'second@example.com');
    assert.ok(second);
    assert.equal((await w.admin.delete(`/api/v1/workspaces/${w.ws}/members/${second.userId}`)).status, 204);
    await deliver();
    assert.equal(receiver.received.length, 3);
    assert.deepEqual((await list())[0], { ...(await list())[0], eventType: 'member.removed', status: 'failed', attempts: 3, lastStatus: 500, lastError: 'HTTP 500', nextAttemptAt: null });
    assert.match(logs.text, /delivery attempt failed/);
    receiver.answers.length = 0;

    // A redirect elsewhere: never followed, counted as a failure.
    receiver.received.length = 0;
    other.received.length = 0;
    receiver.setRedirect(other.url);
    try {
      assert.equal((await w.admin.post(`/api/v1/workspaces/${w.ws}/members`, { email: 'second@example.com', role: 'member' })).status, 201);
      await deliver(dispatcher([60_000]));
    } finally {
      receiver.setRedirect(null);
    }
    assert.equal(receiver.received.length, 1);
    assert.equal(other.received.length, 0, 'the redirect target got nothing');
    const redirected = (await list())[0];
    assert.equal(redirected?.status, 'pending');
    assert.equal(redirected?.lastError, 'redirect 302 (not followed)');
    assert.ok(Date.parse(String(redirected?.nextAttemptAt)) > Date.now() + 30_000, 'the next attempt waits for its pause');
    assert.equal(await deliver(), 0, 'not due yet');
    assert.equal((await w.admin.delete(`/api/v1/workspaces/${w.ws}/webhooks/${hook.json.id as string}`)).status, 204);
  });

  test('two dispatchers at once (as two worker processes) send each delivery exactly once; a deleted webhook gets nothing more', async () => {
    const hook = await subscribe(['connection.created', 'connection.promoted']);
    receiver.received.length = 0;
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await connectThroughPeer(w, peer));
    for (const id of ids) assert.equal((await w.admin.post(`/api/v1/connections/${id}/promote`, { level: 'use' })).status, 200);
    await w.t.services.webhooks.flush();
    await Promise.all([dispatcher().runOnce(), dispatcher().runOnce()]);
    assert.equal(receiver.received.length, 8);
    assert.equal(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size, 8);
    const types = receiver.received.map((r) => (JSON.parse(r.body) as { type: string }).type);
    assert.deepEqual(types.filter((t) => t === 'connection.created').length, 4);

    // Housekeeping forgets finished deliveries older than its cut-off, never pending ones.
    const repo = new WebhooksRepo(w.t.store.db);
    const before = await repo.recentDeliveries(hook.json.id as string, 50);
    assert.equal(before.length, 8);
    await w.t.store.db.insertInto('webhook_deliveries').values({ id: 'msg_pending_old', webhook_id: hook.json.id as string, event_type: 'connection.created', payload: '{}', status: 'pending', next_attempt_at: new Date(Date.now() + 3_600_000), created_at: new Date(Date.now() - 40 * 86_400_000) }).execute();
    assert.equal(await repo.pruneFinished(new Date(Date.now() - 30 * 86_400_000)), 0, 'nothing finished is that old');
    assert.equal(await repo.pruneFinished(new Date(Date.now() + 1000)), 8);
    assert.deepEqual((await repo.recentDeliveries(hook.json.id as string, 50)).map((d) => d.id), ['msg_pending_old']);

    const res = await w.admin.delete(`/api/v1/workspaces/${w.ws}/webhooks/${hook.json.id as string}`);
    assert.equal(res.status, 204);
    assert.equal((await w.admin.delete(`/api/v1/workspaces/${w.ws}/webhooks/${hook.json.id as string}`)).status, 404);
    receiver.received.length = 0;
    await connectThroughPeer(w, peer);
    await deliver();
    assert.equal(receiver.received.length, 0);
  });
});
