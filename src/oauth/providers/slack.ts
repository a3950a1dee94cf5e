/**
 * Slack (OAuth v2 app installation: `oauth/v2/authorize` + `oauth.v2.access`).
 *
 * Tether keeps one token per connection: the bot token when the installation produced one,
 * otherwise the user token. Scopes written `user:<scope>` (a Tether convention) are requested
 * as user scopes; everything else as bot scopes. Granted user scopes are recorded the same way.
 *
 * @see https://docs.slack.dev/authentication/installing-with-oauth
 * @see https://docs.slack.dev/reference/methods/oauth.v2.access
 */
import type { Secret } from '../../core/secret.ts';
import {
  classifyByCode,
  classifyStandardError,
  defaultFetch,
  errorInputFrom,
  isJsonObject,
  oauthErrorBody,
  readObject,
  readString,
  rewriteJsonResponse,
  splitScopes,
  uniqueScopes,
} from './shared.ts';
import type { FetchFunction } from './shared.ts';
import type {
  AccountIdentity,
  ErrorClassification,
  ErrorKind,
  IdentityInput,
  JsonObject,
  ProviderDefinition,
  ProviderErrorInput,
} from './types.ts';

const INSTALL_DOC = 'https://docs.slack.dev/authentication/installing-with-oauth';
const ACCESS_DOC = 'https://docs.slack.dev/reference/methods/oauth.v2.access';
const ROTATION_DOC = 'https://docs.slack.dev/authentication/using-token-rotation';
const REVOKE_DOC = 'https://docs.slack.dev/reference/methods/auth.revoke';
const WEB_API_DOC = 'https://docs.slack.dev/apis/web-api/';

/** Prefix marking a Slack user-token scope in Tether's scope lists. */
export const SLACK_USER_SCOPE_PREFIX = 'user:';

/**
 * Bot scopes go in `scope`, user scopes in `user_scope`, each a comma-separated list.
 * @see https://docs.slack.dev/authentication/installing-with-oauth#requesting-scopes
 */
function scopeParameters(scopes: readonly string[]): Record<string, string> {
  const bot = scopes.filter((s) => !s.startsWith(SLACK_USER_SCOPE_PREFIX));
  const user = scopes.filter((s) => s.startsWith(SLACK_USER_SCOPE_PREFIX)).map((s) => s.slice(SLACK_USER_SCOPE_PREFIX.length));
  return {
    ...(bot.length > 0 ? { scope: bot.join(',') } : {}),
    ...(user.length > 0 ? { user_scope: user.join(',') } : {}),
  };
}

/** Members of `authed_user` lifted to the top level for a user-only installation. */
const liftedMembers = ['access_token', 'token_type', 'scope', 'refresh_token', 'expires_in'] as const;

/**
 * Makes `oauth.v2.access` answers RFC 6749 shaped so oauth4webapi accepts them:
 * - Web API errors come as HTTP 200 `{ok: false, error}`; they become HTTP 400
 *   `{error, error_description}` (RFC 6749 §5.2). @see https://docs.slack.dev/apis/web-api/#responses
 * - `ok` is dropped. A user-only installation has no top-level token: the user token sits in
 *   `authed_user` and is lifted. @see https://docs.slack.dev/authentication/installing-with-oauth#exchanging
 * - `token_type` is `bot` or `user`, which oauth4webapi refuses (only `bearer`/`dpop`); Slack
 *   tokens are bearer tokens, so it becomes `bearer` and the original is kept in `slack_token_type`.
 * - Tokens left inside `authed_user` are removed, so extra members never carry a secret.
 * `team`, `enterprise`, `authed_user.id`, `bot_user_id`, `app_id` stay for `identify`.
 */
