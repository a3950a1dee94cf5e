/**
 * A loopback emulator of the Microsoft identity platform v2.0 endpoints (Entra ID), reproducing
 * the documented shapes: tenant-scoped URLs, `{tenantid}` issuer on multi-tenant metadata,
 * AADSTS codes only inside `error_description`/`error_codes`, a new refresh token on every
 * refresh (old ones keep working), and ID tokens with `tid`/`oid`/`preferred_username`.
 *
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import {
  bearerToken,
  clientCredentials,
  count,
  createJwtSigner,
  epochSeconds,
  pkceMatches,
  randomToken,
  readForm,
  redirectTo,
  sendJson,
  startLoopbackServer,
} from './google.ts';
import type { ClientCredentials, GrantCounters } from './google.ts';

export interface MicrosoftUser {
  oid: string;
  preferredUsername: string;
  name?: string;
}

export interface MicrosoftEmulatorOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  /** The home tenant's id (a GUID); generated when omitted. */
  readonly tenantId?: string;
  /** A verified domain name of the tenant, usable in place of its id. */
  readonly tenantDomain?: string;
  readonly user?: MicrosoftUser;
  readonly accessTokenTtlSeconds?: number;
}

/** An Entra error: the OAuth `error` plus the AADSTS number that goes into the description. */
export interface EntraError {
  readonly error: string;
  readonly aadsts: number;
  readonly message: string;
}

/** Errors tests commonly need, with the messages of the AADSTS reference. */
export const entraErrors = {
  userDeclinedConsent: { error: 'access_denied', aadsts: 65004, message: 'User declined to consent to access the app.' },
  adminConsentRequired: { error: 'access_denied', aadsts: 90094, message: 'Administrator consent is required.' },
  consentMissing: { error: 'invalid_grant', aadsts: 65001, message: "The user or administrator hasn't consented to use the application." },
  refreshTokenInactive: { error: 'invalid_grant', aadsts: 700082, message: 'The refresh token has expired due to inactivity.' },
  grantExpiredOrRevoked: { error: 'invalid_grant', aadsts: 70008, message: 'The provided authorization code or refresh token has expired due to inactivity.' },
  freshTokenNeeded: { error: 'invalid_grant', aadsts: 50173, message: 'The provided grant has expired due to it being revoked, a fresh auth token is needed.' },
  invalidClientSecret: { error: 'invalid_client', aadsts: 7000215, message: 'Invalid client secret provided.' },
} as const satisfies Record<string, EntraError>;

export interface MicrosoftScenario {
  /** The authorization answers with this error (redirected with `error` + `error_description`). */
  authorizeError: EntraError | undefined;
  /** Refresh grants answer with this error. */
  refreshError: EntraError | undefined;
}

export interface MicrosoftEmulator {
  readonly baseUrl: string;
  readonly tenantId: string;
  /** Endpoint URL templates with `{tenant}`, as the catalog takes them. */
  readonly templates: { readonly authorize: string; readonly token: string; readonly issuer: string };
  readonly endpoints: { readonly graphMe: string; readonly userinfo: string };
  readonly scenario: MicrosoftScenario;
  user: MicrosoftUser;
  readonly calls: {
    authorize: number;
    readonly token: GrantCounters;
    graph: number;
    /** `{tenant}` path segments seen at authorize and token endpoints, in order. */
    readonly tenantsSeen: string[];
    lastAuthorize: URLSearchParams | undefined;
    lastClientAuth: ClientCredentials['method'] | undefined;
  };
  /** Every refresh token issued so far, oldest first. */
  readonly issuedRefreshTokens: readonly string[];
  /** Like Graph `revokeSignInSessions`: all refresh tokens fail with AADSTS50173 afterwards. */
  revokeSignInSessions(): void;
  close(): Promise<void>;
}

const multiTenant = new Set(['common', 'organizations', 'consumers']);

function entraErrorBody(e: EntraError): Record<string, unknown> {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return {
    error: e.error,
    error_description: `AADSTS${e.aadsts}: ${e.message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [e.aadsts],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${e.aadsts}`,
  };
}

function sendEntraError(res: ServerResponse, status: number, e: EntraError): void {
  sendJson(res, status, entraErrorBody(e));
}

interface MsCode {
  tenant: string;
  redirectUri: string;
  scopes: string[];
  challenge: string | undefined;
  challengeMethod: string;
  nonce: string | undefined;
  used: boolean;
}

interface MsRefresh {
  scopes: string[];
  revoked: boolean;
}

