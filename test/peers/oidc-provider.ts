import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import type { Account, ClientMetadata, Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { OidcMemoryStore } from './oidc-memory-adapter.ts';
import { interactionResult, type AuthorizeDecision } from './oidc-interaction.ts';
import { TokenFailureInjector, type TokenEndpointFailure } from './token-failure.ts';
import { UserAgent } from './user-agent.ts';

export type { AuthorizeDecision } from './oidc-interaction.ts';
export type { TokenEndpointFailure } from './token-failure.ts';

/**
 * A real OAuth 2.0 / OpenID Connect authorization server (oidc-provider 8) for integration
 * tests, in-process on 127.0.0.1 with an ephemeral port. Confidential clients, PKCE (S256)
 * required, refresh-token rotation, revocation and introspection, RFC 9207 `iss` in the
 * authorization response; the End-User's side is played by `authorize()` instead of a browser.
 */

export interface OidcPeerAccount {
  /** Also the `sub` claim. */
  readonly id: string;
  readonly email?: string;
  readonly emailVerified?: boolean;
  readonly name?: string;
}

export interface OidcPeerClientOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Exact redirect URIs, e.g. Tether's `http://127.0.0.1:<port>/oauth/callback`. */
  readonly redirectUris: readonly string[];
  /** How the client authenticates at the token, revocation and introspection endpoints. */
  readonly authMethod?: 'client_secret_basic' | 'client_secret_post';
}

export type OidcPeerClient = Required<OidcPeerClientOptions>;

export interface OidcPeerOptions {
  /** At least one; more can be added or replaced later with `setClient`. */
  readonly clients: readonly OidcPeerClientOptions[];
  /** Default: `alice` and `bob` with `@example.test` addresses. The first is the default user. */
  readonly accounts?: readonly OidcPeerAccount[];
  /** Non-OIDC scopes the server accepts besides `openid email profile offline_access`. */
  readonly extraScopes?: readonly string[];
  /** Lifetimes in seconds. */
  readonly ttl?: {
    readonly accessToken?: number; // default 60
    readonly refreshToken?: number; // default 14 days
    readonly authorizationCode?: number; // default 60
    readonly idToken?: number; // default 3600
    readonly grant?: number; // default 14 days; a grant's expiry ends its refresh tokens
  };
  /**
   * When the code exchange returns a refresh token. `always` (default): whenever the client
   * may use the refresh_token grant, whatever the scope. `offline_access`: only when that scope
   * was granted — and, as OpenID Connect Core §11 requires, oidc-provider ignores
   * `offline_access` unless the request carries `prompt=consent`. `never`: none at all.
   */
  readonly refreshTokens?: 'always' | 'offline_access' | 'never';
  /** Each refresh consumes the refresh token and returns a new one. Default true. */
  readonly rotateRefreshTokens?: boolean;
  /**
   * false (default): the ID token carries every claim its scopes allow (like Google).
   * true: only `sub` and protocol claims, the rest via userinfo (oidc-provider's default).
   */
  readonly conformIdTokenClaims?: boolean;
}

export interface OidcPeerCounters {
  /** Authorization responses carrying a code (event `authorization.success`). */
  authorizations: number;
  /** Authorization requests that ended in an error (event `authorization.error`). */
  authorizationErrors: number;
  /** Successful grants, by `grant_type` (event `grant.success`). */
  authorizationCodeGrants: number;
  refreshTokenGrants: number;
  /** Token requests the provider refused (event `grant.error`), injected failures excluded. */
  failedGrants: number;
  /** Every POST /token that reached the peer, injected failures included. */
  tokenRequests: number;
  injectedFailures: number;
  /** POST /token/revocation answered 200 (oidc-provider emits no success event for it). */
  revocations: number;
  /** POST /token/introspection answered 200. */
  introspections: number;
  /** Event `server_error`: a bug in the peer or the provider; tests should keep it at 0. */
  serverErrors: number;
}

export interface OidcPeer {
  /** `http://127.0.0.1:<port>`; discovery at `/.well-known/openid-configuration`. */
  readonly issuer: string;
  readonly port: number;
  /** The oidc-provider instance, for what this API does not cover. */
  readonly provider: Provider;
  /** The first client. */
  readonly client: OidcPeerClient;
  readonly clients: readonly OidcPeerClient[];
  /** A snapshot; read it again after each step. */
  readonly counters: Readonly<OidcPeerCounters>;
  resetCounters(): void;
  /** Add a client, or replace the one with the same id (e.g. new redirect URIs or secret). */
  setClient(client: OidcPeerClientOptions): Promise<OidcPeerClient>;
  /** Add or replace an account. */
  setAccount(account: OidcPeerAccount): void;
  /** Delete an account: its refresh tokens then fail with `invalid_grant`. */
  deleteAccount(accountId: string): void;
  /**
   * Play the End-User for an authorization URL built by the client: follow the authorization
   * server's redirects (with its cookies), answer the login/consent interaction with
   * `decision`, and return the redirect back to the client — `code`, `state`, `iss` or
   * `error` in its query — without requesting it.
   */
  authorize(authorizationUrl: URL | string, decision?: AuthorizeDecision): Promise<URL>;
  /**
   * The decision for interactions `authorize()` did not start, e.g. a real browser driven by
   * an end-to-end test. Default null: such interactions answer 409.
   */
  setDefaultDecision(decision: AuthorizeDecision | null): void;
  setTokenEndpointFailure(failure: TokenEndpointFailure | null): void;
  /**
   * Revoke the grants (and with them every token issued under them) of one account, or of
   * all accounts — as if the user removed the app's access at the provider. A later refresh
   * answers `invalid_grant`. Returns how many grants were revoked.
   */
  revokeGrantsFor(accountId?: string): Promise<number>;
  close(): Promise<void>;
}

