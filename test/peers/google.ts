/**
 * A loopback emulator of Google's OAuth 2.0 / OpenID Connect endpoints, reproducing the
 * documented response shapes and the quirks Tether handles (see docs/providers.md).
 *
 * It also exports the small HTTP/JWT helpers the Microsoft and Slack emulators share.
 *
 * ID tokens are signed RS256 with a key generated per emulator and published as a JWKS, like
 * the real providers: oauth4webapi expects RS256 by default and refuses HS* keys for signature
 * checks (`validateApplicationLevelSignature`), so RS256 keeps openid-client's non-repudiation
 * checks usable against the emulator too.
 *
 * @see https://developers.google.com/identity/protocols/oauth2/web-server
 */
import { createHash, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';

// ---------------------------------------------------------------------------------------------
// Shared loopback-emulator helpers (also used by microsoft.ts and slack.ts)
// ---------------------------------------------------------------------------------------------

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;

export interface LoopbackServer {
  readonly baseUrl: string;
  close(): Promise<void>;
}

/** Starts an HTTP server on 127.0.0.1 with an OS-assigned port. */
export async function startLoopbackServer(handler: Handler): Promise<LoopbackServer> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    Promise.resolve(handler(req, res, url)).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: 'emulator_failure', error_description: String(err) });
      else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('emulator did not get a TCP port');
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads an `application/x-www-form-urlencoded` body (JSON bodies are accepted as well). */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const text = await readBody(req);
  if ((req.headers['content-type'] ?? '').includes('application/json') && text.length > 0) {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    return new URLSearchParams(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
  }
  return new URLSearchParams(text);
}

export interface ClientCredentials {
  readonly method: 'client_secret_basic' | 'client_secret_post' | 'none';
  readonly clientId: string | undefined;
  readonly clientSecret: string | undefined;
}

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64. */
export function clientCredentials(req: IncomingMessage, form: URLSearchParams): ClientCredentials {
  const header = req.headers.authorization;
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const unform = (value: string) => decodeURIComponent(value.replaceAll('+', ' '));
    return {
      method: 'client_secret_basic',
      clientId: unform(colon === -1 ? decoded : decoded.slice(0, colon)),
      clientSecret: colon === -1 ? undefined : unform(decoded.slice(colon + 1)),
    };
  }
  const clientId = form.get('client_id') ?? undefined;
  const clientSecret = form.get('client_secret') ?? undefined;
  return { method: clientSecret === undefined ? 'none' : 'client_secret_post', clientId, clientSecret };
}

export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7) : undefined;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

export function redirectTo(res: ServerResponse, target: string | URL): void {
  res.writeHead(302, { location: target.toString() });
  res.end();
}

export function randomToken(prefix: string, bytes = 24): string {
  return `${prefix}${randomBytes(bytes).toString('base64url')}`;
}

/** RFC 7636 §4.6: S256 compares BASE64URL(SHA256(verifier)) with the challenge. */
export function pkceMatches(challenge: string, method: string, verifier: string | null): boolean {
  if (verifier === null) return false;
  if (method === 'plain') return verifier === challenge;
  return createHash('sha256').update(verifier).digest('base64url') === challenge;
}

export interface JwtSigner {
  readonly kid: string;
  sign(claims: Record<string, unknown>): string;
  jwks(): { keys: Record<string, unknown>[] };
}

/** An RS256 signer with a fresh 2048-bit key; `jwks()` publishes its public half. */
export function createJwtSigner(): JwtSigner {
  const { privateKey, publicKey }: { privateKey: KeyObject; publicKey: KeyObject } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomUUID();
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return {
    kid,
    sign(claims) {
      const input = `${encode({ alg: 'RS256', typ: 'JWT', kid })}.${encode(claims)}`;
      return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
    },
    jwks() {
      return { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' }] };
    },
  };
}

export function epochSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export type GrantCounters = Record<string, number>;

export function count(counters: GrantCounters, key: string): void {
  counters[key] = (counters[key] ?? 0) + 1;
}

// ---------------------------------------------------------------------------------------------
// Google
// ---------------------------------------------------------------------------------------------

export interface GoogleUser {
  sub: string;
  email: string;
  name?: string;
}

export interface GoogleEmulatorOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly user?: GoogleUser;
  readonly accessTokenTtlSeconds?: number;
}