async function normalizeTokenResponse(response: Response): Promise<Response> {
  return rewriteJsonResponse(response, (body, status) => {
    const { ok, ...rest } = body;
    if (ok === false) {
      const error = typeof rest['error'] === 'string' ? rest['error'] : 'unknown_error';
      return {
        status: status === 200 ? 400 : status,
        body: oauthErrorBody(error, `Slack answered ok:false (${error})`, rest),
      };
    }
    if (ok !== true) return undefined; // not a Web API envelope: leave it to oauth4webapi
    const out: Record<string, unknown> = { ...rest };
    const authedUser = readObject(rest, 'authed_user');
    let slackTokenType = readString(rest, 'token_type');
    if (readString(rest, 'access_token') === undefined && readString(authedUser, 'access_token') !== undefined) {
      for (const member of liftedMembers) {
        if (authedUser?.[member] !== undefined) out[member] = authedUser[member];
      }
      slackTokenType = readString(authedUser, 'token_type') ?? 'user';
    }
    if (authedUser !== undefined) {
      const { access_token: _a, refresh_token: _r, ...withoutTokens } = authedUser;
      out['authed_user'] = withoutTokens;
    }
    out['slack_token_type'] = slackTokenType ?? 'bot';
    out['token_type'] = 'bearer';
    return { status, body: out };
  });
}

/**
 * Slack `scope` is comma-separated. Scopes of a user token are recorded with the `user:` prefix,
 * matching how they were requested. Optional scopes may be left out by the installer.
 * @see https://docs.slack.dev/authentication/installing-with-oauth#optional-scopes
 */
function grantedScopes(tokenResponse: JsonObject, fallback: readonly string[]): string[] {
  const scope = readString(tokenResponse, 'scope');
  if (scope === undefined) return [...fallback];
  const scopes = splitScopes(scope, ',');
  const isUser = readString(tokenResponse, 'slack_token_type') === 'user';
  return uniqueScopes(isUser ? scopes.map((s) => SLACK_USER_SCOPE_PREFIX + s) : scopes);
}

/**
 * The account is the workspace plus the installing user: `<team.id>:<authed_user.id>`. An
 * org-wide Enterprise Grid installation has no `team`; the `enterprise` id stands in.
 */
function identify(input: IdentityInput): AccountIdentity | undefined {
  const body = input.tokenResponse;
  const team = readObject(body, 'team') ?? readObject(body, 'enterprise');
  const teamId = readString(team, 'id');
  const userId = readString(readObject(body, 'authed_user'), 'id');
  if (teamId === undefined || userId === undefined) return undefined;
  const teamName = readString(team, 'name') ?? teamId;
  return { accountId: `${teamId}:${userId}`, displayName: `${teamName} (${userId})` };
}

const RECONNECT =
  'Slack no longer accepts this connection (the app was removed, the token revoked or expired, or the account deactivated). Reconnect the account.';
const CREDENTIALS = 'Slack did not accept the OAuth app\'s client id or secret. An administrator must copy them from the Slack app (Basic Information → App Credentials) into Tether.';
const SETUP = 'Slack rejected the OAuth app\'s request. An administrator must check the Slack app\'s OAuth & Permissions settings.';
const TRY_AGAIN = 'Slack is having a temporary problem. Tether will try again.';

/**
 * Errors of `oauth.v2.access` and `auth.revoke`, plus the Web API's common errors.
 * @see https://docs.slack.dev/reference/methods/oauth.v2.access#errors
 * @see https://docs.slack.dev/reference/methods/auth.revoke#errors
 */
const slackCodes: Readonly<Record<string, readonly [ErrorKind, string]>> = {
  invalid_client_id: ['misconfigured', CREDENTIALS],
  bad_client_secret: ['misconfigured', CREDENTIALS],
  bad_redirect_uri: ['misconfigured', 'Slack does not accept Tether\'s redirect URI. An administrator must add it in the Slack app under OAuth & Permissions → Redirect URLs.'],
  invalid_grant_type: ['misconfigured', SETUP],
  oauth_authorization_url_mismatch: ['misconfigured', SETUP],
  token_rotation_not_enabled: ['misconfigured', 'Token rotation is not enabled for the Slack app, so its tokens cannot be refreshed. An administrator must check the Slack app settings.'],
  invalid_arguments: ['misconfigured', SETUP],
  invalid_code: ['permanent', 'The Slack authorization code was invalid or expired (codes last ten minutes). Connect again.'],
  invalid_refresh_token: ['permanent', RECONNECT],
  token_revoked: ['permanent', RECONNECT],
  token_expired: ['permanent', RECONNECT],
  account_inactive: ['permanent', RECONNECT],
  authorization_not_found: ['permanent', RECONNECT],
  invalid_auth: ['permanent', RECONNECT],
  not_authed: ['permanent', RECONNECT],
  access_denied: ['denied', 'The Slack installation was cancelled. Connect again and allow access to continue.'],
  ekm_access_denied: ['denied', 'Slack workspace administrators have suspended this access (Enterprise Key Management).'],
  ratelimited: ['transient', 'Slack is rate limiting requests. Tether will try again later.'],
  internal_error: ['transient', TRY_AGAIN],
  fatal_error: ['transient', TRY_AGAIN],
  service_unavailable: ['transient', TRY_AGAIN],
  request_timeout: ['transient', TRY_AGAIN],
  org_login_required: ['transient', 'The Slack workspace is being migrated. Tether will try again.'],
};