const DEFAULT_ACCOUNTS: readonly OidcPeerAccount[] = [
  { id: 'alice', email: 'alice@example.test', emailVerified: true, name: 'Alice Example' },
  { id: 'bob', email: 'bob@example.test', emailVerified: true, name: 'Bob Example' },
];

const DAY = 24 * 60 * 60;
const INTERACTION_PATH = /^\/interaction\/([^/]+)$/;

function zeroCounters(): OidcPeerCounters {
  return {
    authorizations: 0,
    authorizationErrors: 0,
    authorizationCodeGrants: 0,
    refreshTokenGrants: 0,
    failedGrants: 0,
    tokenRequests: 0,
    injectedFailures: 0,
    revocations: 0,
    introspections: 0,
    serverErrors: 0,
  };
}

function toAccount(account: OidcPeerAccount): Account {
  const claims = {
    sub: account.id,
    ...(account.email !== undefined ? { email: account.email } : {}),
    ...(account.emailVerified !== undefined ? { email_verified: account.emailVerified } : {}),
    ...(account.name !== undefined ? { name: account.name } : {}),
  };
  // oidc-provider masks the claims by granted scope (`claims` configuration below).
  return { accountId: account.id, claims: async () => claims };
}

function clientMetadata(client: OidcPeerClient): ClientMetadata {
  return {
    client_id: client.clientId,
    client_secret: client.clientSecret,
    redirect_uris: [...client.redirectUris],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: client.authMethod,
  };
}

function signingKey(): object {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };
}