/** Knobs a test turns to produce a documented behaviour. */
export interface GoogleScenario {
  /**
   * The authorization answers with this `error` instead of a code, e.g. `admin_policy_enforced`,
   * `access_denied`, `org_internal`. (Google often shows these on its own page; the emulator
   * redirects them so the callback's classification path can be exercised.)
   */
  authorizeError: string | undefined;
  /** Scopes the person unticks on the granular consent screen. */
  uncheckedScopes: string[];
  /** Whether the redirect carries `iss` (RFC 9207); Google's metadata says it does. */
  sendIss: boolean;
}

export interface GoogleEmulator {
  readonly baseUrl: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly endpoints: {
    readonly authorize: string;
    readonly token: string;
    readonly revocation: string;
    readonly userinfo: string;
    readonly jwks: string;
    readonly discovery: string;
    /** A Google API call for proxy tests: Gmail `users.getProfile`. */
    readonly gmailProfile: string;
  };
  readonly scenario: GoogleScenario;
  user: GoogleUser;
  readonly calls: {
    authorize: number;
    readonly token: GrantCounters;
    revocations: number;
    userinfo: number;
    api: number;
    /** The last authorization request's query, to assert the quirk parameters. */
    lastAuthorize: URLSearchParams | undefined;
    /** How the last token request authenticated the client. */
    lastClientAuth: ClientCredentials['method'] | undefined;
  };
  /** The person removes the app from their account: every token of every grant stops working. */
  revokeAllGrants(): void;
  close(): Promise<void>;
}

interface GoogleCode {
  redirectUri: string;
  granted: string[];
  challenge: string | undefined;
  challengeMethod: string;
  nonce: string | undefined;
  offline: boolean;
  used: boolean;
}

interface GoogleGrant {
  granted: string[];
  refreshToken: string | undefined;
  accessTokens: Map<string, number>;
  revoked: boolean;
}

/** Google answers `email`/`profile` with their long names in `scope` (observed). */
const longScopeNames: Readonly<Record<string, string>> = {
  email: 'https://www.googleapis.com/auth/userinfo.email',
  profile: 'https://www.googleapis.com/auth/userinfo.profile',
};

