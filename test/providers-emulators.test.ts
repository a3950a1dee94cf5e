/**
 * Each provider quirk, end to end: oauth4webapi (and once openid-client) drives the loopback
 * emulators with the catalog's normalizer plugged in as `customFetch`, proving the library
 * accepts the normalized answers and that identity and granted scopes come out right.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { secret } from '../src/core/secret.ts';
import {
  authorizationServer,
  clientAuthentication,
  discover,
  errorInputFrom,
  expectedIssuerFor,
  oauthClient,
  requestedScopes,
  resolveProvider,
  revokeSlackToken,
  tokenEndpointFetch,
} from '../src/oauth/providers/index.ts';
import type { AccountIdentity, ErrorClassification, OAuthAppConfig, ResolvedProvider } from '../src/oauth/providers/index.ts';
import { startGoogleEmulator } from './peers/google.ts';
import type { GoogleEmulator } from './peers/google.ts';
import { entraErrors, startMicrosoftEmulator } from './peers/microsoft.ts';
import type { MicrosoftEmulator } from './peers/microsoft.ts';
import { startSlackEmulator } from './peers/slack.ts';
import type { SlackEmulator } from './peers/slack.ts';

const REDIRECT_URI = 'http://127.0.0.1:3000/oauth/callback';
const CLIENT_SECRET = 'emulator-client-secret';
const clientSecret = secret(CLIENT_SECRET);

function resolve(domain: string, app: Omit<OAuthAppConfig, 'domain'>): ResolvedProvider {
  const result = resolveProvider(domain, { domain, ...app });
  if (!result.ok) assert.fail(result.error.message);
  return result.provider;
}

function requestOptions(provider: ResolvedProvider) {
  return { [oauth.customFetch]: tokenEndpointFetch(provider), [oauth.allowInsecureRequests]: provider.allowInsecureRequests };
}

interface Connected {
  readonly result: oauth.TokenEndpointResponse;
  readonly identity: AccountIdentity | undefined;
  readonly granted: string[];
  readonly authorizeQuery: URLSearchParams;
  /** True when the ID token's signature was checked against the provider's JWKS. */
  readonly signatureVerified: boolean;
}

/** The authorization-code flow the connect service runs, on oauth4webapi, with the provider's quirks. */
async function connect(provider: ResolvedProvider, scopes: readonly string[] = requestedScopes(provider)): Promise<Connected> {
  const state = oauth.generateRandomState();
  const verifier = oauth.generateRandomCodeVerifier();
  const nonce = provider.oidc ? oauth.generateRandomNonce() : undefined;
  const authorizeUrl = new URL(provider.authorizeUrl);
  const params: Record<string, string> = {
    ...provider.authorizationParameters(scopes),
    client_id: provider.clientId,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    state,
  };
  if (provider.supportsPkce) {
    params['code_challenge'] = await oauth.calculatePKCECodeChallenge(verifier);
    params['code_challenge_method'] = 'S256';
  }
  if (nonce !== undefined) params['nonce'] = nonce;
  for (const [key, value] of Object.entries(params)) authorizeUrl.searchParams.set(key, value);

  const redirect = await fetch(authorizeUrl, { redirect: 'manual' });
  assert.equal(redirect.status, 302, await redirect.clone().text());
  const callback = new URL(redirect.headers.get('location') ?? '');

  const as = authorizationServer(provider);
  const oauthCl = oauthClient(provider);
  const callbackParams = oauth.validateAuthResponse(as, oauthCl, callback, state);
  const tokenResponse = await oauth.authorizationCodeGrantRequest(
    as,
    oauthCl,
    clientAuthentication(provider, clientSecret),
    callbackParams,
    REDIRECT_URI,
    provider.supportsPkce ? verifier : oauth.nopkce,
    requestOptions(provider),
  );
  const issuer = await expectedIssuerFor(provider, tokenResponse);
  const result = await oauth.processAuthorizationCodeResponse(authorizationServer(provider, issuer), oauthCl, tokenResponse, {
    expectedNonce: nonce ?? oauth.expectNoNonce,
    requireIdToken: provider.oidc,
  });
  let signatureVerified = false;
  if (result.id_token !== undefined && provider.jwksUri !== undefined) {
    // Non-repudiation (what openid-client's enableNonRepudiationChecks does).
    await oauth.validateApplicationLevelSignature(authorizationServer(provider, issuer), tokenResponse, { [oauth.allowInsecureRequests]: provider.allowInsecureRequests });
    signatureVerified = true;
  }
  let userinfo: oauth.UserInfoResponse | undefined;
  if (provider.identitySource === 'userinfo') {
    const answer = await oauth.userInfoRequest(as, oauthCl, result.access_token, requestOptions(provider));
    userinfo = await oauth.processUserInfoResponse(as, oauthCl, oauth.skipSubjectCheck, answer);
  }
  const identity = provider.identify({ tokenResponse: result, idTokenClaims: oauth.getValidatedIdTokenClaims(result), userinfo });
  return { result, identity, granted: provider.grantedScopes(result, scopes), authorizeQuery: new URL(authorizeUrl).searchParams, signatureVerified };
}

