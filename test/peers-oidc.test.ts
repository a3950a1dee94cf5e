import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { startOidcProvider, type AuthorizeDecision, type OidcPeer } from './peers/oidc-provider.ts';

/**
 * The oidc-provider peer itself, exercised with openid-client the way Tether uses an
 * authorization server: code + PKCE, rotation, revocation, introspection, denial, narrowed
 * consent and injected token-endpoint failures.
 */

const REDIRECT_URI = 'http://127.0.0.1:9/oauth/callback'; // never requested: authorize() stops there

interface Flow {
  readonly callback: URL;
  readonly verifier: string;
  readonly state: string;
  readonly nonce: string;
}

async function startFlow(
  peer: OidcPeer,
  config: oidc.Configuration,
  scope: string,
  decision: AuthorizeDecision = {},
  { pkce = true }: { pkce?: boolean } = {},
): Promise<Flow> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const parameters: Record<string, string> = { redirect_uri: REDIRECT_URI, scope, state, nonce };
  if (pkce) {
    parameters.code_challenge = await oidc.calculatePKCECodeChallenge(verifier);
    parameters.code_challenge_method = 'S256';
  }
  const callback = await peer.authorize(oidc.buildAuthorizationUrl(config, parameters), decision);
  return { callback, verifier, state, nonce };
}

async function connect(peer: OidcPeer, config: oidc.Configuration, scope: string, decision: AuthorizeDecision = {}) {
  const flow = await startFlow(peer, config, scope, decision);
  return oidc.authorizationCodeGrant(config, flow.callback, {
    pkceCodeVerifier: flow.verifier,
    expectedState: flow.state,
    expectedNonce: flow.nonce,
  });
}

async function oauthError(promise: Promise<unknown>): Promise<{ error: unknown; status: unknown }> {
  const failure: unknown = await promise.then(
    () => assert.fail('expected the request to fail'),
    (error: unknown) => error,
  );
  assert.ok(failure instanceof Error, 'an Error');
  const { error, status } = failure as Error & { error?: unknown; status?: unknown };
  return { error, status };
}

