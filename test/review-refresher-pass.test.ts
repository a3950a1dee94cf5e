import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BackgroundRefresher } from '../src/worker/refresher.ts';
import { startOidcProvider, type OidcPeer } from './peers/oidc-provider.ts';
import { connectThroughPeer, connectWorld, registerPeerApp, type ConnectWorld } from './helpers/oauth.ts';
import { testDbKind } from './helpers/db.ts';

const SECRET = 'review-refresher-pass-secret-42';

/**
 * Regression: one background pass claimed again every row whose *new* token was already due
 * before the pass's horizon. A token living less than about the horizon plus its buffer (here
 * 4 s against a 5 s interval; 135 s with a 60 s interval) was refreshed in a tight loop, as fast
 * as the provider answered, and the pass never ended — the provider was hammered, every other
 * due connection waited, and the worker stopped looking at anything else.
 */
describe(`background refresher: one refresh per connection per pass on ${testDbKind}`, () => {
  let peer: OidcPeer;
  let w: ConnectWorld;

  before(async () => {
    peer = await startOidcProvider({ clients: [{ clientId: 'tether-test', clientSecret: SECRET, redirectUris: ['http://localhost:3000/oauth/callback'] }], ttl: { accessToken: 4 } });
    w = await connectWorld();
    await registerPeerApp(w, peer.issuer, SECRET);
  });
  after(async () => {
    await w?.t.close();
    await peer?.close();
  });

  test('a short-lived token is refreshed once per pass, and the pass ends', async () => {
    await connectThroughPeer(w, peer);
    peer.resetCounters();
    const worker = new BackgroundRefresher({ db: w.t.store.db, clock: w.clock, logger: w.t.app.log, refresher: w.t.services.refresher, intervalMs: 5000, concurrency: 4 });
    // Backstop so a looping pass cannot hang the suite: it stops at the next claim once aborted.
    const stop = AbortSignal.timeout(3000);
    const started = Date.now();
    const attempted = await worker.runOnce(stop);
    assert.equal(peer.counters.refreshTokenGrants, 1, `refresh grants in one pass: ${peer.counters.refreshTokenGrants}`);
    assert.equal(attempted, 1);
    assert.ok(Date.now() - started < 3000, 'the pass ended by itself');
  });
});