async function refresh(provider: ResolvedProvider, refreshToken: string): Promise<oauth.TokenEndpointResponse> {
  const response = await oauth.refreshTokenGrantRequest(
    authorizationServer(provider),
    oauthClient(provider),
    clientAuthentication(provider, clientSecret),
    refreshToken,
    requestOptions(provider),
  );
  const issuer = await expectedIssuerFor(provider, response);
  return oauth.processRefreshTokenResponse(authorizationServer(provider, issuer), oauthClient(provider), response);
}

/** Runs `action`, expecting a provider failure, and classifies it the way the services will. */
async function classified(provider: ResolvedProvider, action: () => Promise<unknown>): Promise<ErrorClassification> {
  try {
    await action();
  } catch (err) {
    const input = errorInputFrom(err);
    if (input === undefined) throw err;
    return provider.classifyError(input);
  }
  return assert.fail('expected the provider to refuse');
}

describe('Google emulator', () => {
  let emu: GoogleEmulator;
  let google: ResolvedProvider;
  const GMAIL = 'https://www.googleapis.com/auth/gmail.readonly';
  const SHEETS = 'https://www.googleapis.com/auth/spreadsheets';

  before(async () => {
    emu = await startGoogleEmulator({ clientId: 'google-client.apps.googleusercontent.com', clientSecret: CLIENT_SECRET });
    google = resolve('google', {
      clientId: emu.clientId,
      authorizeUrl: emu.endpoints.authorize,
      tokenUrl: emu.endpoints.token,
      revocationUrl: emu.endpoints.revocation,
      userinfoUrl: emu.endpoints.userinfo,
      issuer: emu.issuer,
      apiBaseUrl: emu.baseUrl,
    });
  });
  after(() => emu.close());

  test('Google: offline access, forced consent and incremental auth are requested, with PKCE', async () => {
    const { authorizeQuery } = await connect(google);
    const seen = emu.calls.lastAuthorize;
    assert.equal(seen?.get('access_type'), 'offline');
    assert.equal(seen?.get('prompt'), 'consent');
    assert.equal(seen?.get('include_granted_scopes'), 'true');
    assert.equal(seen?.get('code_challenge_method'), 'S256');
    assert.equal(authorizeQuery.get('scope'), 'openid email');
    assert.equal(emu.calls.lastClientAuth, 'client_secret_post');
  });

  test('Google: identity is the ID token sub with the email for display; iss (RFC 9207) is checked', async () => {
    const { identity, result } = await connect(google);
    assert.deepEqual(identity, { accountId: emu.user.sub, displayName: emu.user.email });
    assert.equal(result.token_type, 'bearer');
    assert.equal(typeof result.refresh_token, 'string');
    emu.scenario.sendIss = false;
    try {
      await assert.rejects(connect(google), { name: 'OperationProcessingError', message: /"iss"/ });
    } finally {
      emu.scenario.sendIss = true;
    }
  });

  test('Google: unticked scopes are recorded as not granted, from the answer\'s scope', async () => {
    emu.scenario.uncheckedScopes = [SHEETS];
    try {
      const { granted } = await connect(google, ['openid', 'email', GMAIL, SHEETS]);
      assert.deepEqual(granted, ['openid', 'email', GMAIL]);
    } finally {
      emu.scenario.uncheckedScopes = [];
    }
  });

  test('Google: a refresh answer has no refresh_token and the stored one keeps working', async () => {
    const { result } = await connect(google);
    const stored = result.refresh_token;
    assert.ok(stored !== undefined);
    const before = emu.calls.token['refresh_token'] ?? 0;
    const first = await refresh(google, stored);
    const second = await refresh(google, stored);
    assert.equal(first.refresh_token, undefined);
    assert.equal(second.refresh_token, undefined);
    assert.notEqual(first.access_token, second.access_token);
    assert.equal(emu.calls.token['refresh_token'], before + 2);
    assert.deepEqual(google.grantedScopes(first, []), ['openid', 'email']);
  });

  test('Google: admin_policy_enforced at the callback asks for a Workspace administrator', async () => {
    emu.scenario.authorizeError = 'admin_policy_enforced';
    try {
      const outcome = await classified(google, () => connect(google));
      assert.equal(outcome.kind, 'admin_approval');
      assert.match(outcome.reason, /Manage Third-Party App Access/);
    } finally {
      emu.scenario.authorizeError = undefined;
    }
  });

  test('Google: access_denied at the callback is denied', async () => {
    emu.scenario.authorizeError = 'access_denied';
    try {
      assert.equal((await classified(google, () => connect(google))).kind, 'denied');
    } finally {
      emu.scenario.authorizeError = undefined;
    }
  });

  test('Google: revocation at /revoke (RFC 7009) ends the grant; the next refresh is permanent', async () => {
    const { result } = await connect(google);
    const before = emu.calls.revocations;
    const answer = await oauth.revocationRequest(authorizationServer(google), oauthClient(google), clientAuthentication(google, clientSecret), result.access_token, requestOptions(google));
    await oauth.processRevocationResponse(answer);
    assert.equal(emu.calls.revocations, before + 1);
    const outcome = await classified(google, () => refresh(google, result.refresh_token ?? ''));
    assert.equal(outcome.kind, 'permanent');
    assert.equal(outcome.code, 'invalid_grant');
  });

  test('Google: a wrong client secret is misconfigured', async () => {
    const outcome = await classified(google, () =>
      oauth
        .refreshTokenGrantRequest(authorizationServer(google), oauthClient(google), clientAuthentication(google, secret('wrong')), 'bogus', requestOptions(google))
        .then((r) => oauth.processRefreshTokenResponse(authorizationServer(google), oauthClient(google), r)),
    );
    assert.equal(outcome.kind, 'misconfigured');
  });

  test('Custom: discovery via issuer fills endpoints, enables iss checks, and ID tokens verify against the JWKS', async () => {
    const custom = resolve('acme-idp', {
      clientId: emu.clientId,
      authorizeUrl: emu.endpoints.authorize,
      tokenUrl: emu.endpoints.token,
      issuer: emu.issuer,
      scopes: ['openid', 'email'],
    });
    assert.equal(custom.discovery, true);
    assert.equal(custom.userinfoUrl, undefined);
    const found = await discover(custom);
    if (!found.ok) assert.fail(found.error.reason);
    const p = found.provider;
    assert.equal(p.userinfoUrl, emu.endpoints.userinfo);
    assert.equal(p.revocationUrl, emu.endpoints.revocation);
    assert.equal(p.jwksUri, emu.endpoints.jwks);
    assert.equal(p.revocation, 'rfc7009');
    assert.equal(p.authorizationResponseIssParameter, true);
    assert.equal(p.identitySource, 'id_token');
    assert.ok(Object.isFrozen(p));
    const { identity, signatureVerified } = await connect(p);
    assert.deepEqual(identity, { accountId: emu.user.sub, displayName: emu.user.email });
    assert.equal(emu.calls.lastClientAuth, 'client_secret_basic');
    assert.equal(signatureVerified, true, 'the RS256 ID token verifies against the discovered JWKS');
  });

  test('Custom: discovery refuses metadata whose issuer differs (RFC 8414 §3.3)', async () => {
    const custom = resolve('acme-idp', {
      clientId: emu.clientId,
      authorizeUrl: emu.endpoints.authorize,
      tokenUrl: emu.endpoints.token,
      issuer: `${emu.issuer}/tenant-a`,
    });
    const found = await discover(custom);
    assert.equal(found.ok, false);
    if (!found.ok) assert.equal(found.error.kind, 'misconfigured');
  });

  test('Custom: without an issuer the account comes from userinfo', async () => {
    emu.scenario.sendIss = false;
    try {
      const custom = resolve('acme-crm', {
        clientId: emu.clientId,
        authorizeUrl: emu.endpoints.authorize,
        tokenUrl: emu.endpoints.token,
        userinfoUrl: emu.endpoints.userinfo,
        scopes: ['email'],
        tokenEndpointAuthMethod: 'client_secret_post',
      });
      assert.equal(custom.identitySource, 'userinfo');
      const { identity, granted } = await connect(custom);
      assert.deepEqual(identity, { accountId: emu.user.sub, displayName: emu.user.email });
      assert.deepEqual(granted, ['https://www.googleapis.com/auth/userinfo.email'], 'custom providers record scopes verbatim');
    } finally {
      emu.scenario.sendIss = true;
    }
  });
});