/** Start the authorization server; `close()` it in an `after`/`finally`. */
export async function startOidcProvider(options: OidcPeerOptions): Promise<OidcPeer> {
  if (options.clients.length === 0) throw new Error('startOidcProvider needs at least one client');
  const accounts = new Map((options.accounts ?? DEFAULT_ACCOUNTS).map((a) => [a.id, a]));
  const [firstAccount] = accounts.keys();
  if (firstAccount === undefined) throw new Error('startOidcProvider needs at least one account');
  const defaultAccountId: string = firstAccount;

  const store = new OidcMemoryStore();
  const clients = new Map<string, OidcPeerClient>();
  const pending = new Map<string, AuthorizeDecision>();
  const failures = new TokenFailureInjector();
  let counters = zeroCounters();
  let defaultDecision: AuthorizeDecision | null = null;

  // The issuer contains the port, so listen first and build the provider afterwards.
  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`oidc peer: ${error instanceof Error ? error.message : String(error)}`);
      } else {
        res.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;

  const refreshTokens = options.refreshTokens ?? 'always';
  const ttl = options.ttl ?? {};
  const configuration: Configuration = {
    adapter: store.adapterFactory,
    findAccount: async (_ctx, sub) => {
      const account = accounts.get(sub);
      return account ? toAccount(account) : undefined;
    },
    jwks: { keys: [signingKey()] },
    cookies: {
      keys: [randomBytes(32).toString('base64url')],
      // `lax` rather than the default `none` for the session cookie: browsers refuse
      // SameSite=None without Secure, and the issuer is plain http.
      long: { httpOnly: true, sameSite: 'lax', signed: true },
      short: { httpOnly: true, sameSite: 'lax', signed: true },
    },
    scopes: ['openid', 'offline_access', 'email', 'profile', ...(options.extraScopes ?? ['api:read', 'api:write'])],
    claims: { email: ['email', 'email_verified'], profile: ['name'] },
    conformIdTokenClaims: options.conformIdTokenClaims ?? false,
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      introspection: { enabled: true, allowedPolicy: async () => true },
      resourceIndicators: { enabled: false },
    },
    pkce: { methods: ['S256'], required: () => true },
    issueRefreshToken: async (_ctx, client, code) => {
      if (refreshTokens === 'never' || !client.grantTypeAllowed('refresh_token')) return false;
      if (refreshTokens === 'always') return true;
      return (code as { scopes: Set<string> }).scopes.has('offline_access');
    },
    rotateRefreshToken: options.rotateRefreshTokens ?? true,
    // Tokens outlive the throwaway browser session `authorize()` creates.
    expiresWithSession: async () => false,
    clientBasedCORS: () => false,
    renderError: async (ctx, out) => {
      ctx.type = 'json';
      ctx.body = out;
    },
    ttl: {
      AccessToken: ttl.accessToken ?? 60,
      AuthorizationCode: ttl.authorizationCode ?? 60,
      IdToken: ttl.idToken ?? 3600,
      RefreshToken: ttl.refreshToken ?? 14 * DAY,
      Grant: ttl.grant ?? 14 * DAY,
      Interaction: 600,
      Session: 3600,
    },
  };
  const provider = new Provider(issuer, configuration);
  const handleProvider = provider.callback();

  const count = (key: keyof OidcPeerCounters) => () => {
    counters[key] += 1;
  };
  provider.on('authorization.success', count('authorizations'));
  provider.on('authorization.error', count('authorizationErrors'));
  provider.on('grant.error', count('failedGrants'));
  provider.on('server_error', count('serverErrors'));
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    const grantType = ctx.oidc?.params?.grant_type;
    if (grantType === 'authorization_code') counters.authorizationCodeGrants += 1;
    if (grantType === 'refresh_token') counters.refreshTokenGrants += 1;
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', issuer).pathname;
    if (req.method === 'POST' && path === '/token') {
      counters.tokenRequests += 1;
      if (await failures.intercept(req, res)) {
        counters.injectedFailures += 1;
        return;
      }
    }
    if (req.method === 'POST' && (path === '/token/revocation' || path === '/token/introspection')) {
      const key = path === '/token/revocation' ? 'revocations' : 'introspections';
      res.on('finish', () => {
        if (res.statusCode === 200) counters[key] += 1;
      });
    }
    const interaction = req.method === 'GET' ? INTERACTION_PATH.exec(path) : null;
    if (interaction) return finishInteraction(req, res);
    handleProvider(req, res);
  }

  /** The interaction route oidc-provider redirects to (`interactions.url` default). */
  async function finishInteraction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    const decision = pending.get(details.uid) ?? defaultDecision;
    pending.delete(details.uid);
    if (!decision) {
      res.writeHead(409, { 'content-type': 'text/plain' });
      res.end('oidc peer: no decision for this interaction (use authorize() or setDefaultDecision())');
      return;
    }
    const result = await interactionResult(provider, details, decision, defaultAccountId);
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }

  async function setClient(input: OidcPeerClientOptions): Promise<OidcPeerClient> {
    const client: OidcPeerClient = { authMethod: 'client_secret_basic', ...input };
    // Kept in the adapter like a dynamically registered client, so it can change after start.
    const adapter = store.adapterFactory('Client');
    await adapter.upsert(client.clientId, clientMetadata(client), 365 * DAY);
    await provider.Client.find(client.clientId); // validates the metadata now, not at first use
    clients.set(client.clientId, client);
    return client;
  }

  for (const client of options.clients) await setClient(client);

  const peer: OidcPeer = {
    issuer,
    port,
    provider,
    get client() {
      const first = clients.values().next();
      if (first.done) throw new Error('no client');
      return first.value;
    },
    get clients() {
      return [...clients.values()];
    },
    get counters() {
      return { ...counters };
    },
    resetCounters() {
      counters = zeroCounters();
    },
    setClient,
    setAccount(account) {
      accounts.set(account.id, account);
    },
    deleteAccount(accountId) {
      accounts.delete(accountId);
    },
    async authorize(authorizationUrl, decision = {}) {
      const start = new URL(authorizationUrl);
      if (start.origin !== issuer) throw new Error(`${start.origin} is not this peer (${issuer})`);
      if (decision.accountId !== undefined && !accounts.has(decision.accountId)) {
        throw new Error(`unknown account ${decision.accountId}`);
      }
      // A fresh user agent per call: a new browser, so every flow logs in again.
      return new UserAgent().followRedirects(start, (next) => {
        if (next.origin !== issuer) return true; // left the server: the client's redirect_uri
        const uid = INTERACTION_PATH.exec(next.pathname)?.[1];
        if (uid !== undefined) pending.set(uid, decision);
        return false;
      });
    },
    setDefaultDecision(decision) {
      defaultDecision = decision;
    },
    setTokenEndpointFailure(spec) {
      failures.set(spec);
    },
    async revokeGrantsFor(accountId) {
      const grantIds = [...store.entries('Grant')]
        .filter(([, grant]) => accountId === undefined || grant.accountId === accountId)
        .map(([grantId]) => grantId);
      for (const grantId of grantIds) {
        await Promise.all([
          provider.AccessToken.revokeByGrantId(grantId),
          provider.RefreshToken.revokeByGrantId(grantId),
          provider.AuthorizationCode.revokeByGrantId(grantId),
        ]);
        await store.adapterFactory('Grant').destroy(grantId);
      }
      return grantIds.length;
    },
    async close() {
      failures.close();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      store.clear();
    },
  };
  return peer;
}
