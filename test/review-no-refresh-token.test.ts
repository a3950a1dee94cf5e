import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOidcProvider, type OidcPeer } from './peers/oidc-provider.ts';
import { connectThroughPeer, connectWorld, registerPeerApp, type ConnectWorld } from './helpers/oauth.ts';
import { testDbKind } from './helpers/db.ts';

const SECRET = 'review-no-refresh-secret-42';
const TTL_S = 300;

/**
 * Regression: a connection the provider gave no refresh token (Slack without rotation, or any
 * provider that only issues access tokens) was moved to `reauthorize` by a manual refresh — or
 * by any token ask in the last minute before expiry — while its access token was still valid.
 * One click on "Refresh Token" (which a `manage` share also allows) broke every workflow on it.
 */
describe(`a connection without a refresh token on ${testDbKind}`, () => {
  let peer: OidcPeer;
  let w: ConnectWorld;

  before(async () => {
    peer = await startOidcProvider({
      clients: [{ clientId: 'tether-test', clientSecret: SECRET, redirectUris: ['http://localhost:3000/oauth/callback'] }],
      ttl: { accessToken: TTL_S },
      refreshTokens: 'never',
    });
    w = await connectWorld();
    await registerPeerApp(w, peer.issuer, SECRET);
  });
  after(async () => {
    await w?.t.close();
    await peer?.close();
  });

  const row = (id: string) => w.t.store.db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  test('manual refresh while the access token is still valid leaves it active and usable', async () => {
    const id = await connectThroughPeer(w, peer);
    assert.equal((await row(id)).refresh_token, null, 'the peer issued no refresh token');
    const res = await w.admin.post(`/api/v1/connections/${id}/refresh`);
    assert.notEqual(res.status, 409, `manual refresh must not cost a valid token: ${JSON.stringify(res.body)}`);
    const after = await row(id);
    assert.equal(after.status, 'active');
    assert.equal(after.refresh_lease_owner, null, 'lease released');
    assert.equal((await w.admin.post(`/api/v1/connections/${id}/token`, {})).status, 200);
  });

  test('a token ask inside the refresh buffer hands out the still-valid token; once expired it is reauthorize', async () => {
    const id = await connectThroughPeer(w, peer);
    w.clock.offsetMs = (TTL_S - 30) * 1000; // due (inside the 60 s buffer) but not expired
    try {
      const res = await w.admin.post(`/api/v1/connections/${id}/token`, {});
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal((await row(id)).status, 'active');
      w.clock.offsetMs = (TTL_S + 1) * 1000; // expired: only a reconnect helps now
      const expired = await w.admin.post(`/api/v1/connections/${id}/token`, {});
      assert.equal(expired.status, 409);
      assert.equal(expired.json.error.code, 'reauthorize_required');
    } finally {
      w.clock.offsetMs = 0;
    }
  });
});
