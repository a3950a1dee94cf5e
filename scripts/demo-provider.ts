import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import type { Account, Configuration, Interaction } from 'oidc-provider';
import { DemoProviderStore } from './demo-store.ts';

/**
 * The demo's OAuth 2.0 / OpenID Connect provider: a real oidc-provider 8 authorization server
 * on loopback, with its own small sign-in and consent pages for a person in a browser. Any
 * username with any password signs in (the account is `<username>@demo.example`). Used by
 * `npm run demo` and by the end-to-end test, so both exercise the same provider.
 *
 * What Tether sees is a standard provider: discovery, PKCE (S256 required), `state`, `nonce`,
 * RFC 9207 `iss`, a refresh token on every code exchange and rotation on every refresh,
 * revocation (RFC 7009) and introspection (RFC 7662), and an API — the userinfo endpoint at
 * `/me` — for Tether's proxy to call with the access token.
 */

export interface DemoProviderOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Tether's redirect URI(s), `<PUBLIC_ORIGIN>/oauth/callback`. */
  readonly redirectUris: readonly string[];
  readonly clientId?: string;
  /** What the sign-in and consent pages call the client. Default "Tether". */
  readonly clientName?: string;
  /** Default: generated once and kept in the state file (or per start without one). */
  readonly clientSecret?: string;
  /** A JSON file keeping keys, grants and tokens across restarts; null keeps them in memory. */
  readonly stateFile?: string | null;
  /** Access-token lifetime in seconds; default 300, so Tether's refreshes are visible. */
  readonly accessTokenTtl?: number;
}

export interface DemoProvider {
  /** `http://127.0.0.1:<port>`; discovery at `/.well-known/openid-configuration`. */
  readonly issuer: string;
  readonly port: number;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Every access and refresh token value this provider issued since it started (for leak checks). */
  readonly issuedTokens: readonly string[];
  /** Successful refresh_token grants since start. */
  readonly refreshGrants: number;
  readonly revocations: number;
  close(): Promise<void>;
}

/** The scopes the demo app asks for; `api:read` stands for a provider API permission. */
export const DEMO_SCOPES = 'openid email profile api:read';

const DAY = 24 * 60 * 60;

function esc(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** `alice` → `alice@demo.example`; an address stays as typed. */
function accountFor(login: string): { sub: string; email: string; name: string } {
  const sub = login.trim().toLowerCase();
  const email = sub.includes('@') ? sub : `${sub}@demo.example`;
  const name = sub.split('@')[0] ?? sub;
  return { sub, email, name: name.charAt(0).toUpperCase() + name.slice(1) };
}

const STYLE = `*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;background:#f3f0ff;color:#1f2328}
main{max-width:24rem;margin:8vh auto;padding:1.5rem;background:#fff;border-radius:12px;box-shadow:0 2px 10px rgba(0,0,0,.12)}
.brand{font-weight:700;color:#5b3cc4;margin:0 0 .5rem}h1{font-size:1.3rem;margin:0 0 1rem}label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input{width:100%;padding:.55rem .6rem;font:inherit;border:1px solid #8c959f;border-radius:6px}
button{font:inherit;padding:.55rem 1rem;border-radius:6px;border:1px solid #5b3cc4;background:#fff;color:#5b3cc4;cursor:pointer;margin-top:1rem}
button.primary{background:#5b3cc4;color:#fff}.row{display:flex;gap:.5rem;flex-wrap:wrap}.hint{color:#57606a;font-size:.9rem}
ul{padding-left:1.25rem}button:focus-visible,input:focus-visible{outline:3px solid #f0b400;outline-offset:2px}`;

/**
 * @param formTargets origins a form here may end up at: browsers apply `form-action` to the
 *   redirects after a submission too, and the consent form's chain ends at the client.
 */
function page(res: ServerResponse, formTargets: string, title: string, body: string): void {
  const nonce = randomBytes(16).toString('base64');
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': `default-src 'none'; style-src 'nonce-${nonce}'; form-action 'self' ${formTargets}; base-uri 'none'; frame-ancestors 'none'`,
  });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} · Demo provider</title><style nonce="${nonce}">${STYLE}</style></head><body><main>
<p class="brand">Demo provider</p>${body}</main></body></html>`);
}

function loginPage(res: ServerResponse, formTargets: string, uid: string, client: string): void {
  page(
    res,
    formTargets,
    'Sign in',
    `<h1>Sign in to continue to ${esc(client)}</h1>
<p class="hint">This is the local demo provider: any username and any password work.</p>
<form method="post" action="/interaction/${esc(uid)}/login" autocomplete="off">
<label for="login">Username</label><input id="login" name="login" required autofocus value="alice">
<label for="password">Password</label><input id="password" name="password" type="password" required>
<div class="row"><button type="submit" class="primary">Sign in</button></div></form>
<form method="post" action="/interaction/${esc(uid)}/abort"><button type="submit">Cancel</button></form>`,
  );
}

function consentPage(res: ServerResponse, formTargets: string, uid: string, client: string, email: string, scopes: readonly string[]): void {
  const items = scopes.map((s) => `<li>${esc(s)}</li>`).join('');
  page(
    res,
    formTargets,
    'Authorize',
    `<h1>Allow ${esc(client)} to access your account?</h1>