describe('Microsoft emulator', () => {
  let emu: MicrosoftEmulator;
  const app = (tenant: string) => ({
    clientId: 'ms-client-id',
    authorizeUrl: emu.templates.authorize,
    tokenUrl: emu.templates.token,
    issuer: emu.templates.issuer,
    tenant,
    apiBaseUrl: emu.baseUrl,
  });

  before(async () => {
    emu = await startMicrosoftEmulator({ clientId: 'ms-client-id', clientSecret: CLIENT_SECRET, tenantDomain: 'contoso.onmicrosoft.com' });
  });
  after(() => emu.close());

  test('Microsoft: authorize and token URLs are built from the tenant setting', async () => {
    for (const tenant of ['organizations', emu.tenantId, 'contoso.onmicrosoft.com']) {
      const provider = resolve('microsoft', app(tenant));
      const seen = emu.calls.tenantsSeen.length;
      await connect(provider);
      assert.deepEqual(emu.calls.tenantsSeen.slice(seen), [tenant, tenant]);
    }
  });

  test('Microsoft: the multi-tenant {tenantid} issuer is matched using the ID token tid; identity is tid:oid', async () => {
    const provider = resolve('microsoft', app('common'));
    assert.match(provider.issuer, /\{tenantid\}/);
    const { identity, result } = await connect(provider);
    assert.deepEqual(identity, { accountId: `${emu.tenantId}:${emu.user.oid}`, displayName: emu.user.preferredUsername });
    assert.equal(emu.calls.lastAuthorize?.get('scope'), 'openid profile email offline_access User.Read');
    assert.equal(emu.calls.lastClientAuth, 'client_secret_post');
    assert.equal(typeof result.refresh_token, 'string');
  });

  test('Microsoft: offline_access is recorded as granted though the answer never echoes it', async () => {
    const { granted, result } = await connect(resolve('microsoft', app('common')));
    assert.equal(result.scope?.includes('offline_access'), false);
    assert.deepEqual(granted, ['openid', 'profile', 'email', 'User.Read', 'offline_access']);
  });

  test('Microsoft: every refresh returns a new refresh token (the old one is not revoked)', async () => {
    const provider = resolve('microsoft', app('common'));
    const { result } = await connect(provider);
    const first = await refresh(provider, result.refresh_token ?? '');
    const second = await refresh(provider, first.refresh_token ?? '');
    assert.ok(first.refresh_token !== undefined && second.refresh_token !== undefined);
    assert.notEqual(first.refresh_token, result.refresh_token);
    assert.notEqual(second.refresh_token, first.refresh_token);
    const again = await refresh(provider, result.refresh_token ?? '');
    assert.equal(typeof again.access_token, 'string');
  });

  test('Microsoft: AADSTS700082 in error_description makes a refresh failure permanent', async () => {
    const provider = resolve('microsoft', app('common'));
    const { result } = await connect(provider);
    emu.scenario.refreshError = entraErrors.refreshTokenInactive;
    try {
      const outcome = await classified(provider, () => refresh(provider, result.refresh_token ?? ''));
      assert.deepEqual([outcome.kind, outcome.code], ['permanent', 'AADSTS700082']);
    } finally {
      emu.scenario.refreshError = undefined;
    }
  });

  test('Microsoft: revoked sign-in sessions (AADSTS50173) are permanent', async () => {
    const provider = resolve('microsoft', app('common'));
    const { result } = await connect(provider);
    emu.revokeSignInSessions();
    const outcome = await classified(provider, () => refresh(provider, result.refresh_token ?? ''));
    assert.deepEqual([outcome.kind, outcome.code], ['permanent', 'AADSTS50173']);
  });

  test('Microsoft: AADSTS90094 at the callback asks for admin consent; AADSTS65004 is denied', async () => {
    const provider = resolve('microsoft', app('organizations'));
    emu.scenario.authorizeError = entraErrors.adminConsentRequired;
    try {
      const admin = await classified(provider, () => connect(provider));
      assert.equal(admin.kind, 'admin_approval');
      assert.match(admin.reason, /Grant admin consent/);
      emu.scenario.authorizeError = entraErrors.userDeclinedConsent;
      assert.equal((await classified(provider, () => connect(provider))).kind, 'denied');
    } finally {
      emu.scenario.authorizeError = undefined;
    }
  });

  test('Microsoft: a wrong client secret (AADSTS7000215) is misconfigured', async () => {
    const provider = resolve('microsoft', app('common'));
    const outcome = await classified(provider, () =>
      oauth
        .refreshTokenGrantRequest(authorizationServer(provider), oauthClient(provider), clientAuthentication(provider, secret('wrong')), 'bogus', requestOptions(provider))
        .then((r) => oauth.processRefreshTokenResponse(authorizationServer(provider), oauthClient(provider), r)),
    );
    assert.deepEqual([outcome.kind, outcome.code], ['misconfigured', 'AADSTS7000215']);
  });
});

