import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOidcProvider, type OidcPeer } from './peers/oidc-provider.ts';
import { createTestApp, signedUp } from './helpers/app.ts';
import { connectThroughPeer, registerPeerApp, ShiftableClock, type ConnectWorld } from './helpers/oauth.ts';
import { testDbKind } from './helpers/db.ts';
import { defaultFetch, type FetchFunction } from '../src/oauth/providers/index.ts';

const SECRET = 'review-app-delete-secret-42';

/**
 * Regression: deleting an OAuth app moves its connections to `reauthorize` (SPEC §2) but left
 * the refresh lease of a refresh in flight in place. That refresh still owned the lease when it
 * finished, so its result overwrote the status with `active`: the connection looked healthy and
 * kept handing out tokens for an app that no longer exists, while its workflow nodes had
 * already been marked invalid.
 */
describe(`OAuth app deleted while a refresh is in flight on ${testDbKind}`, () => {
  let peer: OidcPeer;
  let w: ConnectWorld;
  let gate: Promise<void> | null = null;
  let open: () => void = () => undefined;
  let reachedToken: () => void = () => undefined;

  before(async () => {
    peer = await startOidcProvider({ clients: [{ clientId: 'tether-test', clientSecret: SECRET, redirectUris: ['http://localhost:3000/oauth/callback'] }], ttl: { accessToken: 300 } });
    // Holds refresh-token requests at the gate while one is set.
    const fetch: FetchFunction = async (url, init) => {
      if (gate && url.endsWith('/token') && init.body instanceof URLSearchParams && init.body.get('grant_type') === 'refresh_token') {
        reachedToken();
        await gate;
      }
      return defaultFetch(url, init);
    };
    const clock = new ShiftableClock();
    const t = await createTestApp({ clock, fetch });
    const { client: admin, userId: adminId, personalWs } = await signedUp(t, 'admin@example.com');
    const ws = (await admin.post('/api/v1/workspaces', { name: 'Team' })).json.id as string;
    w = { t, clock, admin, adminId, ws, personalWs };
    await registerPeerApp(w, peer.issuer, SECRET);
  });
  after(async () => {
    await w?.t.close();
    await peer?.close();
  });

  test('the connection ends in reauthorize, not active', async () => {
    const id = await connectThroughPeer(w, peer);
    const reached = new Promise<void>((r) => (reachedToken = r));
    gate = new Promise<void>((r) => (open = r));
    const refreshing = w.admin.post(`/api/v1/connections/${id}/refresh`);
    await reached;
    assert.equal((await w.admin.delete('/api/v1/admin/oauth-apps/acme')).status, 204);
    open();
    gate = null;
    await refreshing;
    const row = await w.t.store.db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.status, 'reauthorize');
    const t = await w.admin.post(`/api/v1/connections/${id}/token`, {});
    assert.equal(t.status, 409);
  });
});