<p>Signed in as <strong>${esc(email)}</strong>. ${esc(client)} asks for:</p><ul>${items}</ul>
<p class="hint">It will keep access (a refresh token) until you disconnect it.</p>
<div class="row"><form method="post" action="/interaction/${esc(uid)}/consent"><button type="submit" class="primary">Allow</button></form>
<form method="post" action="/interaction/${esc(uid)}/abort"><button type="submit">Deny</button></form></div>`,
  );
}

async function formBody(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 16_384) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

const INTERACTION = /^\/interaction\/([\w-]+)(?:\/(login|consent|abort))?$/;

/** Start the demo provider; `close()` it when done. */
export async function startDemoProvider(options: DemoProviderOptions): Promise<DemoProvider> {
  const store = new DemoProviderStore(options.stateFile ?? null);
  const clientId = options.clientId ?? 'tether-demo';
  const clientName = options.clientName ?? 'Tether';
  const clientSecret = options.clientSecret ?? store.setting('clientSecret', () => randomBytes(24).toString('base64url'));
  const jwk = store.setting('signingKey', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };
  });
  const cookieKey = store.setting('cookieKey', () => randomBytes(32).toString('base64url'));
  const formTargets = [...new Set(options.redirectUris.map((u) => new URL(u).origin))].join(' ');
  const issuedTokens: string[] = [];
  let refreshGrants = 0;
  let revocations = 0;

  let provider: Provider | null = null;
  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`Demo provider error: ${error instanceof Error ? error.message : String(error)}`);
      } else {
        res.destroy();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;

  const configuration: Configuration = {
    adapter: store.adapterFactory,
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        client_name: clientName,
        redirect_uris: [...options.redirectUris],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    findAccount: async (_ctx, sub): Promise<Account> => {
      const a = accountFor(sub);
      return { accountId: a.sub, claims: async () => ({ sub: a.sub, email: a.email, email_verified: true, name: a.name }) };
    },
    jwks: { keys: [jwk] },
    cookies: {
      keys: [cookieKey],
      // `lax`, not the default `none`: browsers refuse SameSite=None without Secure on plain http.
      long: { httpOnly: true, sameSite: 'lax', signed: true },
      short: { httpOnly: true, sameSite: 'lax', signed: true },
    },
    scopes: ['openid', 'offline_access', 'email', 'profile', 'api:read', 'api:write'],
    claims: { email: ['email', 'email_verified'], profile: ['name'] },
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      introspection: { enabled: true },
      resourceIndicators: { enabled: false },
    },
    pkce: { methods: ['S256'], required: () => true },
    // Like many providers, a refresh token on every code exchange (no offline_access dance).
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    expiresWithSession: async () => false,
    ttl: {
      AccessToken: options.accessTokenTtl ?? 300,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: 30 * DAY,
      Grant: 30 * DAY,
      Interaction: 600,
      Session: DAY,
    },
  };
  provider = new Provider(issuer, configuration);
  const op = provider;
  const handle = op.callback();
  const remember = (token: { jti?: unknown }): void => {
    if (typeof token.jti === 'string') issuedTokens.push(token.jti);
  };
  op.on('access_token.saved', remember);
  op.on('refresh_token.saved', remember);
  op.on('grant.success', (ctx: { oidc?: { params?: Readonly<Record<string, unknown>> } }) => {
    if (ctx.oidc?.params?.grant_type === 'refresh_token') refreshGrants += 1;
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', issuer).pathname;
    if (req.method === 'POST' && path === '/token/revocation') {
      res.on('finish', () => {
        if (res.statusCode === 200) revocations += 1;
      });
    }
    const match = INTERACTION.exec(path);
    if (!match) return handle(req, res);
    const details: Interaction = await op.interactionDetails(req, res);
    const step = match[2];
    if (req.method === 'GET' && step === undefined) {
      if (details.prompt.name === 'login') return loginPage(res, formTargets, details.uid, clientName);
      const email = accountFor(details.session?.accountId ?? '').email;
      const scope = details.params.scope;
      const scopes = typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [];
      return consentPage(res, formTargets, details.uid, clientName, email, scopes);
    }
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    if (step === 'abort') {
      return op.interactionFinished(req, res, { error: 'access_denied', error_description: 'The user denied access.' }, { mergeWithLastSubmission: false });
    }
    if (step === 'login') {
      const login = (await formBody(req)).get('login')?.trim() ?? '';
      if (details.prompt.name !== 'login' || login === '') return loginPage(res, formTargets, details.uid, clientName);
      return op.interactionFinished(req, res, { login: { accountId: accountFor(login).sub } }, { mergeWithLastSubmission: false });
    }
    // Consent: grant what the request is missing, as oidc-provider's dev interactions do.
    const accountId = details.session?.accountId;
    if (details.prompt.name !== 'consent' || accountId === undefined) throw new Error('no consent is pending for this interaction');
    const grant = details.grantId ? await op.Grant.find(details.grantId) : new op.Grant({ accountId, clientId });
    if (!grant) throw new Error('the grant of this interaction is gone');
    const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) (grant as unknown as { addOIDCClaims(c: string[]): void }).addOIDCClaims(missing.missingOIDCClaims);
    return op.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
  }

  return {
    issuer,
    port,
    clientId,
    clientSecret,
    get issuedTokens() {
      return [...issuedTokens];
    },
    get refreshGrants() {
      return refreshGrants;
    },
    get revocations() {
      return revocations;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      store.save();
    },
  };
}
