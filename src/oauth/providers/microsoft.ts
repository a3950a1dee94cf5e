/**
 * Microsoft identity platform (v2.0 endpoints, Microsoft Entra ID and personal accounts).
 *
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/id-token-claims-reference
 */
import { classifyByCode, classifyStandardError, readString, splitScopes, uniqueScopes } from './shared.ts';
import type {
  AccountIdentity,
  ErrorClassification,
  ErrorKind,
  IdentityInput,
  JsonObject,
  ProviderDefinition,
  ProviderErrorInput,
  TenantSetting,
} from './types.ts';

const AUTH_CODE_DOC = 'https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow';
const ERROR_CODES_DOC = 'https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes';
const ID_TOKEN_DOC = 'https://learn.microsoft.com/en-us/entra/identity-platform/id-token-claims-reference';
const OIDC_DOC = 'https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const multiTenant = new Set(['common', 'organizations', 'consumers']);

/**
 * `{tenant}` in the endpoint path decides who may sign in: `common`, `organizations`,
 * `consumers`, a tenant id or a tenant's domain name.
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc#find-your-apps-openid-configuration-document-uri
 */
export const microsoftTenant: TenantSetting = Object.freeze({
  default: 'common',
  validate(value: string): string | undefined {
    if (multiTenant.has(value) || GUID.test(value) || DOMAIN.test(value)) return undefined;
    return 'tenant must be common, organizations, consumers, a tenant id (GUID) or a tenant domain such as contoso.onmicrosoft.com';
  },
  /**
   * ID tokens carry the real tenant's issuer, `https://login.microsoftonline.com/<tid>/v2.0`. For
   * multi-tenant values (and domain names) the expected issuer is therefore the `{tenantid}`
   * template the `common` metadata document publishes, filled from the token's `tid` claim
   * (openid-client does the same for Entra ID discovery).
   */
  issuerSegment(value: string): string {
    return GUID.test(value) ? value.toLowerCase() : '{tenantid}';
  },
});

/** Graph is the default resource: `User.Read` and `https://graph.microsoft.com/User.Read` are one permission. */
const GRAPH_PREFIX = 'https://graph.microsoft.com/';

/**
 * Scopes from the answer's `scope`. `offline_access` is never echoed back; a refresh token in
 * the answer is what proves it was granted.
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow#request-an-access-token-with-a-client_secret
 */
function grantedScopes(tokenResponse: JsonObject, fallback: readonly string[]): string[] {
  const scope = readString(tokenResponse, 'scope');
  // "This parameter is non-standard and, if omitted, the token is for the scopes requested."
  if (scope === undefined) return [...fallback];
  const granted = splitScopes(scope, ' ').map((s) => (s.startsWith(GRAPH_PREFIX) ? s.slice(GRAPH_PREFIX.length) : s));
  if (readString(tokenResponse, 'refresh_token') !== undefined) granted.push('offline_access');
  return uniqueScopes(granted);
}

/**
 * accountId is `<tid>:<oid>`: `oid` is the user's immutable id, unique only within its tenant, so
 * the pair identifies the account ("use oid and tid" for data shared across services).
 * `preferred_username` is mutable and only for display. Without the `profile` scope there is no
 * `oid`; the pairwise `sub` stands in then.
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/id-token-claims-reference#use-claims-to-reliably-identify-a-user
 */
function identify(input: IdentityInput): AccountIdentity | undefined {
  const claims = input.idTokenClaims ?? input.userinfo;
  const tid = readString(claims, 'tid');
  const user = readString(claims, 'oid') ?? readString(claims, 'sub');
  if (user === undefined) return undefined;
  const accountId = tid === undefined ? user : `${tid}:${user}`;
  const displayName =
    readString(claims, 'preferred_username') ?? readString(claims, 'email') ?? readString(claims, 'name') ?? accountId;
  return { accountId, displayName };
}

const ADMIN_CONSENT =
  'A Microsoft Entra administrator must grant consent for this app (Microsoft Entra admin center → Enterprise applications → the app → Permissions → Grant admin consent).';
const NEW_SECRET =
  'Microsoft did not accept the OAuth app\'s client secret (wrong or expired). An administrator must create a new one (App registrations → the app → Certificates & secrets) and save it in Tether.';
const RECONNECT_EXPIRED = 'The Microsoft authorization expired because it was not used for a long time. Reconnect the account.';
const RECONNECT_REVOKED =
  'The Microsoft authorization was revoked (by the account owner or an administrator, for example after a password change). Reconnect the account.';
const SIGN_IN_AGAIN = 'Microsoft requires the account owner to sign in again (for example for multifactor authentication). Reconnect the account.';
const TRY_AGAIN = 'Microsoft sign-in is having a temporary problem. Tether will try again.';

/**
 * AADSTS codes appear only in `error_description` (and `error_codes`); `error` stays generic.
 * Microsoft warns the codes may change, so anything unknown falls back to the RFC 6749 `error`.
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes#aadsts-error-codes
 */
