/**
 * The provider catalog: built-in definitions, resolution of an admin's app config over them,
 * and the small glue the connect flow needs to drive oauth4webapi with a provider's quirks.
 */
import * as oauth from 'oauth4webapi';
import { AppError } from '../../core/errors.ts';
import type { Secret } from '../../core/secret.ts';
import { customProvider } from './custom.ts';
import { google } from './google.ts';
import { microsoft } from './microsoft.ts';
import { decodeJwtPayload, defaultFetch, isAllowedProviderUrl, isJsonObject, isLoopbackHttp, readString } from './shared.ts';
import { slack } from './slack.ts';
import type { FetchFunction } from './shared.ts';
import type { JsonObject, OAuthAppConfig, ProviderDefinition, ResolvedProvider } from './types.ts';

export type * from './types.ts';
export { customProvider, discover } from './custom.ts';
export type { DiscoveryOptions, DiscoveryResult } from './custom.ts';
export { defaultFetch, errorInputFrom, requiresReauthorization } from './shared.ts';
export type { FetchFunction, FetchInit } from './shared.ts';
export { revokeSlackToken, SLACK_USER_SCOPE_PREFIX } from './slack.ts';
export type { SlackRevocationResult } from './slack.ts';
export { google, microsoft, slack };

export type BuiltInDomain = 'google' | 'microsoft' | 'slack';

export const builtInProviders: Readonly<Record<BuiltInDomain, ProviderDefinition>> = Object.freeze({
  google,
  microsoft,
  slack,
});

export function isBuiltInDomain(domain: string): domain is BuiltInDomain {
  return Object.hasOwn(builtInProviders, domain);
}

/** The catalog entry for a domain: the built-in one, or the custom template. */
export function providerDefinition(domain: string): ProviderDefinition {
  return isBuiltInDomain(domain) ? builtInProviders[domain] : customProvider(domain);
}

export interface CatalogEntry {
  readonly domain: string;
  readonly displayName: string;
  readonly builtIn: boolean;
  readonly configured: boolean;
  readonly defaultScopes: readonly string[];
}

/** `GET /api/v1/providers`: every built-in domain plus the configured custom ones. */
export function catalogEntries(configuredApps: readonly Pick<OAuthAppConfig, 'domain' | 'scopes'>[]): CatalogEntry[] {
  const configured = new Map(configuredApps.map((app) => [app.domain, app]));
  const builtIns = Object.values(builtInProviders).map((def) => ({
    domain: def.domain,
    displayName: def.displayName,
    builtIn: true,
    configured: configured.has(def.domain),
    defaultScopes: configured.get(def.domain)?.scopes ?? def.defaultScopes,
  }));
  const customs = configuredApps
    .filter((app) => !isBuiltInDomain(app.domain))
    .map((app) => ({ domain: app.domain, displayName: app.domain, builtIn: false, configured: true, defaultScopes: app.scopes ?? [] }));
  return [...builtIns, ...customs];
}

/**
 * What the admin form pre-fills for a built-in domain: the catalog's endpoints and default
 * scopes. `{tenant}` in a URL is the placeholder the tenant setting fills (Microsoft).
 */
export interface ProviderTemplate {
  readonly domain: string;
  readonly displayName: string;
  readonly authorizeUrl: string;
  readonly tokenUrl: string;
  readonly revocationUrl?: string;
  readonly userinfoUrl?: string;
  readonly issuer?: string;
  readonly apiBaseUrl?: string;
  /** Space-separated, as the admin API takes them. */
  readonly scopes: string;
  /** The default tenant that replaces `{tenant}`, for providers with a tenant setting. */
  readonly tenant?: string;
}

/** The built-in catalog as form templates (`GET /api/v1/admin/provider-templates`). */
export function providerTemplates(): ProviderTemplate[] {
  return Object.values(builtInProviders).map((def) => {
    const { endpoints } = def;
    return {
      domain: def.domain,
      displayName: def.displayName,
      authorizeUrl: endpoints.authorize,
      tokenUrl: endpoints.token,
      ...(endpoints.revocation === undefined ? {} : { revocationUrl: endpoints.revocation }),
      ...(endpoints.userinfo === undefined ? {} : { userinfoUrl: endpoints.userinfo }),
      ...(endpoints.issuer === undefined ? {} : { issuer: endpoints.issuer }),
      ...(def.apiBaseUrls[0] === undefined ? {} : { apiBaseUrl: def.apiBaseUrls[0] }),
      scopes: def.defaultScopes.join(' '),
      ...(def.tenant === undefined ? {} : { tenant: def.tenant.default }),
    };
  });
}

export interface ConfigProblem {
  readonly field: string;
  readonly message: string;
}

