/**
 * The provider catalog's types: what Tether knows about each OAuth provider and its quirks.
 *
 * A {@link ProviderDefinition} is the static catalog entry (built-in defaults, quirks, error
 * wording). {@link resolveProvider} (index.ts) merges an admin's stored app config over it into
 * an immutable {@link ResolvedProvider}, which is what the connect flow, the refresh worker and
 * the proxy use. Neither ever holds the client secret: that travels separately as a `Secret`.
 */

/** How the client authenticates at the token endpoint (RFC 6749 §2.3.1). */
export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post';

/** How a token is revoked on disconnect: RFC 7009, Slack's `auth.revoke`, or not at all. */
export type RevocationStyle = 'rfc7009' | 'slack' | 'none';

/**
 * What a failure means for a connection.
 * - `permanent`: the grant is gone (expired, revoked, account deleted); only reconnecting helps.
 * - `transient`: the provider or network is unwell; retry later, the grant is intact.
 * - `misconfigured`: the OAuth app itself is wrong (client id/secret, redirect URI); an admin fixes it.
 * - `denied`: the person (or a policy) said no.
 * - `admin_approval`: an administrator of the person's organisation must approve the app first.
 */
export type ErrorKind = 'permanent' | 'transient' | 'misconfigured' | 'denied' | 'admin_approval';

/** What is known about a failed provider answer; every field is optional. */
export interface ProviderErrorInput {
  /** HTTP status of the provider's answer; absent for authorization (callback) errors. */
  readonly status?: number;
  /** The OAuth `error` code (RFC 6749 §4.1.2.1, §5.2) or Slack's `error`. */
  readonly error?: string;
  readonly errorDescription?: string;
  /** Microsoft's `error_codes` array (the AADSTS numbers). */
  readonly errorCodes?: readonly number[];
  readonly retryAfterSeconds?: number;
  /** True when no answer arrived at all (DNS, connection reset, timeout). */
  readonly network?: boolean;
}

export interface ErrorClassification {
  readonly kind: ErrorKind;
  /** A sentence for people. Never contains a token, secret or code. */
  readonly reason: string;
  /** The provider's code for logs and audit, e.g. `invalid_grant` or `AADSTS70008`. */
  readonly code: string;
  readonly retryAfterSeconds?: number;
}

/** Who the connected account is. `accountId` is stable; `displayName` is for people. */
export interface AccountIdentity {
  readonly accountId: string;
  readonly displayName: string;
}

/** A JSON object as received (token endpoint body, ID token claims, userinfo). */
export type JsonObject = Readonly<Record<string, unknown>>;

export interface IdentityInput {
  /** The normalized token endpoint body; oauth4webapi keeps extra members such as Slack's `team`. */
  readonly tokenResponse: JsonObject;
  /** Claims of the ID token as validated by oauth4webapi (`getValidatedIdTokenClaims`). */
  readonly idTokenClaims?: JsonObject | undefined;
  /** The userinfo answer, when the flow fetched one. */
  readonly userinfo?: JsonObject | undefined;
}

/** Where the account identity comes from, so the flow knows whether to call userinfo. */
export type IdentitySource = 'id_token' | 'token_response' | 'userinfo';

/** Endpoint URLs. A `{tenant}` placeholder is replaced by the resolved tenant setting. */
export interface ProviderEndpoints {
  readonly authorize: string;
  readonly token: string;
  readonly revocation?: string;
  readonly userinfo?: string;
  /** Issuer identifier: enables ID token `iss` checks and, for custom apps, discovery. */
  readonly issuer?: string;
  readonly jwks?: string;
}

/** A provider-specific setting with validation (Microsoft's `tenant`). */
export interface TenantSetting {
  readonly default: string;
  /** Returns a problem sentence, or undefined when the value is acceptable. */
  validate(value: string): string | undefined;
  /** What replaces `{tenant}` in the issuer: the tenant id itself, or a `{tenantid}` template. */
  issuerSegment(value: string): string;
}

