/**
 * A loopback emulator of Slack's OAuth v2 installation and the Web API methods Tether uses,
 * reproducing the documented shapes: `{ok: false, error}` at HTTP 200, bot tokens first with the
 * user token under `authed_user`, `token_type` `bot`/`user`, comma-separated scopes, optional
 * token rotation (12 h tokens, single-use refresh tokens) and `auth.revoke`.
 *
 * @see https://docs.slack.dev/authentication/installing-with-oauth
 * @see https://docs.slack.dev/reference/methods/oauth.v2.access
 * @see https://docs.slack.dev/authentication/using-token-rotation
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearerToken, clientCredentials, count, pkceMatches, randomToken, readForm, redirectTo, sendJson, startLoopbackServer } from './google.ts';
import type { ClientCredentials, GrantCounters } from './google.ts';

export interface SlackEmulatorOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly team?: { id: string; name: string };
  readonly userId?: string;
  readonly appId?: string;
  readonly botUserId?: string;
}

export interface SlackScenario {
  /** The installation is cancelled: redirect with `error` (Slack uses `access_denied`). */
  authorizeError: string | undefined;
  /** Token rotation enabled for the app: expiring tokens (`expires_in` 43200) plus refresh tokens. */
  tokenRotation: boolean;
  /** `oauth.v2.access` answers `{ok: false, error}` (HTTP 200) with this error. */
  accessError: string | undefined;
  /** Optional scopes the installer leaves unchecked. */
  declinedScopes: string[];
}

export interface SlackEmulator {
  readonly baseUrl: string;
  readonly endpoints: {
    readonly authorize: string;
    readonly token: string;
    readonly revocation: string;
    readonly authTest: string;
    readonly postMessage: string;
  };
  readonly scenario: SlackScenario;
  readonly calls: {
    authorize: number;
    readonly token: GrantCounters;
    revocations: number;
    api: number;
    lastAuthorize: URLSearchParams | undefined;
    lastClientAuth: ClientCredentials['method'] | undefined;
  };
  /** Access tokens revoked through `auth.revoke` (or by rotation of their refresh token). */
  readonly revokedTokens: ReadonlySet<string>;
  /** Expires every access token now (as if 12 hours passed with rotation enabled). */
  expireAccessTokens(): void;
  close(): Promise<void>;
}

type TokenKind = 'bot' | 'user';

interface SlackCode {
  redirectUri: string | undefined;
  botScopes: string[];
  userScopes: string[];
  challenge: string | undefined;
  challengeMethod: string;
  used: boolean;
}

interface SlackToken {
  kind: TokenKind;
  scopes: string[];
  expiresAt: number | undefined;
  revoked: boolean;
}

const ROTATION_TTL = 43200; // 12 hours

