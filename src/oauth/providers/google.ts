/**
 * Google (OAuth 2.0 for web server applications + OpenID Connect).
 *
 * @see https://developers.google.com/identity/protocols/oauth2/web-server
 * @see https://developers.google.com/identity/openid-connect/reference
 */
import {
  classifyByCode,
  classifyStandardError,
  readString,
  splitScopes,
  uniqueScopes,
} from './shared.ts';
import type {
  AccountIdentity,
  ErrorClassification,
  IdentityInput,
  JsonObject,
  ProviderDefinition,
  ProviderErrorInput,
} from './types.ts';

const WEB_SERVER_DOC = 'https://developers.google.com/identity/protocols/oauth2/web-server';
const OIDC_REFERENCE = 'https://developers.google.com/identity/openid-connect/reference';
const GRANULAR_DOC = 'https://developers.google.com/identity/protocols/oauth2/resources/granular-permissions';

/**
 * Google answers the sign-in scopes `email` and `profile` with their long names in the token
 * response's `scope` (observed behaviour). Mapping them back keeps "requested vs granted"
 * comparisons exact.
 */
const scopeAliases: Readonly<Record<string, string>> = {
  'https://www.googleapis.com/auth/userinfo.email': 'email',
  'https://www.googleapis.com/auth/userinfo.profile': 'profile',
};

/**
 * Granted scopes come from the answer's `scope`: with granular consent a person can untick
 * scopes, so the app "must check what scopes are granted by the users and can't assume users
 * grant all requested scopes".
 * @see https://developers.google.com/identity/protocols/oauth2/resources/granular-permissions
 */
function grantedScopes(tokenResponse: JsonObject, fallback: readonly string[]): string[] {
  const scope = readString(tokenResponse, 'scope');
  if (scope === undefined) return [...fallback]; // RFC 6749 §5.1: omitted means "as requested"
  return uniqueScopes(splitScopes(scope, ' ').map((s) => scopeAliases[s] ?? s));
}

/**
 * The account is the ID token's `sub` (stable, never reused); the email is for display. When no
 * ID token came back, the OpenID userinfo answer has the same members.
 * @see https://developers.google.com/identity/openid-connect/openid-connect#an-id-tokens-payload
 */
function identify(input: IdentityInput): AccountIdentity | undefined {
  for (const claims of [input.idTokenClaims, input.userinfo]) {
    const sub = readString(claims, 'sub');
    if (sub !== undefined) {
      return { accountId: sub, displayName: readString(claims, 'email') ?? readString(claims, 'name') ?? sub };
    }
  }
  return undefined;
}

/** @see https://developers.google.com/identity/protocols/oauth2/web-server#authorization-errors */
function classifyError(input: ProviderErrorInput): ErrorClassification {
  const code = input.error;
  if (code !== undefined && input.status !== 429 && (input.status ?? 0) < 500) {
    const known = classifyByCode(input, code, {
      admin_policy_enforced: [
        'admin_approval',
        'A Google Workspace administrator must allow this app before accounts of the organization can connect it ' +
          '(Google Admin console → Security → Access and data control → API controls → Manage Third-Party App Access → mark the app as Trusted).',
      ],
      org_internal: [
        'misconfigured',
        'This Google OAuth app is limited to accounts of its own Google Cloud organization. An administrator must publish it for external users or use an account of that organization.',
      ],
      disallowed_useragent: [
        'denied',
        'Google does not allow signing in from this embedded browser. Open the connect link in a regular browser.',
      ],
      deleted_client: [
        'misconfigured',
        'The Google OAuth client was deleted in Google Cloud. An administrator must create a new one and update the OAuth credentials in Tether.',
      ],
      invalid_grant: [
        'permanent',
        'Google no longer accepts this connection\'s authorization: it expired or was revoked (for example the account owner removed the app at myaccount.google.com). Reconnect the account.',
      ],
    });
    if (known !== undefined) return known;
  }
  return classifyStandardError(input, 'Google');
}

/** Google's token endpoint answers RFC 6749 §5.1/§5.2 shapes; nothing to fix. */
async function normalizeTokenResponse(response: Response): Promise<Response> {
  return response;
}

export const google: ProviderDefinition = Object.freeze({
  domain: 'google',
  displayName: 'Google',
  builtIn: true,
  docs: [WEB_SERVER_DOC, OIDC_REFERENCE, GRANULAR_DOC],
  endpoints: {
    authorize: 'https://accounts.google.com/o/oauth2/v2/auth',
    token: 'https://oauth2.googleapis.com/token',
    // @see https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke
    revocation: 'https://oauth2.googleapis.com/revoke',
    userinfo: 'https://openidconnect.googleapis.com/v1/userinfo',
    // The discovery document's issuer; ID tokens from the token endpoint carry this value.
    // @see https://developers.google.com/identity/openid-connect/reference#discovery-document
    issuer: 'https://accounts.google.com',
    jwks: 'https://www.googleapis.com/oauth2/v3/certs',
  },
  scopeSeparator: ' ',
  defaultScopes: ['openid', 'email'],
  authorizeParams: {
    // A refresh token is only issued with access_type=offline; prompt=consent makes Google issue
    // one again when the person already granted the app before (reconnect); incremental
    // authorization keeps earlier grants in the new token.
    // @see https://developers.google.com/identity/protocols/oauth2/web-server#creatingclient
    access_type: 'offline',
    prompt: 'consent',
    include_granted_scopes: 'true',
  },
  supportsPkce: true,
  tokenEndpointAuthMethod: 'client_secret_post',
  revocation: 'rfc7009',
  // A refresh answer has no refresh_token; the stored one stays valid (SPEC §5 keeps it).
  // @see https://developers.google.com/identity/protocols/oauth2/web-server#offline
  rotatesRefreshToken: false,
  oidc: true,
  // Google's discovery document lists authorization_response_iss_parameter_supported (RFC 9207).
  authorizationResponseIssParameter: true,
  identitySource: 'id_token',
  apiBaseUrls: [
    'https://www.googleapis.com',
    'https://sheets.googleapis.com',
    'https://gmail.googleapis.com',
    'https://docs.googleapis.com',
    'https://people.googleapis.com',
  ],
  scopeParameters: (scopes: readonly string[]) => ({ scope: scopes.join(' ') }),
  grantedScopes,
  identify,
  classifyError,
  normalizeTokenResponse,
});