/** The static catalog entry for one provider. */
export interface ProviderDefinition {
  readonly domain: string;
  readonly displayName: string;
  readonly builtIn: boolean;
  /** The provider documentation the quirks below were checked against. */
  readonly docs: readonly string[];
  readonly endpoints: ProviderEndpoints;
  readonly scopeSeparator: ' ' | ',';
  readonly defaultScopes: readonly string[];
  /** Extra authorization request parameters; an admin's `authorizeParams` are merged over them. */
  readonly authorizeParams: Readonly<Record<string, string>>;
  readonly supportsPkce: boolean;
  readonly tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  readonly revocation: RevocationStyle;
  /**
   * Whether a refresh answer carries a new refresh token: `false` (keep the old one), `true`
   * (replace it every time) or `'optional'` (replace it when one is sent).
   */
  readonly rotatesRefreshToken: boolean | 'optional';
  /** True when an ID token is expected from the token endpoint (OpenID Connect). */
  readonly oidc: boolean;
  /** RFC 9207: the provider sends `iss` with the authorization response. */
  readonly authorizationResponseIssParameter: boolean;
  readonly identitySource: IdentitySource;
  /** Origins (with optional path prefix) a token of this provider may be sent to by the proxy. */
  readonly apiBaseUrls: readonly string[];
  readonly tenant?: TenantSetting;
  /** The scope parameter(s) of the authorization request for these scopes. */
  scopeParameters(scopes: readonly string[]): Record<string, string>;
  /**
   * The scopes the token endpoint says were granted; `fallback` when the answer has no `scope`
   * (RFC 6749 §5.1 allows that when the grant equals the request).
   */
  grantedScopes(tokenResponse: JsonObject, fallback: readonly string[]): string[];
  identify(input: IdentityInput): AccountIdentity | undefined;
  classifyError(input: ProviderErrorInput): ErrorClassification;
  /** Rewrites a non-standard token endpoint answer into RFC 6749 §5.1/§5.2 shape. */
  normalizeTokenResponse(response: Response): Promise<Response>;
}

/**
 * An admin's stored OAuth app, as far as the catalog cares. Everything optional overrides the
 * catalog default for built-in domains (tests point built-ins at emulators this way).
 */
export interface OAuthAppConfig {
  readonly domain: string;
  readonly clientId: string;
  readonly authorizeUrl?: string | undefined;
  readonly tokenUrl?: string | undefined;
  readonly revocationUrl?: string | undefined;
  readonly userinfoUrl?: string | undefined;
  readonly issuer?: string | undefined;
  readonly scopes?: readonly string[] | undefined;
  readonly authorizeParams?: Readonly<Record<string, string>> | undefined;
  readonly apiBaseUrl?: string | undefined;
  readonly tenant?: string | undefined;
  readonly tokenEndpointAuthMethod?: TokenEndpointAuthMethod | undefined;
}

/** A catalog entry merged with an app config. Frozen; holds no secret. */
export interface ResolvedProvider {
  readonly domain: string;
  readonly displayName: string;
  readonly builtIn: boolean;
  readonly clientId: string;
  readonly authorizeUrl: string;
  readonly tokenUrl: string;
  readonly revocationUrl: string | undefined;
  readonly userinfoUrl: string | undefined;
  /**
   * Issuer identifier. For providers without one (Slack, custom without `issuer`) a nominal
   * value (the token endpoint's origin) that oauth4webapi requires; it is never compared then.
   * Microsoft multi-tenant values carry the `{tenantid}` template; see `expectedIdTokenIssuer`.
   */
  readonly issuer: string;
  /** True when `issuer` is a real issuer (OpenID Connect or RFC 8414). */
  readonly hasIssuer: boolean;
  /** Custom app with an `issuer`: run RFC 8414 / OIDC discovery before use (custom.ts `discover`). */
  readonly discovery: boolean;
  readonly jwksUri: string | undefined;
  readonly oidc: boolean;
  readonly scopeSeparator: ' ' | ',';
  /** Default scopes requested on connect. */
  readonly scopes: readonly string[];
  readonly authorizeParams: Readonly<Record<string, string>>;
  readonly supportsPkce: boolean;
  readonly tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  readonly revocation: RevocationStyle;
  readonly rotatesRefreshToken: boolean | 'optional';
  readonly authorizationResponseIssParameter: boolean;
  readonly identitySource: IdentitySource;
  /** The primary API base URL (proxy paths resolve against it); undefined when none is known. */
  readonly apiBaseUrl: string | undefined;
  /** Every base URL a token may be sent to. */
  readonly apiBaseUrls: readonly string[];
  /** Microsoft tenant (`common`, `organizations`, `consumers`, a tenant id or domain). */
  readonly tenant: string | undefined;
  /** True when some endpoint is plain `http` on a loopback host (emulators, local tests). */
  readonly allowInsecureRequests: boolean;
  readonly docs: readonly string[];
  /** All authorization request parameters except client_id, redirect_uri, state, PKCE and nonce. */
  authorizationParameters(scopes: readonly string[]): Record<string, string>;
  grantedScopes(tokenResponse: JsonObject, fallback: readonly string[]): string[];
  identify(input: IdentityInput): AccountIdentity | undefined;
  classifyError(input: ProviderErrorInput): ErrorClassification;
  normalizeTokenResponse(response: Response): Promise<Response>;
  /** The `iss` an ID token must carry, given its (not yet validated) claims. */
  expectedIdTokenIssuer(unverifiedClaims: JsonObject): string;
}
