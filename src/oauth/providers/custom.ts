/**
 * Custom OAuth 2.0 providers an admin registers (any domain that is not built in). Everything
 * comes from the admin's entry; an optional `issuer` enables RFC 8414 / OpenID Connect
 * discovery and `iss` checks.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749
 * @see https://www.rfc-editor.org/rfc/rfc8414
 */
import * as oauth from 'oauth4webapi';
import {
  classifyStandardError,
  defaultFetch,
  errorInputFrom,
  isLoopbackHttp,
  readId,
  readString,
  rewriteJsonResponse,
  splitScopes,
} from './shared.ts';
import type { FetchFunction } from './shared.ts';
import type {
  AccountIdentity,
  ErrorClassification,
  IdentityInput,
  JsonObject,
  ProviderDefinition,
  ProviderErrorInput,
  ResolvedProvider,
} from './types.ts';

/**
 * Two deviations seen often enough to absorb for any provider (everything else is standard):
 * - HTTP 200 carrying `error` and no `access_token` becomes 400 (RFC 6749 §5.2 requires 400);
 * - a success without `token_type` (REQUIRED by RFC 6749 §5.1) is taken as `bearer`.
 */
async function normalizeTokenResponse(response: Response): Promise<Response> {
  return rewriteJsonResponse(response, (body, status) => {
    if (status !== 200) return undefined;
    if (typeof body['error'] === 'string' && body['access_token'] === undefined) return { status: 400, body };
    if (typeof body['access_token'] === 'string' && body['token_type'] === undefined) {
      return { status, body: { ...body, token_type: 'bearer' } };
    }
    return undefined;
  });
}

function grantedScopes(tokenResponse: JsonObject, fallback: readonly string[]): string[] {
  const scope = readString(tokenResponse, 'scope');
  return scope === undefined ? [...fallback] : splitScopes(scope, ' '); // RFC 6749 §5.1 / §3.3
}

/**
 * OpenID Connect: the ID token's `sub` (OIDC Core §2), `email` for display. Otherwise the
 * userinfo answer's `sub`, or `id` (GitHub-style APIs), with `email`/`name`/`login` for display.
 */
function identify(input: IdentityInput): AccountIdentity | undefined {
  for (const claims of [input.idTokenClaims, input.userinfo]) {
    const accountId = readId(claims, 'sub') ?? readId(claims, 'id');
    if (accountId === undefined) continue;
    const displayName =
      readString(claims, 'email') ??
      readString(claims, 'preferred_username') ??
      readString(claims, 'name') ??
      readString(claims, 'login') ??
      accountId;
    return { accountId, displayName };
  }
  return undefined;
}

/** The catalog entry a custom domain starts from; the app config supplies the endpoints. */
export function customProvider(domain: string): ProviderDefinition {
  return Object.freeze({
    domain,
    displayName: domain,
    builtIn: false,
    docs: ['https://www.rfc-editor.org/rfc/rfc6749', 'https://www.rfc-editor.org/rfc/rfc8414'],
    endpoints: { authorize: '', token: '' },
    scopeSeparator: ' ',
    defaultScopes: [],
    authorizeParams: {},
    // Servers without PKCE ignore the extra parameters (RFC 6749 §3.1: unknown parameters MUST be ignored).
    supportsPkce: true,
    // RFC 6749 §2.3.1: servers MUST support HTTP Basic for client passwords.
    tokenEndpointAuthMethod: 'client_secret_basic',
    revocation: 'rfc7009',
    rotatesRefreshToken: 'optional',
    oidc: false,
    authorizationResponseIssParameter: false,
    identitySource: 'userinfo',
    apiBaseUrls: [],
    scopeParameters: (scopes: readonly string[]) => (scopes.length > 0 ? { scope: scopes.join(' ') } : {}),
    grantedScopes,
    identify,
    classifyError: (input: ProviderErrorInput): ErrorClassification => classifyStandardError(input, domain),
    normalizeTokenResponse,
  });
}

export type DiscoveryResult =
  | { ok: true; provider: ResolvedProvider; metadata: oauth.AuthorizationServer }
  | { ok: false; error: ErrorClassification };

export interface DiscoveryOptions {
  readonly fetch?: FetchFunction;
  readonly signal?: AbortSignal;
}

/**
 * Fetches the issuer's metadata (OpenID Connect Discovery first, then RFC 8414) and fills what
 * the admin left out: userinfo, revocation and JWKS endpoints, RFC 9207 `iss` support, and
 * whether ID tokens are issued. Endpoints the admin entered are kept. oauth4webapi checks that
 * the document's `issuer` equals the configured one (RFC 8414 §3.3).
 */
export async function discover(provider: ResolvedProvider, options: DiscoveryOptions = {}): Promise<DiscoveryResult> {
  if (!provider.discovery) return { ok: false, error: misconfigured('no issuer is configured, so there is nothing to discover') };
  const issuer = new URL(provider.issuer);
  let metadata: oauth.AuthorizationServer | undefined;
  try {
    for (const algorithm of ['oidc', 'oauth2'] as const) {
      const request: oauth.DiscoveryRequestOptions = {
        algorithm,
        [oauth.customFetch]: options.fetch ?? defaultFetch,
        [oauth.allowInsecureRequests]: isLoopbackHttp(provider.issuer),
      };
      const response = await oauth.discoveryRequest(issuer, options.signal === undefined ? request : { ...request, signal: options.signal });
      if (response.status === 404) continue;
      metadata = await oauth.processDiscoveryResponse(issuer, response);
      break;
    }
  } catch (err) {
    const input = errorInputFrom(err);
    if (input?.network === true) return { ok: false, error: provider.classifyError(input) };
    return { ok: false, error: misconfigured(`the metadata at ${provider.issuer} is not usable (${err instanceof Error ? err.message : 'unknown error'})`) };
  }
  if (metadata === undefined) return { ok: false, error: misconfigured(`no discovery document was found at ${provider.issuer}`) };

  const oidc = provider.oidc || metadata.id_token_signing_alg_values_supported !== undefined;
  const userinfoUrl = provider.userinfoUrl ?? metadata.userinfo_endpoint;
  const revocationUrl = provider.revocationUrl ?? metadata.revocation_endpoint;
  const jwksUri = provider.jwksUri ?? metadata.jwks_uri;
  const pkceMethods = metadata.code_challenge_methods_supported;
  const urls = [provider.authorizeUrl, provider.tokenUrl, userinfoUrl, revocationUrl, jwksUri, provider.issuer];
  const discovered: ResolvedProvider = Object.freeze({
    ...provider,
    oidc,
    userinfoUrl,
    revocationUrl,
    jwksUri,
    revocation: revocationUrl === undefined ? 'none' : 'rfc7009',
    supportsPkce: pkceMethods === undefined ? provider.supportsPkce : pkceMethods.includes('S256'),
    authorizationResponseIssParameter: metadata.authorization_response_iss_parameter_supported === true,
    identitySource: oidc ? 'id_token' : userinfoUrl === undefined ? 'token_response' : 'userinfo',
    allowInsecureRequests: urls.some(isLoopbackHttp),
  });
  return { ok: true, provider: discovered, metadata };
}

function misconfigured(detail: string): ErrorClassification {
  return {
    kind: 'misconfigured',
    reason: `Provider discovery failed: ${detail}. An administrator must check the issuer in the OAuth app settings.`,
    code: 'discovery_failed',
  };
}