export async function startGoogleEmulator(options: GoogleEmulatorOptions): Promise<GoogleEmulator> {
  const signer = createJwtSigner();
  const ttl = options.accessTokenTtlSeconds ?? 3599;
  const codes = new Map<string, GoogleCode>();
  const grants: GoogleGrant[] = [];
  const scenario: GoogleScenario = { authorizeError: undefined, uncheckedScopes: [], sendIss: true };
  const calls: GoogleEmulator['calls'] = { authorize: 0, token: {}, revocations: 0, userinfo: 0, api: 0, lastAuthorize: undefined, lastClientAuth: undefined };
  let issuer = '';
  const state = { user: options.user ?? { sub: '109876543210987654321', email: 'ada@example.com', name: 'Ada Lovelace' } };

  const findByAccessToken = (token: string | undefined) => {
    if (token === undefined) return undefined;
    const grant = grants.find((g) => g.accessTokens.has(token));
    const expiresAt = grant?.accessTokens.get(token) ?? 0;
    return grant !== undefined && !grant.revoked && expiresAt > Date.now() ? grant : undefined;
  };

  const issueAccessToken = (grant: GoogleGrant) => {
    const token = randomToken('ya29.');
    grant.accessTokens.set(token, Date.now() + ttl * 1000);
    return token;
  };

  const server = await startLoopbackServer(async (req, res, url) => {
    const path = url.pathname;
    if (req.method === 'GET' && path === '/.well-known/openid-configuration') {
      // @see https://developers.google.com/identity/openid-connect/reference#discovery-document
      return sendJson(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/o/oauth2/v2/auth`,
        token_endpoint: `${issuer}/token`,
        userinfo_endpoint: `${issuer}/v1/userinfo`,
        revocation_endpoint: `${issuer}/revoke`,
        jwks_uri: `${issuer}/oauth2/v3/certs`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        scopes_supported: ['openid', 'email', 'profile'],
        token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
        claims_supported: ['aud', 'email', 'email_verified', 'exp', 'iat', 'iss', 'name', 'sub'],
        code_challenge_methods_supported: ['plain', 'S256'],
        grant_types_supported: ['authorization_code', 'refresh_token'],
        authorization_response_iss_parameter_supported: true,
      });
    }
    if (req.method === 'GET' && path === '/oauth2/v3/certs') return sendJson(res, 200, signer.jwks());

    if (req.method === 'GET' && path === '/o/oauth2/v2/auth') {
      calls.authorize += 1;
      const q = url.searchParams;
      calls.lastAuthorize = q;
      const redirectUri = q.get('redirect_uri');
      if (q.get('client_id') !== options.clientId) return sendJson(res, 401, { error: 'invalid_client', error_description: 'The OAuth client was not found.' });
      if (redirectUri === null) return sendJson(res, 400, { error: 'invalid_request', error_description: 'Missing required parameter: redirect_uri' });
      const back = new URL(redirectUri);
      const stateParam = q.get('state');
      if (stateParam !== null) back.searchParams.set('state', stateParam);
      // RFC 9207 §2: `iss` accompanies error responses too.
      if (scenario.sendIss) back.searchParams.set('iss', issuer);
      if (scenario.authorizeError !== undefined) {
        back.searchParams.set('error', scenario.authorizeError);
        return redirectTo(res, back);
      }
      if (q.get('response_type') !== 'code') {
        back.searchParams.set('error', 'unsupported_response_type');
        return redirectTo(res, back);
      }
      const requested = (q.get('scope') ?? '').split(' ').filter((s) => s.length > 0);
      const granted = requested.filter((s) => !scenario.uncheckedScopes.includes(s));
      const code = randomToken('4/0A', 32);
      codes.set(code, {
        redirectUri,
        granted,
        challenge: q.get('code_challenge') ?? undefined,
        challengeMethod: q.get('code_challenge_method') ?? 'plain',
        nonce: q.get('nonce') ?? undefined,
        offline: q.get('access_type') === 'offline',
        used: false,
      });
      back.searchParams.set('code', code);
      back.searchParams.set('scope', granted.map((s) => longScopeNames[s] ?? s).join(' '));
      back.searchParams.set('authuser', '0');
      back.searchParams.set('prompt', 'consent');
      return redirectTo(res, back);
    }

    if (req.method === 'POST' && path === '/token') {
      const form = await readForm(req);
      const grantType = form.get('grant_type') ?? '';
      count(calls.token, grantType);
      const client = clientCredentials(req, form);
      calls.lastClientAuth = client.method;
      if (client.clientId !== options.clientId) return sendJson(res, 401, { error: 'invalid_client', error_description: 'The OAuth client was not found.' });
      if (client.clientSecret !== options.clientSecret) return sendJson(res, 401, { error: 'invalid_client', error_description: 'Unauthorized' });
      const now = epochSeconds();
      if (grantType === 'authorization_code') {
        const code = codes.get(form.get('code') ?? '');
        if (code === undefined || code.used) return sendJson(res, 400, { error: 'invalid_grant', error_description: 'Malformed auth code.' });
        code.used = true;
        if (code.redirectUri !== form.get('redirect_uri')) return sendJson(res, 400, { error: 'redirect_uri_mismatch', error_description: 'Bad Request' });
        if (code.challenge !== undefined && !pkceMatches(code.challenge, code.challengeMethod, form.get('code_verifier'))) {
          return sendJson(res, 400, { error: 'invalid_grant', error_description: form.has('code_verifier') ? 'Invalid code verifier.' : 'Missing code verifier.' });
        }
        const grant: GoogleGrant = { granted: code.granted, refreshToken: code.offline ? randomToken('1//0g') : undefined, accessTokens: new Map(), revoked: false };
        grants.push(grant);
        const body: Record<string, unknown> = {
          access_token: issueAccessToken(grant),
          expires_in: ttl,
          scope: grant.granted.map((s) => longScopeNames[s] ?? s).join(' '),
          token_type: 'Bearer',
        };
        if (grant.refreshToken !== undefined) body['refresh_token'] = grant.refreshToken;
        if (grant.granted.includes('openid')) {
          const user = state.user;
          body['id_token'] = signer.sign({
            iss: issuer,
            azp: options.clientId,
            aud: options.clientId,
            sub: user.sub,
            ...(grant.granted.includes('email') ? { email: user.email, email_verified: true } : {}),
            ...(grant.granted.includes('profile') && user.name !== undefined ? { name: user.name } : {}),
            ...(code.nonce === undefined ? {} : { nonce: code.nonce }),
            iat: now,
            exp: now + 3600,
          });
        }
        return sendJson(res, 200, body);
      }
      if (grantType === 'refresh_token') {
        const grant = grants.find((g) => g.refreshToken !== undefined && g.refreshToken === form.get('refresh_token'));
        if (grant === undefined || grant.revoked) return sendJson(res, 400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
        // A refresh answer carries no refresh_token: the old one stays valid.
        // @see https://developers.google.com/identity/protocols/oauth2/web-server#offline
        return sendJson(res, 200, {
          access_token: issueAccessToken(grant),
          expires_in: ttl,
          scope: grant.granted.map((s) => longScopeNames[s] ?? s).join(' '),
          token_type: 'Bearer',
        });
      }
      return sendJson(res, 400, { error: 'unsupported_grant_type', error_description: `Invalid grant_type: ${grantType}` });
    }

    if (req.method === 'POST' && path === '/revoke') {
      // @see https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke
      calls.revocations += 1;
      const form = await readForm(req);
      const token = form.get('token') ?? url.searchParams.get('token') ?? '';
      const grant = grants.find((g) => !g.revoked && (g.refreshToken === token || g.accessTokens.has(token)));
      if (grant === undefined) return sendJson(res, 400, { error: 'invalid_token', error_description: 'Token expired or revoked' });
      grant.revoked = true; // revoking either token ends the whole grant
      return sendJson(res, 200, {});
    }

    if (req.method === 'GET' && path === '/v1/userinfo') {
      calls.userinfo += 1;
      const grant = findByAccessToken(bearerToken(req));
      if (grant === undefined) return sendJson(res, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
      const user = state.user;
      return sendJson(res, 200, { sub: user.sub, email: user.email, email_verified: true, ...(user.name === undefined ? {} : { name: user.name }) });
    }

    if (req.method === 'GET' && path === '/gmail/v1/users/me/profile') {
      calls.api += 1;
      const grant = findByAccessToken(bearerToken(req));
      if (grant === undefined) {
        return sendJson(res, 401, { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } });
      }
      return sendJson(res, 200, { emailAddress: state.user.email, messagesTotal: 0, threadsTotal: 0, historyId: '1' });
    }

    return sendJson(res, 404, { error: 'not_found' });
  });
  issuer = server.baseUrl;

  return {
    baseUrl: server.baseUrl,
    issuer,
    clientId: options.clientId,
    endpoints: {
      authorize: `${issuer}/o/oauth2/v2/auth`,
      token: `${issuer}/token`,
      revocation: `${issuer}/revoke`,
      userinfo: `${issuer}/v1/userinfo`,
      jwks: `${issuer}/oauth2/v3/certs`,
      discovery: `${issuer}/.well-known/openid-configuration`,
      gmailProfile: `${issuer}/gmail/v1/users/me/profile`,
    },
    scenario,
    get user() {
      return state.user;
    },
    set user(value: GoogleUser) {
      state.user = value;
    },
    calls,
    revokeAllGrants() {
      for (const grant of grants) grant.revoked = true;
    },
    close: () => server.close(),
  };
}