const aadsts: Readonly<Record<string, readonly [ErrorKind, string]>> = {
  AADSTS65001: ['admin_approval', `Consent for this app is missing in the account's Microsoft Entra tenant. ${ADMIN_CONSENT} Otherwise the account owner must reconnect and accept.`],
  AADSTS90094: ['admin_approval', ADMIN_CONSENT],
  AADSTS90095: ['admin_approval', ADMIN_CONSENT],
  AADSTS65004: ['denied', 'The account owner declined to give this app consent at Microsoft. Connect again and accept to continue.'],
  AADSTS53003: ['denied', 'A Conditional Access policy of the account\'s organization blocked access. Its Microsoft Entra administrator must allow this app.'],
  AADSTS70008: ['permanent', RECONNECT_EXPIRED],
  AADSTS700082: ['permanent', RECONNECT_EXPIRED],
  AADSTS70043: ['permanent', 'The Microsoft authorization expired under the organization\'s sign-in frequency policy. Reconnect the account.'],
  AADSTS50173: ['permanent', RECONNECT_REVOKED],
  AADSTS50089: ['permanent', RECONNECT_EXPIRED],
  AADSTS70000: ['permanent', RECONNECT_REVOKED],
  AADSTS54005: ['permanent', 'This Microsoft authorization code was already used. Connect again.'],
  AADSTS501481: ['permanent', 'The Microsoft authorization code did not match this connect attempt. Connect again.'],
  AADSTS50076: ['permanent', SIGN_IN_AGAIN],
  AADSTS50079: ['permanent', SIGN_IN_AGAIN],
  AADSTS50057: ['permanent', 'The Microsoft account is disabled. Reconnect with an active account.'],
  AADSTS50034: ['permanent', 'The Microsoft account no longer exists in its directory. Reconnect with an existing account.'],
  AADSTS7000215: ['misconfigured', NEW_SECRET],
  AADSTS7000222: ['misconfigured', NEW_SECRET],
  AADSTS70002: ['misconfigured', NEW_SECRET],
  AADSTS7000218: ['misconfigured', NEW_SECRET],
  AADSTS700016: ['misconfigured', 'Microsoft does not know this app in the account\'s tenant. An administrator must check the client id, or the tenant\'s administrator must add the app.'],
  AADSTS700011: ['misconfigured', 'Microsoft does not know this app in the account\'s tenant. An administrator must check the client id.'],
  AADSTS70001: ['misconfigured', 'The Microsoft app registration is disabled. An administrator must enable it.'],
  AADSTS7000112: ['misconfigured', 'The Microsoft app registration is disabled. An administrator must enable it.'],
  AADSTS50011: ['misconfigured', 'Microsoft does not know Tether\'s redirect URI. An administrator must add it to the app registration (Authentication → Redirect URIs).'],
  AADSTS50194: ['misconfigured', 'The Microsoft app is single-tenant but Tether used a multi-tenant endpoint. An administrator must set the app\'s tenant in Tether or make the app multi-tenant.'],
  AADSTS90002: ['misconfigured', 'Microsoft does not know the configured tenant. An administrator must check the tenant setting.'],
  AADSTS50033: ['transient', TRY_AGAIN],
  AADSTS90006: ['transient', TRY_AGAIN],
  AADSTS90024: ['transient', TRY_AGAIN],
  AADSTS90033: ['transient', TRY_AGAIN],
  AADSTS90090: ['transient', TRY_AGAIN],
  AADSTS90012: ['transient', TRY_AGAIN],
  AADSTS70012: ['transient', TRY_AGAIN],
};

/** The AADSTS code of an error: `error_codes[0]`, else the first `AADSTSnnnn` in the description. */
export function aadstsCode(input: ProviderErrorInput): string | undefined {
  const first = input.errorCodes?.[0];
  if (first !== undefined) return `AADSTS${first}`;
  const match = /AADSTS(\d+)/.exec(input.errorDescription ?? '');
  return match?.[1] === undefined ? undefined : `AADSTS${match[1]}`;
}

function classifyError(input: ProviderErrorInput): ErrorClassification {
  const code = aadstsCode(input);
  if (code !== undefined && input.status !== 429 && (input.status ?? 0) < 500) {
    const known = classifyByCode(input, code, aadsts);
    if (known !== undefined) return known;
  }
  const standard = classifyStandardError(input, 'Microsoft');
  return code === undefined ? standard : { ...standard, code };
}

/** The v2.0 token endpoint answers RFC 6749 shapes (plus diagnostics members); nothing to fix. */
async function normalizeTokenResponse(response: Response): Promise<Response> {
  return response;
}

export const microsoft: ProviderDefinition = Object.freeze({
  domain: 'microsoft',
  displayName: 'Microsoft',
  builtIn: true,
  docs: [AUTH_CODE_DOC, ERROR_CODES_DOC, ID_TOKEN_DOC, OIDC_DOC],
  endpoints: {
    authorize: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize',
    token: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token',
    // No token revocation endpoint exists; refresh tokens end by expiry or Graph revokeSignInSessions.
    userinfo: 'https://graph.microsoft.com/oidc/userinfo',
    issuer: 'https://login.microsoftonline.com/{tenant}/v2.0',
    jwks: 'https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys',
  },
  scopeSeparator: ' ',
  // `profile` is required for the `oid` and `preferred_username` claims (ID token reference).
  defaultScopes: ['openid', 'profile', 'email', 'offline_access', 'User.Read'],
  authorizeParams: {},
  supportsPkce: true,
  // The metadata document lists client_secret_post (and private_key_jwt).
  tokenEndpointAuthMethod: 'client_secret_post',
  revocation: 'none',
  // "Replace the old refresh token with this newly acquired refresh token" — every refresh.
  // @see https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow#refresh-the-access-token
  rotatesRefreshToken: true,
  oidc: true,
  authorizationResponseIssParameter: false,
  identitySource: 'id_token',
  apiBaseUrls: ['https://graph.microsoft.com'],
  tenant: microsoftTenant,
  // A refresh token is "only provided if offline_access scope was requested", so it is always sent.
  scopeParameters: (scopes: readonly string[]) => ({ scope: uniqueScopes([...scopes, 'offline_access']).join(' ') }),
  grantedScopes,
  identify,
  classifyError,
  normalizeTokenResponse,
});
