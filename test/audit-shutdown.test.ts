import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChainVerifier } from '../src/core/audit-chain.ts';
import { generateKeyString } from '../src/crypto/keyring.ts';
import { expandEntry } from '../src/core/audit-groups.ts';
import { AuditRepo } from '../src/store/audit.ts';
import { openStore, type Store } from '../src/store/db.ts';
import { createTestStore, testDbKind, type TestStore } from './helpers/db.ts';
import { connectOverHttp, freePort, httpCall, ServerProcess, signUpOverHttp } from './helpers/process.ts';
import { startOidcProvider, type OidcPeer } from './peers/oidc-provider.ts';

/**
 * `token.issued` entries wait up to 100 ms to be written in one batch (services/audit.ts). A
 * server process stopped with SIGTERM right after handing out tokens must still have written
 * every one of them, chained and verifiable (SPEC §8: every token issued is recorded).
 */
describe(`audit entries survive a clean shutdown (${testDbKind})`, () => {
  let peer: OidcPeer;
  let store: TestStore | null = null;
  let dataDir: string | null = null;

  before(async () => {
    if (testDbKind === 'postgres') store = await createTestStore();
    else dataDir = await mkdtemp(join(tmpdir(), 'tether-audit-shutdown-'));
  });
  after(async () => {
    await peer?.close();
    await store?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('50 tokens asked concurrently, SIGTERM at once → exit 0, 50 token.issued entries, chain intact', async () => {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    peer = await startOidcProvider({ clients: [{ clientId: 'tether-shutdown', clientSecret: 'shutdown-secret-4242', redirectUris: [`${origin}/oauth/callback`] }], ttl: { accessToken: 3600 } });
    const server = new ServerProcess(port, {
      ...(store ? store.env : { TETHER_DATA_DIR: dataDir ?? '' }),
      TETHER_ENCRYPTION_KEYS: generateKeyString(1),
      PUBLIC_ORIGIN: origin,
    });
    let exit: number | null;
    try {
      await server.waitReady(60_000);
      const tenant = await signUpOverHttp(server.url);
      const put = await httpCall(server.url, 'PUT', '/api/v1/admin/oauth-apps/acme', {
        bearer: tenant.apiKey,
        body: { clientId: 'tether-shutdown', clientSecret: 'shutdown-secret-4242', authorizeUrl: `${peer.issuer}/auth`, tokenUrl: `${peer.issuer}/token`, issuer: peer.issuer, scopes: 'openid email offline_access api:read' },
      });
      assert.equal(put.status, 200, put.text);
      const id = await connectOverHttp(server.url, tenant, (url) => peer.authorize(url, { accountId: 'alice' }));
      const asks = await Promise.all(Array.from({ length: 50 }, (_, i) => httpCall(server.url, 'POST', `/api/v1/connections/${id}/token`, { bearer: tenant.apiKey, body: { workflowId: `wf_${i}` } })));
      assert.deepEqual([...new Set(asks.map((a) => a.status))], [200]);
    } finally {
      exit = await server.stop('SIGTERM');
    }
    assert.equal(exit, 0, server.log);

    const db: Store = store ?? (await openStore({ dataDir }));
    try {
      const entries = await new AuditRepo(db.db).after(0, 10_000);
      // Asks written together share a stored row (core/audit-groups.ts): count them as listed.
      const issued = entries.flatMap((e) => expandEntry(e)).filter((e) => e.action === 'token.issued');
      assert.equal(issued.length, 50, 'every token handed out before the shutdown is in the log');
      assert.deepEqual(new Set(issued.map((e) => e.details.workflowId)).size, 50);
      const verifier = new ChainVerifier();
      assert.ok(entries.every((e) => verifier.check(e)), 'the chain verifies');
    } finally {
      if (!store) await db.close();
    }
  });
});