export async function startMicrosoftEmulator(options: MicrosoftEmulatorOptions): Promise<MicrosoftEmulator> {
  const signer = createJwtSigner();
  const tenantId = options.tenantId ?? randomUUID();
  const ttl = options.accessTokenTtlSeconds ?? 3599;
  const scenario: MicrosoftScenario = { authorizeError: undefined, refreshError: undefined };
  const calls: MicrosoftEmulator['calls'] = { authorize: 0, token: {}, graph: 0, tenantsSeen: [], lastAuthorize: undefined, lastClientAuth: undefined };
  const codes = new Map<string, MsCode>();
  const refreshTokens = new Map<string, MsRefresh>();
  const issuedRefreshTokens: string[] = [];
  const accessTokens = new Map<string, number>();
  const state = { user: options.user ?? { oid: randomUUID(), preferredUsername: 'grace@contoso.example', name: 'Grace Hopper' } };
  let base = '';

  const knownTenant = (tenant: string) => multiTenant.has(tenant) || tenant === tenantId || tenant === options.tenantDomain;
  const issuerOf = (tenant: string) => `${base}/${tenant}/v2.0`;

  const tokenAnswer = (scopes: string[], nonce: string | undefined) => {
    const now = epochSeconds();
    const accessToken = randomToken('eyJ0eXAiOiJKV1Qi.');
    accessTokens.set(accessToken, Date.now() + ttl * 1000);
    const body: Record<string, unknown> = {
      token_type: 'Bearer',
      // offline_access is never echoed in `scope`.
      scope: scopes.filter((s) => s !== 'offline_access').join(' '),
      expires_in: ttl,
      ext_expires_in: ttl,
      access_token: accessToken,
    };
    if (scopes.includes('offline_access')) {
      const refreshToken = randomToken('0.AX', 48);
      refreshTokens.set(refreshToken, { scopes, revoked: false });
      issuedRefreshTokens.push(refreshToken);
      body['refresh_token'] = refreshToken;
    }
    if (scopes.includes('openid')) {
      const user = state.user;
      const profile = scopes.includes('profile');
      body['id_token'] = signer.sign({
        aud: options.clientId,
        iss: issuerOf(tenantId),
        iat: now,
        nbf: now,
        exp: now + 3600,
        sub: `pairwise-${user.oid.slice(0, 8)}`,
        tid: tenantId,
        ver: '2.0',
        ...(profile ? { oid: user.oid, preferred_username: user.preferredUsername, ...(user.name === undefined ? {} : { name: user.name }) } : {}),
        ...(nonce === undefined ? {} : { nonce }),
      });
    }
    return body;
  };

  const server = await startLoopbackServer(async (req, res, url) => {
    const match = /^\/([^/]+)\/(oauth2\/v2\.0\/authorize|oauth2\/v2\.0\/token|v2\.0\/\.well-known\/openid-configuration|discovery\/v2\.0\/keys)$/.exec(url.pathname);
    if (match !== null) {
      const tenant = decodeURIComponent(match[1] ?? '');
      const endpoint = match[2];
      if (endpoint === 'discovery/v2.0/keys') return sendJson(res, 200, signer.jwks());
      if (!knownTenant(tenant)) {
        return sendEntraError(res, 400, { error: 'invalid_request', aadsts: 90002, message: `Tenant '${tenant}' not found.` });
      }
      if (endpoint === 'v2.0/.well-known/openid-configuration') {
        const segment = multiTenant.has(tenant) ? '{tenantid}' : tenantId;
        return sendJson(res, 200, {
          issuer: issuerOf(segment),
          authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/authorize`,
          token_endpoint: `${base}/${tenant}/oauth2/v2.0/token`,
          token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
          jwks_uri: `${base}/${tenant}/discovery/v2.0/keys`,
          userinfo_endpoint: `${base}/oidc/userinfo`,
          response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
          subject_types_supported: ['pairwise'],
          id_token_signing_alg_values_supported: ['RS256'],
          scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        });
      }
      if (endpoint === 'oauth2/v2.0/authorize' && req.method === 'GET') {
        calls.authorize += 1;
        calls.tenantsSeen.push(tenant);
        const q = url.searchParams;
        calls.lastAuthorize = q;
        if (q.get('client_id') !== options.clientId) {
          return sendEntraError(res, 400, { error: 'unauthorized_client', aadsts: 700016, message: `Application with identifier '${q.get('client_id') ?? ''}' was not found in the directory.` });
        }
        const redirectUri = q.get('redirect_uri');
        if (redirectUri === null) return sendEntraError(res, 400, { error: 'invalid_request', aadsts: 900144, message: "The request body must contain the following parameter: 'redirect_uri'." });
        const back = new URL(redirectUri);
        if (scenario.authorizeError !== undefined) {
          const body = entraErrorBody(scenario.authorizeError);
          back.searchParams.set('error', String(body['error']));
          back.searchParams.set('error_description', String(body['error_description']));
        } else {
          const code = randomToken('1.AX', 40);
          codes.set(code, {
            tenant,
            redirectUri,
            scopes: (q.get('scope') ?? '').split(' ').filter((s) => s.length > 0),
            challenge: q.get('code_challenge') ?? undefined,
            challengeMethod: q.get('code_challenge_method') ?? 'plain',
            nonce: q.get('nonce') ?? undefined,
            used: false,
          });
          back.searchParams.set('code', code);
        }
        const stateParam = q.get('state');
        if (stateParam !== null) back.searchParams.set('state', stateParam);
        back.searchParams.set('session_state', randomUUID());
        return redirectTo(res, back);
      }
      if (endpoint === 'oauth2/v2.0/token' && req.method === 'POST') {
        calls.tenantsSeen.push(tenant);
        const form = await readForm(req);
        const grantType = form.get('grant_type') ?? '';
        count(calls.token, grantType);
        const client = clientCredentials(req, form);
        calls.lastClientAuth = client.method;
        if (client.clientId === undefined) return sendEntraError(res, 400, { error: 'invalid_request', aadsts: 900144, message: "The request body must contain the following parameter: 'client_id'." });
        if (client.clientId !== options.clientId) {
          return sendEntraError(res, 400, { error: 'unauthorized_client', aadsts: 700016, message: `Application with identifier '${client.clientId}' was not found in the directory.` });
        }
        if (client.clientSecret === undefined) {
          return sendEntraError(res, 401, { error: 'invalid_client', aadsts: 7000218, message: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'." });
        }
        if (client.clientSecret !== options.clientSecret) return sendEntraError(res, 401, entraErrors.invalidClientSecret);
        if (grantType === 'authorization_code') {
          const code = codes.get(form.get('code') ?? '');
          if (code === undefined) return sendEntraError(res, 400, { error: 'invalid_grant', aadsts: 70000, message: 'The provided value for the input parameter code is not valid.' });
          if (code.used) return sendEntraError(res, 400, { error: 'invalid_grant', aadsts: 54005, message: 'OAuth2 Authorization code was already redeemed.' });
          code.used = true;
          if (code.tenant !== tenant) return sendEntraError(res, 400, { error: 'invalid_grant', aadsts: 700005, message: 'Provided Authorization Code is intended to use against other tenant.' });
          if (code.redirectUri !== form.get('redirect_uri')) return sendEntraError(res, 400, { error: 'invalid_grant', aadsts: 70000, message: 'The redirect URI does not match the one used to get the code.' });
          if (code.challenge !== undefined && !pkceMatches(code.challenge, code.challengeMethod, form.get('code_verifier'))) {
            return sendEntraError(res, 400, { error: 'invalid_grant', aadsts: 501481, message: 'The Code_Verifier does not match the code_challenge supplied in the authorization request.' });
          }
          return sendJson(res, 200, tokenAnswer(code.scopes, code.nonce));
        }
        if (grantType === 'refresh_token') {
          if (scenario.refreshError !== undefined) return sendEntraError(res, 400, scenario.refreshError);
          const stored = refreshTokens.get(form.get('refresh_token') ?? '');
          if (stored === undefined) return sendEntraError(res, 400, { error: 'invalid_grant', aadsts: 9002313, message: 'Invalid request. Request is malformed or invalid.' });
          if (stored.revoked) return sendEntraError(res, 400, entraErrors.freshTokenNeeded);
          // A new refresh token every time; the old one is not revoked.
          // @see https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow#refresh-the-access-token
          return sendJson(res, 200, tokenAnswer(stored.scopes, undefined));
        }
        return sendEntraError(res, 400, { error: 'unsupported_grant_type', aadsts: 70003, message: 'The app requested an unsupported grant type.' });
      }
    }

    if (req.method === 'GET' && (url.pathname === '/v1.0/me' || url.pathname === '/oidc/userinfo')) {
      calls.graph += 1;
      const token = bearerToken(req);
      if (token === undefined || (accessTokens.get(token) ?? 0) <= Date.now()) {
        return sendJson(res, 401, { error: { code: 'InvalidAuthenticationToken', message: 'Access token is empty or invalid.' } });
      }
      const user = state.user;
      if (url.pathname === '/oidc/userinfo') {
        return sendJson(res, 200, { sub: `pairwise-${user.oid.slice(0, 8)}`, name: user.name, email: user.preferredUsername });
      }
      return sendJson(res, 200, { id: user.oid, displayName: user.name, userPrincipalName: user.preferredUsername, mail: user.preferredUsername });
    }
    return sendJson(res, 404, { error: 'not_found' });
  });
  base = server.baseUrl;

  return {
    baseUrl: base,
    tenantId,
    templates: {
      authorize: `${base}/{tenant}/oauth2/v2.0/authorize`,
      token: `${base}/{tenant}/oauth2/v2.0/token`,
      issuer: `${base}/{tenant}/v2.0`,
    },
    endpoints: { graphMe: `${base}/v1.0/me`, userinfo: `${base}/oidc/userinfo` },
    scenario,
    get user() {
      return state.user;
    },
    set user(value: MicrosoftUser) {
      state.user = value;
    },
    calls,
    issuedRefreshTokens,
    revokeSignInSessions() {
      for (const entry of refreshTokens.values()) entry.revoked = true;
    },
    close: () => server.close(),
  };
}