void describe('oidc-provider peer', () => {
  let peer: OidcPeer;
  let config: oidc.Configuration;

  before(async () => {
    peer = await startOidcProvider({
      clients: [{ clientId: 'tether', clientSecret: 'tether-secret', redirectUris: [REDIRECT_URI] }],
      ttl: { accessToken: 2 },
    });
    config = await oidc.discovery(
      new URL(peer.issuer),
      peer.client.clientId,
      undefined,
      oidc.ClientSecretBasic(peer.client.clientSecret),
      { execute: [oidc.allowInsecureRequests] },
    );
  });

  after(async () => {
    await peer.close();
  });

  void test('discovery advertises the endpoints Tether needs', () => {
    const metadata = config.serverMetadata();
    assert.equal(metadata.issuer, peer.issuer);
    assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
    assert.equal(metadata.authorization_response_iss_parameter_supported, true);
    assert.equal(metadata.revocation_endpoint, `${peer.issuer}/token/revocation`);
    assert.equal(metadata.introspection_endpoint, `${peer.issuer}/token/introspection`);
    assert.ok(metadata.scopes_supported?.includes('api:read'));
  });

  void test('code + PKCE, then rotation: one refresh grant, old refresh token rejected', async () => {
    peer.resetCounters();
    const flow = await startFlow(peer, config, 'openid email offline_access api:read', { accountId: 'alice' });
    assert.equal(flow.callback.origin + flow.callback.pathname, REDIRECT_URI);
    assert.equal(flow.callback.searchParams.get('iss'), peer.issuer); // RFC 9207
    assert.equal(flow.callback.searchParams.get('state'), flow.state);

    const tokens = await oidc.authorizationCodeGrant(config, flow.callback, {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
    });
    const claims = tokens.claims();
    assert.equal(claims?.sub, 'alice');
    assert.equal(claims?.email, 'alice@example.test');
    assert.equal(tokens.expires_in, 2);
    // offline_access is dropped without prompt=consent (OIDC Core §11); the refresh token
    // comes anyway because the peer's refreshTokens policy is `always`.
    assert.deepEqual(new Set(tokens.scope?.split(' ')), new Set(['openid', 'email', 'api:read']));
    const firstRefresh = tokens.refresh_token;
    assert.ok(firstRefresh);

    const refreshed = await oidc.refreshTokenGrant(config, firstRefresh);
    assert.ok(refreshed.refresh_token);
    assert.notEqual(refreshed.refresh_token, firstRefresh);
    assert.notEqual(refreshed.access_token, tokens.access_token);
    assert.deepEqual(peer.counters, {
      ...peer.counters,
      authorizations: 1,
      authorizationCodeGrants: 1,
      refreshTokenGrants: 1,
      failedGrants: 0,
      tokenRequests: 2,
    });

    // Reuse of a rotated refresh token: invalid_grant (and oidc-provider revokes the grant).
    const reuse = await oauthError(oidc.refreshTokenGrant(config, firstRefresh));
    assert.equal(reuse.error, 'invalid_grant');
    assert.equal(peer.counters.refreshTokenGrants, 1);
    assert.equal(peer.counters.failedGrants, 1);
  });

  void test('revoked refresh token introspects as inactive', async () => {
    const tokens = await connect(peer, config, 'openid offline_access');
    const refreshToken = tokens.refresh_token;
    assert.ok(refreshToken);
    assert.equal((await oidc.tokenIntrospection(config, refreshToken)).active, true);

    peer.resetCounters();
    await oidc.tokenRevocation(config, refreshToken);
    assert.equal((await oidc.tokenIntrospection(config, refreshToken)).active, false);
    assert.equal(peer.counters.revocations, 1);
    assert.equal(peer.counters.introspections, 1);
    assert.equal((await oauthError(oidc.refreshTokenGrant(config, refreshToken))).error, 'invalid_grant');
  });

  void test('a refresh token is issued without offline_access (refreshTokens: always)', async () => {
    const tokens = await connect(peer, config, 'openid email');
    assert.ok(tokens.refresh_token);
  });

  void test('with prompt=consent, offline_access is granted and in the scope', async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid offline_access',
      prompt: 'consent',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const tokens = await oidc.authorizationCodeGrant(config, await peer.authorize(url), { pkceCodeVerifier: verifier });
    assert.deepEqual(new Set(tokens.scope?.split(' ')), new Set(['openid', 'offline_access']));
    assert.ok(tokens.refresh_token);
  });

  void test('denied consent reaches the callback as access_denied', async () => {
    const flow = await startFlow(peer, config, 'openid email', { deny: true });
    assert.equal(flow.callback.searchParams.get('error'), 'access_denied');
    assert.equal(flow.callback.searchParams.get('state'), flow.state);
    assert.equal(flow.callback.searchParams.get('iss'), peer.issuer);
    assert.equal(flow.callback.searchParams.get('code'), null);
  });

  void test('unticked scopes are missing from the token response', async () => {
    const tokens = await connect(peer, config, 'openid email offline_access api:read api:write', {
      accountId: 'bob',
      grantScopes: ['openid', 'email', 'offline_access', 'api:read'],
    });
    const scopes = new Set(tokens.scope?.split(' '));
    assert.ok(scopes.has('api:read'));
    assert.ok(!scopes.has('api:write'));
    assert.equal(tokens.claims()?.sub, 'bob');
  });

  void test('an authorization request without PKCE is refused', async () => {
    const flow = await startFlow(peer, config, 'openid', {}, { pkce: false });
    assert.equal(flow.callback.searchParams.get('error'), 'invalid_request');
    assert.match(flow.callback.searchParams.get('error_description') ?? '', /PKCE/);
  });

  void test('injected token endpoint failures, then recovery', async () => {
    const tokens = await connect(peer, config, 'openid offline_access');
    assert.ok(tokens.refresh_token);
    peer.resetCounters();

    peer.setTokenEndpointFailure({ status: 503, times: 1 });
    const unavailable: unknown = await oidc.refreshTokenGrant(config, tokens.refresh_token).then(
      () => assert.fail('expected a 503'),
      (error: unknown) => error,
    );
    // oauth4webapi treats any status but 400/401 as a non-conforming response, OAuth body or not.
    assert.ok(unavailable instanceof oidc.ClientError);
    assert.equal(unavailable.code, 'OAUTH_RESPONSE_IS_NOT_CONFORM');
    assert.ok(unavailable.cause instanceof Response);
    assert.equal(unavailable.cause.status, 503);

    peer.setTokenEndpointFailure({ status: 400, error: 'invalid_grant', times: 1 });
    assert.equal((await oauthError(oidc.refreshTokenGrant(config, tokens.refresh_token))).error, 'invalid_grant');

    // `times` used up: the real provider answers again, and the token was never consumed.
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token);
    assert.ok(refreshed.refresh_token);
    assert.equal(peer.counters.injectedFailures, 2);
    assert.equal(peer.counters.tokenRequests, 3);
    assert.equal(peer.counters.refreshTokenGrants, 1);

    // A delay without a status slows the request down, then the provider answers it.
    peer.setTokenEndpointFailure({ delayMs: 300, times: 1 });
    const started = performance.now();
    assert.ok((await oidc.refreshTokenGrant(config, refreshed.refresh_token)).access_token);
    assert.ok(performance.now() - started >= 290);
    assert.equal(peer.counters.refreshTokenGrants, 2);
  });

  void test('revokeGrantsFor makes the next refresh answer invalid_grant', async () => {
    const tokens = await connect(peer, config, 'openid offline_access', { accountId: 'bob' });
    assert.ok(tokens.refresh_token);
    assert.ok((await peer.revokeGrantsFor('bob')) >= 1);
    assert.equal((await oauthError(oidc.refreshTokenGrant(config, tokens.refresh_token))).error, 'invalid_grant');
  });

  void test('a deleted account cannot refresh', async () => {
    peer.setAccount({ id: 'carol', email: 'carol@example.test' });
    const tokens = await connect(peer, config, 'openid email', { accountId: 'carol' });
    assert.equal(tokens.claims()?.email, 'carol@example.test');
    assert.ok(tokens.refresh_token);
    peer.deleteAccount('carol');
    assert.equal((await oauthError(oidc.refreshTokenGrant(config, tokens.refresh_token))).error, 'invalid_grant');
  });

  void test('the short access token TTL is honoured', async () => {
    const tokens = await connect(peer, config, 'openid');
    assert.equal((await oidc.tokenIntrospection(config, tokens.access_token)).active, true);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    assert.equal((await oidc.tokenIntrospection(config, tokens.access_token)).active, false);
  });

  void test('a client_secret_post client added after start', async () => {
    const added = await peer.setClient({
      clientId: 'poster',
      clientSecret: 'poster-secret',
      redirectUris: [REDIRECT_URI],
      authMethod: 'client_secret_post',
    });
    const postConfig = await oidc.discovery(
      new URL(peer.issuer),
      added.clientId,
      undefined,
      oidc.ClientSecretPost(added.clientSecret),
      { execute: [oidc.allowInsecureRequests] },
    );
    const tokens = await connect(peer, postConfig, 'openid profile');
    assert.equal(tokens.claims()?.name, 'Alice Example');
    // oidc-provider accepts client_secret_basic and _post interchangeably; a wrong secret is refused.
    const wrong = await oidc.discovery(new URL(peer.issuer), added.clientId, undefined, oidc.ClientSecretPost('wrong'), {
      execute: [oidc.allowInsecureRequests],
    });
    assert.equal((await oauthError(oidc.refreshTokenGrant(wrong, 'bogus'))).error, 'invalid_client');
    // A bogus refresh token from an accepted client: invalid_grant (SPEC §2 "verify").
    assert.equal((await oauthError(oidc.refreshTokenGrant(postConfig, 'bogus'))).error, 'invalid_grant');
  });

  void test('no server errors along the way', () => {
    assert.equal(peer.counters.serverErrors, 0);
  });
});