const DOMAIN_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** Parameters the flow sets itself; an admin may not override them. */
const reservedParams = new Set(['client_id', 'redirect_uri', 'response_type', 'state', 'code_challenge', 'code_challenge_method', 'nonce', 'scope', 'user_scope']);
const urlFields = ['authorizeUrl', 'tokenUrl', 'revocationUrl', 'userinfoUrl', 'issuer', 'apiBaseUrl'] as const;

/** Checks an app config against the catalog (SPEC §2 validation plus provider settings). */
export function validateAppConfig(domain: string, app: OAuthAppConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const def = providerDefinition(domain);
  if (!DOMAIN_PATTERN.test(domain)) problems.push({ field: 'domain', message: 'domain must be lowercase letters, digits and hyphens' });
  if (app.domain !== domain) problems.push({ field: 'domain', message: 'the app config belongs to another domain' });
  if (app.clientId.trim().length === 0) problems.push({ field: 'clientId', message: 'clientId is required' });
  if (!def.builtIn) {
    if (app.authorizeUrl === undefined) problems.push({ field: 'authorizeUrl', message: 'authorizeUrl is required for a custom provider' });
    if (app.tokenUrl === undefined) problems.push({ field: 'tokenUrl', message: 'tokenUrl is required for a custom provider' });
  }
  for (const field of urlFields) {
    const value = app[field];
    // `{tenant}` templates are allowed in Microsoft URLs; they are filled before use.
    if (value !== undefined && !isAllowedProviderUrl(value.replaceAll('{tenant}', 'tenant'))) {
      problems.push({ field, message: `${field} must be an absolute https URL (plain http only for loopback hosts)` });
    }
  }
  for (const scope of app.scopes ?? []) {
    if (scope.length === 0 || /[\s,]/.test(scope)) {
      problems.push({ field: 'scopes', message: `"${scope}" is not a single scope` });
    }
  }
  for (const name of Object.keys(app.authorizeParams ?? {})) {
    if (reservedParams.has(name)) problems.push({ field: 'authorizeParams', message: `${name} is set by Tether and cannot be overridden` });
  }
  if (app.tenant !== undefined) {
    const problem = def.tenant === undefined ? `${def.displayName} has no tenant setting` : def.tenant.validate(app.tenant);
    if (problem !== undefined) problems.push({ field: 'tenant', message: problem });
  }
  return problems;
}

export type ResolveResult = { ok: true; provider: ResolvedProvider } | { ok: false; error: AppError };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Merges an admin's app config over the catalog entry into a frozen {@link ResolvedProvider}.
 * Built-in URLs may be overridden (tests point them at emulators); `{tenant}` in any URL is
 * replaced by the tenant setting. The client secret is not part of it.
 */
export function resolveProvider(domain: string, app: OAuthAppConfig): ResolveResult {
  const problems = validateAppConfig(domain, app);
  if (problems.length > 0) {
    return {
      ok: false,
      error: new AppError('invalid_request', `The OAuth app for ${domain} is not valid: ${problems.map((p) => p.message).join('; ')}.`, {
        details: { fields: problems },
      }),
    };
  }
  const def = providerDefinition(domain);
  const tenant = def.tenant === undefined ? undefined : (app.tenant ?? def.tenant.default);
  const fill = (url: string | undefined): string | undefined =>
    url === undefined || tenant === undefined ? url : url.replaceAll('{tenant}', encodeURIComponent(tenant));

  const authorizeUrl = fill(app.authorizeUrl ?? def.endpoints.authorize) ?? '';
  const tokenUrl = fill(app.tokenUrl ?? def.endpoints.token) ?? '';
  const revocationUrl = fill(app.revocationUrl ?? def.endpoints.revocation);
  const userinfoUrl = fill(app.userinfoUrl ?? def.endpoints.userinfo);
  const issuerTemplate = app.issuer ?? def.endpoints.issuer;
  const realIssuer =
    issuerTemplate === undefined || tenant === undefined || def.tenant === undefined
      ? issuerTemplate
      : issuerTemplate.replaceAll('{tenant}', def.tenant.issuerSegment(tenant));
  // The catalog's JWKS location is only right for the catalog's own issuer.
  const jwksUri = app.issuer === undefined ? fill(def.endpoints.jwks) : undefined;
  const issuer = realIssuer ?? new URL(tokenUrl).origin;
  const scopes = Object.freeze([...(app.scopes ?? def.defaultScopes)]);
  const authorizeParams = Object.freeze({ ...def.authorizeParams, ...app.authorizeParams });
  const discovery = !def.builtIn && app.issuer !== undefined;
  const oidc = def.oidc || (discovery && scopes.includes('openid'));
  const apiBaseUrls = Object.freeze(app.apiBaseUrl === undefined ? [...def.apiBaseUrls] : [app.apiBaseUrl]);
  const revocation = revocationUrl === undefined ? 'none' : def.builtIn ? def.revocation : 'rfc7009';
  const identitySource = def.builtIn ? def.identitySource : oidc ? 'id_token' : userinfoUrl === undefined ? 'token_response' : 'userinfo';

  const provider: ResolvedProvider = {
    domain,
    displayName: def.displayName,
    builtIn: def.builtIn,
    clientId: app.clientId,
    authorizeUrl,
    tokenUrl,
    revocationUrl,
    userinfoUrl,
    issuer,
    hasIssuer: realIssuer !== undefined,
    discovery,
    jwksUri,
    oidc,
    scopeSeparator: def.scopeSeparator,
    scopes,
    authorizeParams,
    supportsPkce: def.supportsPkce,
    tokenEndpointAuthMethod: app.tokenEndpointAuthMethod ?? def.tokenEndpointAuthMethod,
    revocation,
    rotatesRefreshToken: def.rotatesRefreshToken,
    authorizationResponseIssParameter: def.authorizationResponseIssParameter,
    identitySource,
    apiBaseUrl: apiBaseUrls[0],
    apiBaseUrls,
    tenant,
    allowInsecureRequests: [authorizeUrl, tokenUrl, revocationUrl, userinfoUrl, realIssuer, jwksUri].some(isLoopbackHttp),
    docs: def.docs,
    authorizationParameters: (requested) => ({ ...authorizeParams, ...def.scopeParameters(requested) }),
    grantedScopes: (body, fallback) => def.grantedScopes(body, fallback),
    identify: (input) => def.identify(input),
    classifyError: (input) => def.classifyError(input),
    normalizeTokenResponse: (response) => def.normalizeTokenResponse(response),
    expectedIdTokenIssuer: (claims) => {
      const tid = readString(claims, 'tid');
      return issuer.includes('{tenantid}') && tid !== undefined && GUID.test(tid) ? issuer.replaceAll('{tenantid}', tid) : issuer;
    },
  };
  return { ok: true, provider: Object.freeze(provider) };
}

