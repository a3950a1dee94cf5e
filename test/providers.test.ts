/**
 * Unit tests of the provider catalog: every classification rule, every normalizer rule, scope
 * and identity readers, and resolution of app configs over the catalog.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { AuthorizationResponseError, ResponseBodyError } from 'oauth4webapi';
import {
  builtInProviders,
  catalogEntries,
  errorInputFrom,
  expectedIssuerFor,
  google,
  microsoft,
  requestedScopes,
  requiresReauthorization,
  resolveProvider,
  slack,
  customProvider,
  validateAppConfig,
} from '../src/oauth/providers/index.ts';
import type { ErrorKind, OAuthAppConfig, ProviderDefinition, ProviderErrorInput, ResolvedProvider } from '../src/oauth/providers/index.ts';

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });
}

function expectKind(def: ProviderDefinition, input: ProviderErrorInput, kind: ErrorKind, code?: string): string {
  const result = def.classifyError(input);
  assert.equal(result.kind, kind, `${def.domain} ${JSON.stringify(input)} → ${result.kind} (${result.reason})`);
  if (code !== undefined) assert.equal(result.code, code);
  assert.ok(result.reason.length > 0);
  return result.reason;
}

function resolved(domain: string, app: Partial<OAuthAppConfig> = {}): ResolvedProvider {
  const result = resolveProvider(domain, { domain, clientId: 'client-1', ...app });
  if (!result.ok) assert.fail(result.error.message);
  return result.provider;
}

const secretLike = /xox[bpe]-|ya29\.|secret/;

describe('classification: RFC 6749 rules shared by every provider', () => {
  const acme = customProvider('acme-crm');
  test('network failures are transient', () => void expectKind(acme, { network: true }, 'transient', 'network_error'));
  test('429 is transient and keeps Retry-After', () => {
    const result = acme.classifyError({ status: 429, retryAfterSeconds: 30 });
    assert.equal(result.kind, 'transient');
    assert.equal(result.retryAfterSeconds, 30);
  });
  test('5xx is transient even with an error code', () => void expectKind(acme, { status: 503, error: 'invalid_grant' }, 'transient'));
  test('invalid_grant is permanent', () => void expectKind(acme, { status: 400, error: 'invalid_grant' }, 'permanent'));
  test('invalid_client and unauthorized_client are misconfigured', () => {
    expectKind(acme, { status: 401, error: 'invalid_client' }, 'misconfigured');
    expectKind(acme, { status: 400, error: 'unauthorized_client' }, 'misconfigured');
  });
  test('access_denied at the callback is denied', () => void expectKind(acme, { error: 'access_denied' }, 'denied'));
  test('temporarily_unavailable and server_error are transient', () => {
    expectKind(acme, { error: 'temporarily_unavailable' }, 'transient');
    expectKind(acme, { error: 'server_error' }, 'transient');
  });
  test('interaction_required is permanent', () => void expectKind(acme, { status: 400, error: 'interaction_required' }, 'permanent'));
  test('an unknown error code never costs the token', () => void expectKind(acme, { status: 400, error: 'weird_thing' }, 'transient', 'weird_thing'));
  test('reasons name the provider and contain no description text', () => {
    const reason = expectKind(acme, { status: 400, error: 'invalid_grant', errorDescription: 'refresh token xoxb-secret is bad' }, 'permanent');
    assert.match(reason, /acme-crm/);
    assert.doesNotMatch(reason, secretLike);
  });
  test('reauthorization follows permanent, denied and admin_approval only', () => {
    assert.deepEqual(
      (['permanent', 'transient', 'misconfigured', 'denied', 'admin_approval'] as const).filter(requiresReauthorization),
      ['permanent', 'denied', 'admin_approval'],
    );
  });
});

describe('classification: Google', () => {
  test('admin_policy_enforced needs a Workspace administrator (API controls)', () => {
    const reason = expectKind(google, { error: 'admin_policy_enforced' }, 'admin_approval', 'admin_policy_enforced');
    assert.match(reason, /Google Workspace administrator/);
    assert.match(reason, /API controls/);
  });
  test('access_denied is denied', () => void expectKind(google, { error: 'access_denied' }, 'denied'));
  test('org_internal and deleted_client are misconfigured', () => {
    expectKind(google, { error: 'org_internal' }, 'misconfigured');
    expectKind(google, { status: 401, error: 'deleted_client' }, 'misconfigured');
  });
  test('disallowed_useragent is denied with advice', () => assert.match(expectKind(google, { error: 'disallowed_useragent' }, 'denied'), /regular browser/));
  test('invalid_grant ("Token has been expired or revoked.") is permanent', () =>
    void expectKind(google, { status: 400, error: 'invalid_grant', errorDescription: 'Token has been expired or revoked.' }, 'permanent'));
  test('invalid_client falls back to the RFC rule', () => void expectKind(google, { status: 401, error: 'invalid_client' }, 'misconfigured'));
});

describe('classification: Microsoft AADSTS codes from error_description', () => {
  const desc = (code: number) => `AADSTS${code}: something happened.\r\nTrace ID: 1\r\nCorrelation ID: 2\r\nTimestamp: 2024-01-01 00:00:00Z`;
  for (const code of [70008, 700082, 50173]) {
    test(`AADSTS${code} (grant expired or revoked) is permanent`, () =>
      void expectKind(microsoft, { status: 400, error: 'invalid_grant', errorDescription: desc(code) }, 'permanent', `AADSTS${code}`));
  }
  test('AADSTS65004 (user declined consent) is denied', () => void expectKind(microsoft, { error: 'access_denied', errorDescription: desc(65004) }, 'denied', 'AADSTS65004'));
  test('AADSTS90094 (admin approval required) names the admin-consent step', () => {
    const reason = expectKind(microsoft, { error: 'access_denied', errorDescription: desc(90094) }, 'admin_approval', 'AADSTS90094');
    assert.match(reason, /Microsoft Entra administrator must grant consent/);
    assert.match(reason, /Enterprise applications → .*Permissions → Grant admin consent/);
  });
  test('AADSTS65001 (consent missing) needs admin approval', () =>
    void expectKind(microsoft, { status: 400, error: 'invalid_grant', errorDescription: desc(65001) }, 'admin_approval'));
  test('AADSTS7000215 (invalid secret) and 700016 (unknown app) are misconfigured', () => {
    assert.match(expectKind(microsoft, { status: 401, error: 'invalid_client', errorDescription: desc(7000215) }, 'misconfigured'), /Certificates & secrets/);
    expectKind(microsoft, { status: 400, error: 'unauthorized_client', errorDescription: desc(700016) }, 'misconfigured');
  });
  test('error_codes wins over the description', () =>
    void expectKind(microsoft, { status: 400, error: 'invalid_grant', errorCodes: [50173], errorDescription: desc(70011) }, 'permanent', 'AADSTS50173'));
  test('an unknown AADSTS code falls back to the OAuth error, keeping the code', () =>
    void expectKind(microsoft, { status: 400, error: 'invalid_grant', errorDescription: desc(12345) }, 'permanent', 'AADSTS12345'));
  test('AADSTS temporary failures are transient', () => void expectKind(microsoft, { status: 400, error: 'temporarily_unavailable', errorDescription: desc(90033) }, 'transient'));
  test('5xx wins over AADSTS codes', () => void expectKind(microsoft, { status: 503, error: 'invalid_grant', errorDescription: desc(70008) }, 'transient'));
});

describe('classification: Slack error codes', () => {
  test('invalid_client_id and bad_client_secret are misconfigured', () => {
    expectKind(slack, { status: 400, error: 'invalid_client_id' }, 'misconfigured');
    assert.match(expectKind(slack, { status: 400, error: 'bad_client_secret' }, 'misconfigured'), /App Credentials/);
  });
  test('bad_redirect_uri names the Redirect URLs setting', () => assert.match(expectKind(slack, { status: 400, error: 'bad_redirect_uri' }, 'misconfigured'), /Redirect URLs/));
  for (const error of ['invalid_refresh_token', 'token_revoked', 'token_expired', 'account_inactive', 'invalid_auth']) {
    test(`${error} is permanent`, () => void expectKind(slack, { status: 400, error }, 'permanent', error));
  }
  test('invalid_code is permanent', () => void expectKind(slack, { status: 400, error: 'invalid_code' }, 'permanent'));
  test('access_denied at the callback is denied', () => void expectKind(slack, { error: 'access_denied' }, 'denied'));
  test('ratelimited and internal_error are transient', () => {
    expectKind(slack, { status: 429, error: 'ratelimited', retryAfterSeconds: 5 }, 'transient');
    expectKind(slack, { status: 400, error: 'internal_error' }, 'transient');
  });
});

describe('errorInputFrom: oauth4webapi errors become classifier input', () => {
  test('ResponseBodyError keeps status, error, description, error_codes and Retry-After', () => {
    const body = { error: 'invalid_grant', error_description: 'AADSTS70008: expired', error_codes: [70008] };
    const err = new ResponseBodyError('x', { cause: body, response: json(body, 400, { 'retry-after': '7' }) });
    assert.deepEqual(errorInputFrom(err), { status: 400, error: 'invalid_grant', errorDescription: 'AADSTS70008: expired', errorCodes: [70008], retryAfterSeconds: 7 });
  });
  test('AuthorizationResponseError keeps the callback error', () => {
    const err = new AuthorizationResponseError('x', { cause: new URLSearchParams({ error: 'admin_policy_enforced' }) });
    assert.deepEqual(errorInputFrom(err), { error: 'admin_policy_enforced' });
  });
  test('fetch failures and timeouts are network errors; bugs are not provider answers', () => {
    assert.deepEqual(errorInputFrom(new TypeError('fetch failed')), { network: true });
    assert.deepEqual(errorInputFrom(new DOMException('late', 'TimeoutError')), { network: true });
    assert.equal(errorInputFrom(new RangeError('bug')), undefined);
  });
});

describe('normalizers', () => {
  test('Slack: ok:false at HTTP 200 becomes HTTP 400 {error, error_description}', async () => {
    const out = await slack.normalizeTokenResponse(json({ ok: false, error: 'invalid_code' }));
    assert.equal(out.status, 400);
    const body = (await out.json()) as Record<string, unknown>;
    assert.equal(body['error'], 'invalid_code');
    assert.equal(typeof body['error_description'], 'string');
    assert.equal('ok' in body, false);
  });
  test('Slack: ok:false at another status keeps the status', async () => {
    const out = await slack.normalizeTokenResponse(json({ ok: false, error: 'ratelimited' }, 429));
    assert.equal(out.status, 429);
  });
  test('Slack: a bot installation keeps its token, drops ok, token_type bot → bearer', async () => {
    const out = await slack.normalizeTokenResponse(
      json({ ok: true, access_token: 'xoxb-1', token_type: 'bot', scope: 'commands,chat:write', team: { id: 'T1', name: 'Team' }, authed_user: { id: 'U1', access_token: 'xoxp-9', token_type: 'user', scope: 'search:read' } }),
    );
    const body = (await out.json()) as Record<string, unknown>;
    assert.equal(out.status, 200);
    assert.equal('ok' in body, false);
    assert.equal(body['access_token'], 'xoxb-1');
    assert.equal(body['token_type'], 'bearer');
    assert.equal(body['slack_token_type'], 'bot');
    assert.deepEqual(body['authed_user'], { id: 'U1', token_type: 'user', scope: 'search:read' }, 'tokens never stay in extra members');
    assert.deepEqual(body['team'], { id: 'T1', name: 'Team' });
  });
  test('Slack: a user-only installation lifts authed_user token, scope, refresh token and expiry', async () => {
    const out = await slack.normalizeTokenResponse(
      json({ ok: true, app_id: 'A1', team: { id: 'T1' }, authed_user: { id: 'U1', scope: 'search:read', access_token: 'xoxe.xoxp-1', token_type: 'user', refresh_token: 'xoxe-1-r', expires_in: 43200 } }),
    );
    const body = (await out.json()) as Record<string, unknown>;
    assert.equal(body['access_token'], 'xoxe.xoxp-1');
    assert.equal(body['refresh_token'], 'xoxe-1-r');
    assert.equal(body['expires_in'], 43200);
    assert.equal(body['scope'], 'search:read');
    assert.equal(body['token_type'], 'bearer');
    assert.equal(body['slack_token_type'], 'user');
    assert.deepEqual(body['authed_user'], { id: 'U1', scope: 'search:read', token_type: 'user', expires_in: 43200 });
  });
  test('Slack: answers without the Web API envelope pass through untouched', async () => {
    const original = json({ error: 'invalid_grant' }, 400);
    assert.equal(await slack.normalizeTokenResponse(original), original);
    const html = new Response('<html>', { status: 502, headers: { 'content-type': 'text/html' } });
    assert.equal(await slack.normalizeTokenResponse(html), html);
  });
  test('Google and Microsoft answers are already standard', async () => {
    const r = json({ access_token: 'a', token_type: 'Bearer' });
    assert.equal(await google.normalizeTokenResponse(r), r);
    assert.equal(await microsoft.normalizeTokenResponse(r), r);
  });
  test('custom: HTTP 200 carrying error becomes 400; a missing token_type is bearer', async () => {
    const acme = customProvider('acme-crm');
    assert.equal((await acme.normalizeTokenResponse(json({ error: 'bad_verification_code' }))).status, 400);
    const body = (await (await acme.normalizeTokenResponse(json({ access_token: 'a' }))).json()) as Record<string, unknown>;
    assert.equal(body['token_type'], 'bearer');
    const untouched = json({ access_token: 'a', token_type: 'bearer' });
    assert.equal(await acme.normalizeTokenResponse(untouched), untouched);
  });
});

describe('granted scopes', () => {
  test('Google: from the answer, long sign-in names mapped back; requested when omitted', () => {
    assert.deepEqual(google.grantedScopes({ scope: 'openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/gmail.readonly' }, []), [
      'openid',
      'email',
      'https://www.googleapis.com/auth/gmail.readonly',
    ]);
    assert.deepEqual(google.grantedScopes({}, ['openid', 'email']), ['openid', 'email']);
  });
  test('Microsoft: offline_access counts when a refresh token came; Graph prefix dropped', () => {
    assert.deepEqual(microsoft.grantedScopes({ scope: 'openid https://graph.microsoft.com/Mail.Read User.Read', refresh_token: 'r' }, []), ['openid', 'Mail.Read', 'User.Read', 'offline_access']);
    assert.deepEqual(microsoft.grantedScopes({ scope: 'User.Read' }, []), ['User.Read']);
    assert.deepEqual(microsoft.grantedScopes({}, ['User.Read']), ['User.Read']);
  });
  test('Slack: comma-separated; user token scopes carry the user: prefix', () => {
    assert.deepEqual(slack.grantedScopes({ scope: 'chat:write,channels:read', slack_token_type: 'bot' }, []), ['chat:write', 'channels:read']);
    assert.deepEqual(slack.grantedScopes({ scope: 'search:read', slack_token_type: 'user' }, []), ['user:search:read']);
  });
  test('custom: space-separated, requested when omitted (RFC 6749 §5.1)', () => {
    const acme = customProvider('acme-crm');
    assert.deepEqual(acme.grantedScopes({ scope: 'read  write' }, ['x']), ['read', 'write']);
    assert.deepEqual(acme.grantedScopes({}, ['read']), ['read']);
  });
});

describe('scope parameters', () => {
  test('Slack: bot scopes in scope, user: scopes in user_scope, comma-separated', () => {
    assert.deepEqual(slack.scopeParameters(['chat:write', 'channels:read', 'user:search:read']), { scope: 'chat:write,channels:read', user_scope: 'search:read' });
    assert.deepEqual(slack.scopeParameters(['user:search:read']), { user_scope: 'search:read' });
  });
  test('Microsoft: offline_access is always requested', () => assert.deepEqual(microsoft.scopeParameters(['User.Read']), { scope: 'User.Read offline_access' }));
  test('Google: space-separated', () => assert.deepEqual(google.scopeParameters(['openid', 'email']), { scope: 'openid email' }));
});

describe('identity', () => {
  test('Google: ID token sub, email for display; userinfo when there is no ID token', () => {
    assert.deepEqual(google.identify({ tokenResponse: {}, idTokenClaims: { sub: '42', email: 'a@b.c' } }), { accountId: '42', displayName: 'a@b.c' });
    assert.deepEqual(google.identify({ tokenResponse: {}, userinfo: { sub: '43', email: 'd@e.f' } }), { accountId: '43', displayName: 'd@e.f' });
    assert.equal(google.identify({ tokenResponse: {} }), undefined);
  });
  test('Microsoft: tid:oid, preferred_username for display; sub without profile scope', () => {
    assert.deepEqual(microsoft.identify({ tokenResponse: {}, idTokenClaims: { tid: 't', oid: 'o', sub: 's', preferred_username: 'g@contoso.com' } }), { accountId: 't:o', displayName: 'g@contoso.com' });
    assert.deepEqual(microsoft.identify({ tokenResponse: {}, idTokenClaims: { tid: 't', sub: 's' } }), { accountId: 't:s', displayName: 't:s' });
  });
  test('Slack: team.id:authed_user.id; enterprise id for org-wide installs', () => {
    assert.deepEqual(slack.identify({ tokenResponse: { team: { id: 'T1', name: 'Acme' }, authed_user: { id: 'U1' } } }), { accountId: 'T1:U1', displayName: 'Acme (U1)' });
    assert.deepEqual(slack.identify({ tokenResponse: { team: null, enterprise: { id: 'E1', name: 'Grid' }, authed_user: { id: 'U1' } } }), { accountId: 'E1:U1', displayName: 'Grid (U1)' });
    assert.equal(slack.identify({ tokenResponse: { team: { id: 'T1' } } }), undefined);
  });
  test('custom: ID token sub, else userinfo sub or numeric id', () => {
    const acme = customProvider('acme-crm');
    assert.deepEqual(acme.identify({ tokenResponse: {}, idTokenClaims: { sub: 's', email: 'x@y.z' } }), { accountId: 's', displayName: 'x@y.z' });
    assert.deepEqual(acme.identify({ tokenResponse: {}, userinfo: { id: 1234, login: 'octo' } }), { accountId: '1234', displayName: 'octo' });
  });
});

describe('resolution', () => {
  test('built-in defaults: Google quirk parameters and endpoints', () => {
    const p = resolved('google');
    assert.equal(p.tokenUrl, 'https://oauth2.googleapis.com/token');
    assert.equal(p.revocationUrl, 'https://oauth2.googleapis.com/revoke');
    assert.equal(p.issuer, 'https://accounts.google.com');
    assert.equal(p.revocation, 'rfc7009');
    assert.equal(p.rotatesRefreshToken, false);
    assert.deepEqual(p.authorizationParameters(['openid', 'email']), { access_type: 'offline', prompt: 'consent', include_granted_scopes: 'true', scope: 'openid email' });
    assert.ok(Object.isFrozen(p));
    assert.equal(p.allowInsecureRequests, false);
  });
  test('Microsoft: authorize/token URLs built from the tenant; issuer templated for multi-tenant', () => {
    const common = resolved('microsoft');
    assert.equal(common.tenant, 'common');
    assert.equal(common.authorizeUrl, 'https://login.microsoftonline.com/common/oauth2/v2.0/authorize');
    assert.equal(common.tokenUrl, 'https://login.microsoftonline.com/common/oauth2/v2.0/token');
    assert.equal(common.issuer, 'https://login.microsoftonline.com/{tenantid}/v2.0');
    assert.equal(common.revocation, 'none');
    const tid = '8eaef023-2b34-4da1-9baa-8bc8c9d6a490';
    assert.equal(common.expectedIdTokenIssuer({ tid }), `https://login.microsoftonline.com/${tid}/v2.0`);
    assert.equal(common.expectedIdTokenIssuer({ tid: '../evil' }), common.issuer, 'only a GUID fills the template');
    const single = resolved('microsoft', { tenant: tid });
    assert.equal(single.authorizeUrl, `https://login.microsoftonline.com/${tid}/oauth2/v2.0/authorize`);
    assert.equal(single.issuer, `https://login.microsoftonline.com/${tid}/v2.0`);
    assert.equal(resolved('microsoft', { tenant: 'contoso.onmicrosoft.com' }).issuer, 'https://login.microsoftonline.com/{tenantid}/v2.0');
  });
  test('Microsoft: the tenant setting is validated', () => {
    const result = resolveProvider('microsoft', { domain: 'microsoft', clientId: 'c', tenant: 'not a tenant/../' });
    assert.equal(result.ok, false);
    if (!result.ok) {
      assert.equal(result.error.code, 'invalid_request');
      assert.deepEqual(result.error.details?.['fields'], [{ field: 'tenant', message: 'tenant must be common, organizations, consumers, a tenant id (GUID) or a tenant domain such as contoso.onmicrosoft.com' }]);
    }
    assert.deepEqual(validateAppConfig('google', { domain: 'google', clientId: 'c', tenant: 'common' }).map((p) => p.field), ['tenant']);
  });
  test('overrides win, {tenant} in overrides is filled, loopback http allowed', () => {
    const p = resolved('microsoft', { tenant: 'organizations', authorizeUrl: 'http://127.0.0.1:9/{tenant}/oauth2/v2.0/authorize', tokenUrl: 'http://127.0.0.1:9/{tenant}/oauth2/v2.0/token', issuer: 'http://127.0.0.1:9/{tenant}/v2.0' });
    assert.equal(p.authorizeUrl, 'http://127.0.0.1:9/organizations/oauth2/v2.0/authorize');
    assert.equal(p.issuer, 'http://127.0.0.1:9/{tenantid}/v2.0');
    assert.equal(p.jwksUri, undefined, 'the catalog JWKS belongs to the catalog issuer');
    assert.equal(p.allowInsecureRequests, true);
  });
  test('plain http is refused for non-loopback hosts, custom apps need both endpoints', () => {
    assert.deepEqual(validateAppConfig('google', { domain: 'google', clientId: 'c', tokenUrl: 'http://example.com/token' }).map((p) => p.field), ['tokenUrl']);
    assert.deepEqual(validateAppConfig('acme-crm', { domain: 'acme-crm', clientId: 'c' }).map((p) => p.field), ['authorizeUrl', 'tokenUrl']);
    assert.deepEqual(validateAppConfig('Bad_Domain', { domain: 'Bad_Domain', clientId: ' ' }).map((p) => p.field), ['domain', 'clientId', 'authorizeUrl', 'tokenUrl']);
  });
  test('admins cannot override flow parameters; their extra parameters merge over the catalog', () => {
    assert.deepEqual(validateAppConfig('google', { domain: 'google', clientId: 'c', authorizeParams: { state: 'x' } }).map((p) => p.field), ['authorizeParams']);
    const p = resolved('google', { authorizeParams: { hd: 'example.com', prompt: 'select_account consent' } });
    assert.equal(p.authorizeParams['hd'], 'example.com');
    assert.equal(p.authorizeParams['prompt'], 'select_account consent');
    assert.equal(p.authorizeParams['access_type'], 'offline');
  });
  test('custom: defaults, nominal issuer, identity source and revocation follow the config', () => {
    const plain = resolved('acme-crm', { authorizeUrl: 'https://acme.example/oauth/authorize', tokenUrl: 'https://api.acme.example/oauth/token', userinfoUrl: 'https://api.acme.example/me', apiBaseUrl: 'https://api.acme.example/v2' });
    assert.equal(plain.issuer, 'https://api.acme.example');
    assert.equal(plain.hasIssuer, false);
    assert.equal(plain.discovery, false);
    assert.equal(plain.identitySource, 'userinfo');
    assert.equal(plain.revocation, 'none');
    assert.equal(plain.tokenEndpointAuthMethod, 'client_secret_basic');
    assert.equal(plain.apiBaseUrl, 'https://api.acme.example/v2');
    assert.deepEqual(plain.apiBaseUrls, ['https://api.acme.example/v2']);
    const oidc = resolved('acme-idp', { authorizeUrl: 'https://idp.example/a', tokenUrl: 'https://idp.example/t', issuer: 'https://idp.example', scopes: ['openid', 'email'], revocationUrl: 'https://idp.example/r', tokenEndpointAuthMethod: 'client_secret_post' });
    assert.equal(oidc.discovery, true);
    assert.equal(oidc.oidc, true);
    assert.equal(oidc.identitySource, 'id_token');
    assert.equal(oidc.revocation, 'rfc7009');
    assert.equal(oidc.tokenEndpointAuthMethod, 'client_secret_post');
  });
  test('Slack: catalog defaults', () => {
    const p = resolved('slack');
    assert.equal(p.tokenEndpointAuthMethod, 'client_secret_basic');
    assert.equal(p.revocation, 'slack');
    assert.equal(p.scopeSeparator, ',');
    assert.deepEqual(p.apiBaseUrls, ['https://slack.com/api']);
    assert.equal(p.issuer, 'https://slack.com');
  });
  test('requested scopes are the defaults plus extras, without repeats', () => {
    assert.deepEqual(requestedScopes(resolved('google'), ['email', 'https://www.googleapis.com/auth/drive.file']), ['openid', 'email', 'https://www.googleapis.com/auth/drive.file']);
  });
  test('expectedIssuerFor reads the ID token tid without consuming the response', async () => {
    const p = resolved('microsoft');
    const tid = '8eaef023-2b34-4da1-9baa-8bc8c9d6a490';
    const idToken = `e30.${Buffer.from(JSON.stringify({ tid })).toString('base64url')}.sig`;
    const response = json({ access_token: 'a', token_type: 'Bearer', id_token: idToken });
    assert.equal(await expectedIssuerFor(p, response), `https://login.microsoftonline.com/${tid}/v2.0`);
    assert.equal(response.bodyUsed, false);
    assert.equal(await expectedIssuerFor(resolved('google'), json({})), 'https://accounts.google.com');
  });
  test('the catalog lists built-ins and configured custom domains', () => {
    assert.deepEqual(Object.keys(builtInProviders), ['google', 'microsoft', 'slack']);
    const entries = catalogEntries([{ domain: 'slack', scopes: ['chat:write'] }, { domain: 'acme-crm' }]);
    assert.deepEqual(entries.map((e) => [e.domain, e.builtIn, e.configured]), [['google', true, false], ['microsoft', true, false], ['slack', true, true], ['acme-crm', false, true]]);
    assert.deepEqual(entries.find((e) => e.domain === 'google')?.defaultScopes, ['openid', 'email']);
    assert.deepEqual(entries.find((e) => e.domain === 'slack')?.defaultScopes, ['chat:write']);
  });
  test('no secret is part of a resolved provider', () => {
    const p = resolved('slack');
    assert.deepEqual(Object.keys(p).filter((key) => /secret/i.test(key)), []);
  });
});
