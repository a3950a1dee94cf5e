import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { generateKeyString } from '../src/crypto/keyring.ts';
import { createTestStore, testDbKind, type TestStore } from './helpers/db.ts';
import { freePort, httpCall, ServerProcess, signUpOverHttp } from './helpers/process.ts';

/**
 * The wiring in main.ts: a real server process (`TETHER_ROLE=all`, the default) sends a
 * subscribed event to its webhook on its own, right after the change, signed with the secret
 * the API handed out; SIGTERM still exits 0.
 */
describe(`webhooks from a real server process (${testDbKind})`, () => {
  let store: TestStore | null = null;
  let dataDir: string | null = null;
  let receiver: Server;
  let received: { headers: IncomingHttpHeaders; body: string; at: number }[] = [];
  let receiverUrl = '';

  before(async () => {
    if (testDbKind === 'postgres') store = await createTestStore();
    else dataDir = await mkdtemp(join(tmpdir(), 'tether-webhooks-'));
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body, at: Date.now() });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const address = receiver.address();
    receiverUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/tether`;
  });
  after(async () => {
    await new Promise((r) => receiver?.close(r));
    await store?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('member.added reaches the subscribed URL within seconds, signed; SIGTERM → exit 0', async () => {
    const port = await freePort();
    const server = new ServerProcess(port, {
      ...(store ? store.env : { TETHER_DATA_DIR: dataDir ?? '' }),
      TETHER_ENCRYPTION_KEYS: generateKeyString(1),
      PUBLIC_ORIGIN: `http://127.0.0.1:${port}`,
      TETHER_OPEN_SIGNUP: 'true',
    });
    let exit: number | null;
    try {
      await server.waitReady(60_000);
      const owner = await signUpOverHttp(server.url, 'owner@example.com');
      await signUpOverHttp(server.url, 'teammate@example.com');
      const hook = await httpCall(server.url, 'POST', `/api/v1/workspaces/${owner.ws}/webhooks`, { bearer: owner.apiKey, body: { url: receiverUrl, events: ['member.added'] } });
      assert.equal(hook.status, 201, hook.text);
      received = [];
      const added = await httpCall(server.url, 'POST', `/api/v1/workspaces/${owner.ws}/members`, { bearer: owner.apiKey, body: { email: 'teammate@example.com', role: 'member' } });
      assert.equal(added.status, 201, added.text);
      const sentAt = Date.now();
      for (let i = 0; i < 100 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(received.length, 1, 'delivered by the process itself');
      const got = received[0];
      assert.ok(got);
      assert.ok(got.at - sentAt < 3000, `delivered ${got.at - sentAt} ms after the change`);
      const payload = new Webhook(String(hook.json.secret)).verify(got.body, got.headers as Record<string, string>) as { type: string; data: Record<string, unknown> };
      assert.equal(payload.type, 'member.added');
      assert.equal(payload.data.workspaceId, owner.ws);
      assert.equal(payload.data.role, 'member');
    } finally {
      exit = await server.stop('SIGTERM');
    }
    assert.equal(exit, 0, server.log);
  });
});