describe('Slack emulator', () => {
  let emu: SlackEmulator;
  let slack: ResolvedProvider;

  before(async () => {
    emu = await startSlackEmulator({ clientId: '2141029472.691202649728', clientSecret: CLIENT_SECRET });
    slack = resolve('slack', {
      clientId: '2141029472.691202649728',
      authorizeUrl: emu.endpoints.authorize,
      tokenUrl: emu.endpoints.token,
      revocationUrl: emu.endpoints.revocation,
      apiBaseUrl: `${emu.baseUrl}/api`,
      scopes: ['chat:write', 'channels:read'],
    });
  });
  after(() => emu.close());

  test('Slack: bot token_type is normalized to bearer; scopes are comma-separated; identity is team.id:authed_user.id', async () => {
    const { result, identity, granted } = await connect(slack);
    assert.equal(emu.calls.lastAuthorize?.get('scope'), 'chat:write,channels:read');
    assert.equal(emu.calls.lastClientAuth, 'client_secret_basic');
    assert.equal(result.token_type, 'bearer');
    assert.equal(result['slack_token_type'], 'bot');
    assert.match(result.access_token, /^xoxb-/);
    assert.equal('ok' in result, false);
    assert.deepEqual(granted, ['chat:write', 'channels:read']);
    assert.deepEqual(identity, { accountId: 'T9TK3CUKW:U1234ABCD', displayName: 'Slack Pickleball Team (U1234ABCD)' });
  });

  test('Slack: a user-only install lifts the authed_user token; identity team.id:authed_user.id', async () => {
    const { result, identity, granted } = await connect(slack, ['user:search:read', 'user:chat:write']);
    assert.equal(emu.calls.lastAuthorize?.get('user_scope'), 'search:read,chat:write');
    assert.equal(emu.calls.lastAuthorize?.has('scope'), false);
    assert.match(result.access_token, /^xoxp-/);
    assert.equal(result['slack_token_type'], 'user');
    assert.deepEqual(granted, ['user:search:read', 'user:chat:write']);
    assert.deepEqual(identity, { accountId: 'T9TK3CUKW:U1234ABCD', displayName: 'Slack Pickleball Team (U1234ABCD)' });
    const authedUser = result['authed_user'];
    assert.ok(typeof authedUser === 'object' && authedUser !== null && !Array.isArray(authedUser));
    assert.equal('access_token' in authedUser, false);
  });

  test('Slack: a declined optional scope is recorded as not granted', async () => {
    emu.scenario.declinedScopes = ['channels:read'];
    try {
      assert.deepEqual((await connect(slack)).granted, ['chat:write']);
    } finally {
      emu.scenario.declinedScopes = [];
    }
  });

  test('Slack: ok:false at HTTP 200 becomes a classified error (bad_client_secret, invalid_code)', async () => {
    const wrongSecret = await classified(slack, () =>
      oauth
        .refreshTokenGrantRequest(authorizationServer(slack), oauthClient(slack), clientAuthentication(slack, secret('wrong')), 'xoxe-1-bogus', requestOptions(slack))
        .then((r) => oauth.processRefreshTokenResponse(authorizationServer(slack), oauthClient(slack), r)),
    );
    assert.deepEqual([wrongSecret.kind, wrongSecret.code], ['misconfigured', 'bad_client_secret']);
    emu.scenario.accessError = 'invalid_code';
    try {
      const outcome = await classified(slack, () => connect(slack));
      assert.deepEqual([outcome.kind, outcome.code], ['permanent', 'invalid_code']);
    } finally {
      emu.scenario.accessError = undefined;
    }
  });

  test('Slack: the installation cancelled at the callback is denied', async () => {
    emu.scenario.authorizeError = 'access_denied';
    try {
      assert.equal((await classified(slack, () => connect(slack))).kind, 'denied');
    } finally {
      emu.scenario.authorizeError = undefined;
    }
  });

  test('Slack: with token rotation, tokens expire in 12 h and each refresh token works once', async () => {
    emu.scenario.tokenRotation = true;
    try {
      const { result } = await connect(slack);
      assert.equal(result.expires_in, 43200);
      assert.match(result.access_token, /^xoxe\.xoxb-/);
      const first = await refresh(slack, result.refresh_token ?? '');
      assert.ok(first.refresh_token !== undefined && first.refresh_token !== result.refresh_token);
      assert.equal(first.token_type, 'bearer');
      assert.deepEqual(slack.grantedScopes(first, []), ['chat:write', 'channels:read']);
      const reused = await classified(slack, () => refresh(slack, result.refresh_token ?? ''));
      assert.deepEqual([reused.kind, reused.code], ['permanent', 'invalid_refresh_token']);
    } finally {
      emu.scenario.tokenRotation = false;
    }
  });

  test('Slack: user token rotation keeps the user: scope prefix', async () => {
    emu.scenario.tokenRotation = true;
    try {
      const { result } = await connect(slack, ['user:search:read']);
      const next = await refresh(slack, result.refresh_token ?? '');
      assert.equal(next['slack_token_type'], 'user');
      assert.deepEqual(slack.grantedScopes(next, []), ['user:search:read']);
    } finally {
      emu.scenario.tokenRotation = false;
    }
  });

  test('Slack: auth.revoke revokes the token; a second revoke reports it already gone', async () => {
    const { result } = await connect(slack);
    const first = await revokeSlackToken(slack.revocationUrl ?? '', secret(result.access_token));
    assert.deepEqual(first, { ok: true, revoked: true });
    assert.ok(emu.revokedTokens.has(result.access_token));
    assert.deepEqual(await revokeSlackToken(slack.revocationUrl ?? '', secret(result.access_token)), { ok: true, revoked: false });
    assert.equal(emu.calls.revocations, 2);
  });

  test('Slack via openid-client: the normalized answers are accepted by its authorizationCodeGrant', async () => {
    const config = new client.Configuration(authorizationServer(slack), slack.clientId, undefined, client.ClientSecretBasic(CLIENT_SECRET));
    client.allowInsecureRequests(config);
    config[client.customFetch] = tokenEndpointFetch(slack);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      ...slack.authorizationParameters(slack.scopes),
      redirect_uri: REDIRECT_URI,
      state,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const redirect = await fetch(url, { redirect: 'manual' });
    const tokens = await client.authorizationCodeGrant(config, new URL(redirect.headers.get('location') ?? ''), { pkceCodeVerifier: verifier, expectedState: state });
    assert.equal(tokens.token_type, 'bearer');
    assert.deepEqual(slack.identify({ tokenResponse: tokens }), { accountId: 'T9TK3CUKW:U1234ABCD', displayName: 'Slack Pickleball Team (U1234ABCD)' });
  });
});