export async function startSlackEmulator(options: SlackEmulatorOptions): Promise<SlackEmulator> {
  const team = options.team ?? { id: 'T9TK3CUKW', name: 'Slack Pickleball Team' };
  const userId = options.userId ?? 'U1234ABCD';
  const appId = options.appId ?? 'A0KRD7HC3';
  const botUserId = options.botUserId ?? 'U0KRQLJ9H';
  const scenario: SlackScenario = { authorizeError: undefined, tokenRotation: false, accessError: undefined, declinedScopes: [] };
  const calls: SlackEmulator['calls'] = { authorize: 0, token: {}, revocations: 0, api: 0, lastAuthorize: undefined, lastClientAuth: undefined };
  const codes = new Map<string, SlackCode>();
  const accessTokens = new Map<string, SlackToken>();
  const refreshTokens = new Map<string, { kind: TokenKind; scopes: string[]; used: boolean }>();
  const revokedTokens = new Set<string>();

  const csv = (value: string | null) => (value ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);

  /** Issues one token (and, with rotation, its refresh token) in Slack's member names. */
  const issue = (kind: TokenKind, scopes: string[]) => {
    const prefix = kind === 'bot' ? 'xoxb-' : 'xoxp-';
    const rotating = scenario.tokenRotation;
    const accessToken = randomToken(rotating ? `xoxe.${prefix}1-` : prefix);
    accessTokens.set(accessToken, { kind, scopes, expiresAt: rotating ? Date.now() + ROTATION_TTL * 1000 : undefined, revoked: false });
    const out: Record<string, unknown> = { access_token: accessToken, token_type: kind, scope: scopes.join(',') };
    if (rotating) {
      const refreshToken = randomToken('xoxe-1-');
      refreshTokens.set(refreshToken, { kind, scopes, used: false });
      out['refresh_token'] = refreshToken;
      out['expires_in'] = ROTATION_TTL;
    }
    return out;
  };

  const ok = (res: ServerResponse, body: Record<string, unknown>) => sendJson(res, 200, { ok: true, ...body });
  // Web API errors are HTTP 200 with ok:false. @see https://docs.slack.dev/apis/web-api/#responses
  const fail = (res: ServerResponse, error: string) => sendJson(res, 200, { ok: false, error });

  const liveToken = (req: IncomingMessage, form: URLSearchParams) => {
    const token = bearerToken(req) ?? form.get('token') ?? undefined;
    const entry = token === undefined ? undefined : accessTokens.get(token);
    return { token, entry };
  };

  const server = await startLoopbackServer(async (req, res, url) => {
    const path = url.pathname;

    if (req.method === 'GET' && path === '/oauth/v2/authorize') {
      calls.authorize += 1;
      const q = url.searchParams;
      calls.lastAuthorize = q;
      if (q.get('client_id') !== options.clientId) return sendJson(res, 400, { ok: false, error: 'invalid_client_id' });
      const redirectUri = q.get('redirect_uri');
      if (redirectUri === null) return sendJson(res, 400, { ok: false, error: 'bad_redirect_uri' });
      const back = new URL(redirectUri);
      const stateParam = q.get('state');
      if (scenario.authorizeError !== undefined) {
        back.searchParams.set('error', scenario.authorizeError);
      } else {
        const code = randomToken(`${team.id.slice(1)}.`, 32);
        codes.set(code, {
          redirectUri,
          botScopes: csv(q.get('scope')).filter((s) => !scenario.declinedScopes.includes(s)),
          userScopes: csv(q.get('user_scope')).filter((s) => !scenario.declinedScopes.includes(s)),
          challenge: q.get('code_challenge') ?? undefined,
          challengeMethod: q.get('code_challenge_method') ?? 'plain',
          used: false,
        });
        back.searchParams.set('code', code);
      }
      if (stateParam !== null) back.searchParams.set('state', stateParam);
      return redirectTo(res, back);
    }

    if (req.method === 'POST' && path === '/api/oauth.v2.access') {
      const form = await readForm(req);
      const grantType = form.get('grant_type') ?? 'authorization_code';
      count(calls.token, grantType);
      const client = clientCredentials(req, form);
      calls.lastClientAuth = client.method;
      if (scenario.accessError !== undefined) return fail(res, scenario.accessError);
      if (client.clientId !== options.clientId) return fail(res, 'invalid_client_id');
      if (client.clientSecret !== options.clientSecret) return fail(res, 'bad_client_secret');
      const common = { app_id: appId, team, enterprise: null, is_enterprise_install: false };

      if (grantType === 'authorization_code') {
        const code = codes.get(form.get('code') ?? '');
        if (code === undefined || code.used) return fail(res, 'invalid_code');
        code.used = true;
        const redirectUri = form.get('redirect_uri') ?? undefined;
        if (redirectUri !== code.redirectUri) return fail(res, 'bad_redirect_uri');
        if (code.challenge !== undefined && !pkceMatches(code.challenge, code.challengeMethod, form.get('code_verifier'))) return fail(res, 'invalid_code');
        // Bot token first, the user token under authed_user.
        // @see https://docs.slack.dev/authentication/installing-with-oauth#exchanging
        const bot = code.botScopes.length > 0 ? { ...issue('bot', code.botScopes), bot_user_id: botUserId } : {};
        const authedUser = code.userScopes.length > 0 ? { id: userId, ...issue('user', code.userScopes) } : { id: userId };
        return ok(res, { ...bot, ...common, authed_user: authedUser });
      }

      if (grantType === 'refresh_token') {
        const stored = refreshTokens.get(form.get('refresh_token') ?? '');
        if (stored === undefined || stored.used) return fail(res, 'invalid_refresh_token');
        // "The refresh token is then revoked, and a new refresh token is used" next time.
        stored.used = true;
        const token = issue(stored.kind, stored.scopes);
        if (stored.kind === 'bot') return ok(res, { ...token, bot_user_id: botUserId, ...common });
        return ok(res, { ...token, ...common, authed_user: { id: userId } });
      }
      return fail(res, 'invalid_grant_type');
    }

    if (req.method === 'POST' && path === '/api/auth.revoke') {
      // @see https://docs.slack.dev/reference/methods/auth.revoke
      calls.revocations += 1;
      const form = await readForm(req);
      const { token, entry } = liveToken(req, form);
      if (token === undefined) return fail(res, 'not_authed');
      if (entry === undefined || entry.revoked) return fail(res, 'invalid_auth');
      const test = form.get('test');
      if (test === '1' || test === 'true') return ok(res, { revoked: false });
      entry.revoked = true;
      revokedTokens.add(token);
      return ok(res, { revoked: true });
    }

    if (req.method === 'POST' && (path === '/api/auth.test' || path === '/api/chat.postMessage')) {
      calls.api += 1;
      const form = await readForm(req);
      const { token, entry } = liveToken(req, form);
      if (token === undefined) return fail(res, 'not_authed');
      if (entry === undefined || entry.revoked) return fail(res, 'invalid_auth');
      if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) return fail(res, 'token_expired');
      if (path === '/api/auth.test') {
        return ok(res, {
          url: `https://${team.name.toLowerCase().replaceAll(' ', '-')}.slack.com/`,
          team: team.name,
          user: entry.kind === 'bot' ? 'tether-bot' : 'installer',
          team_id: team.id,
          user_id: entry.kind === 'bot' ? botUserId : userId,
          is_enterprise_install: false,
        });
      }
      if (!entry.scopes.includes('chat:write')) return sendJson(res, 200, { ok: false, error: 'missing_scope', needed: 'chat:write', provided: entry.scopes.join(',') });
      return ok(res, { channel: form.get('channel'), ts: `${Date.now() / 1000}`, message: { text: form.get('text') } });
    }

    return sendJson(res, 404, { ok: false, error: 'unknown_method' });
  });
  const base = server.baseUrl;

  return {
    baseUrl: base,
    endpoints: {
      authorize: `${base}/oauth/v2/authorize`,
      token: `${base}/api/oauth.v2.access`,
      revocation: `${base}/api/auth.revoke`,
      authTest: `${base}/api/auth.test`,
      postMessage: `${base}/api/chat.postMessage`,
    },
    scenario,
    calls,
    revokedTokens,
    expireAccessTokens() {
      for (const entry of accessTokens.values()) entry.expiresAt = Date.now() - 1;
    },
    close: () => server.close(),
  };
}