function classifyError(input: ProviderErrorInput): ErrorClassification {
  if (input.error !== undefined && input.status !== 429 && (input.status ?? 0) < 500) {
    const known = classifyByCode(input, input.error, slackCodes);
    if (known !== undefined) return known;
  }
  return classifyStandardError(input, 'Slack');
}

export type SlackRevocationResult = { ok: true; revoked: boolean } | { ok: false; error: ErrorClassification };

/**
 * Revokes a token with Slack's `auth.revoke` (not RFC 7009: the token authenticates the call and
 * the answer is the Web API envelope `{ok, revoked}`). An already invalid token is reported as
 * `revoked: false` rather than an error: on disconnect the goal is reached either way.
 * @see https://docs.slack.dev/reference/methods/auth.revoke
 */
export async function revokeSlackToken(
  revocationUrl: string,
  token: Secret,
  fetchFn: FetchFunction = defaultFetch,
): Promise<SlackRevocationResult> {
  let response: Response;
  try {
    response = await fetchFn(revocationUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${token.reveal()}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
      redirect: 'manual',
    });
  } catch (err) {
    const input = errorInputFrom(err);
    if (input === undefined) throw err;
    return { ok: false, error: classifyError(input) };
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  if (isJsonObject(body) && body['ok'] === true) return { ok: true, revoked: body['revoked'] === true };
  const error = isJsonObject(body) ? readString(body, 'error') : undefined;
  if (error === 'invalid_auth' || error === 'token_revoked' || error === 'account_inactive') return { ok: true, revoked: false };
  return { ok: false, error: classifyError({ status: response.status, ...(error === undefined ? {} : { error }) }) };
}

export const slack: ProviderDefinition = Object.freeze({
  domain: 'slack',
  displayName: 'Slack',
  builtIn: true,
  docs: [INSTALL_DOC, ACCESS_DOC, ROTATION_DOC, REVOKE_DOC, WEB_API_DOC],
  endpoints: {
    authorize: 'https://slack.com/oauth/v2/authorize',
    token: 'https://slack.com/api/oauth.v2.access',
    revocation: 'https://slack.com/api/auth.revoke',
  },
  scopeSeparator: ',',
  defaultScopes: ['chat:write', 'channels:read'],
  authorizeParams: {},
  // oauth.v2.access takes `code_verifier` ("Used for PKCE").
  supportsPkce: true,
  // "avoid sending client_id and client_secret as parameters ... supply [them] using the HTTP
  // Basic authentication scheme" (oauth.v2.access arguments).
  tokenEndpointAuthMethod: 'client_secret_basic',
  revocation: 'slack',
  // With token rotation enabled, tokens expire after 12 hours and every refresh answer carries a
  // new refresh token (the old one is revoked); without it tokens never expire and there is none.
  // @see https://docs.slack.dev/authentication/using-token-rotation
  rotatesRefreshToken: 'optional',
  oidc: false,
  authorizationResponseIssParameter: false,
  identitySource: 'token_response',
  apiBaseUrls: ['https://slack.com/api'],
  scopeParameters,
  grantedScopes,
  identify,
  classifyError,
  normalizeTokenResponse,
});