/** Requested scopes for a connect: the provider's defaults plus what the person asked for. */
export function requestedScopes(provider: ResolvedProvider, extra: readonly string[] = []): string[] {
  return [...new Set([...provider.scopes, ...extra])];
}

/** oauth4webapi authorization server metadata for the provider (issuer overridable per response). */
export function authorizationServer(provider: ResolvedProvider, issuer: string = provider.issuer): oauth.AuthorizationServer {
  return {
    issuer,
    authorization_endpoint: provider.authorizeUrl,
    token_endpoint: provider.tokenUrl,
    ...(provider.revocationUrl === undefined || provider.revocation !== 'rfc7009' ? {} : { revocation_endpoint: provider.revocationUrl }),
    ...(provider.userinfoUrl === undefined ? {} : { userinfo_endpoint: provider.userinfoUrl }),
    ...(provider.jwksUri === undefined ? {} : { jwks_uri: provider.jwksUri }),
    ...(provider.authorizationResponseIssParameter ? { authorization_response_iss_parameter_supported: true } : {}),
  };
}

/** oauth4webapi client metadata. */
export function oauthClient(provider: ResolvedProvider): oauth.Client {
  return { client_id: provider.clientId };
}

/** The token endpoint client authentication (RFC 6749 §2.3.1) with the app's secret. */
export function clientAuthentication(provider: ResolvedProvider, clientSecret: Secret): oauth.ClientAuth {
  return provider.tokenEndpointAuthMethod === 'client_secret_basic'
    ? oauth.ClientSecretBasic(clientSecret.reveal())
    : oauth.ClientSecretPost(clientSecret.reveal());
}

/**
 * A `customFetch` for oauth4webapi / openid-client token endpoint calls that passes every answer
 * through the provider's normalizer, so the library only ever sees RFC 6749 responses.
 */
export function tokenEndpointFetch(provider: ResolvedProvider, baseFetch: FetchFunction = defaultFetch): FetchFunction {
  return async (url, init) => provider.normalizeTokenResponse(await baseFetch(url, init));
}

/**
 * The issuer the ID token in a (normalized, unprocessed) token response must carry. Reads a clone,
 * so the response can still be handed to `processAuthorizationCodeResponse` afterwards. Only
 * Microsoft multi-tenant apps need this (`{tenantid}` issuer); for others it is `provider.issuer`.
 */
export async function expectedIssuerFor(provider: ResolvedProvider, tokenResponse: Response): Promise<string> {
  if (!provider.issuer.includes('{tenantid}')) return provider.issuer;
  let body: unknown;
  try {
    body = await tokenResponse.clone().json();
  } catch {
    return provider.issuer;
  }
  const idToken = isJsonObject(body) ? readString(body, 'id_token') : undefined;
  const claims: JsonObject | undefined = idToken === undefined ? undefined : decodeJwtPayload(idToken);
  return claims === undefined ? provider.issuer : provider.expectedIdTokenIssuer(claims);
}
