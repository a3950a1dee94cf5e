/**
 * The authorization-code flow on oauth4webapi (STYLE habit 3): building the authorization URL
 * and completing the callback. Provider quirks come from the catalog (`providers/`); this file
 * holds no provider names.
 */
import * as oauth from 'oauth4webapi';
import { Secret } from '../core/secret.ts';
import {
  authorizationServer,
  clientAuthentication,
  defaultFetch,
  discover,
  errorInputFrom,
  expectedIssuerFor,
  oauthClient,
  tokenEndpointFetch,
  type AccountIdentity,
  type ErrorClassification,
  type FetchFunction,
  type JsonObject,
  type ResolvedProvider,
} from './providers/index.ts';

/**
 * Every outbound call to a provider gives up after this long (a hung provider must not hang us).
 * The services pass a fetch already bounded by TETHER_PROVIDER_TIMEOUT_MS; this is the backstop
 * for direct callers.
 */
const PROVIDER_TIMEOUT_MS = 15_000;

export function withTimeout(base: FetchFunction): FetchFunction {
  return (url, init) => base(url, { ...init, signal: init.signal ?? AbortSignal.timeout(PROVIDER_TIMEOUT_MS) });
}

export interface AuthorizationRequest {
  readonly url: URL;
  readonly state: Secret<string>;
  readonly codeVerifier: Secret<string> | null;
  readonly nonce: string | null;
  /** The provider after discovery (custom apps with an issuer), as used for this request. */
  readonly provider: ResolvedProvider;
}

/** Why a flow step failed, in the catalog's terms; `stage` tells the callback page what to say. */
export class FlowError extends Error {
  constructor(
    readonly stage: 'authorization' | 'state' | 'issuer' | 'token' | 'identity' | 'discovery',
    readonly classification: ErrorClassification,
    options?: { cause?: unknown },
  ) {
    super(classification.reason, options);
    this.name = 'FlowError';
  }
}

export interface FlowOptions {
  readonly fetch?: FetchFunction;
}

/** Custom apps with an `issuer` learn their metadata by discovery (RFC 8414 / OIDC Discovery). */
export async function prepareProvider(provider: ResolvedProvider, options: FlowOptions = {}): Promise<ResolvedProvider> {
  if (!provider.discovery) return provider;
  const result = await discover(provider, { fetch: withTimeout(options.fetch ?? defaultFetch) });
  if (!result.ok) throw new FlowError('discovery', result.error);
  return result.provider;
}

/**
 * The provider's authorization URL with a fresh `state` (256 bits), a PKCE S256 challenge when
 * the provider supports it (RFC 7636 §4), and a `nonce` for OpenID Connect providers.
 */
export async function buildAuthorizationRequest(
  base: ResolvedProvider,
  input: { redirectUri: string; scopes: readonly string[] },
  options: FlowOptions = {},
): Promise<AuthorizationRequest> {
  const provider = await prepareProvider(base, options);
  const state = oauth.generateRandomState();
  const url = new URL(provider.authorizeUrl);
  const params: Record<string, string> = {
    ...provider.authorizationParameters(input.scopes),
    client_id: provider.clientId,
    redirect_uri: input.redirectUri,
    response_type: 'code',
    state,
  };
  let codeVerifier: string | null = null;
  if (provider.supportsPkce) {
    codeVerifier = oauth.generateRandomCodeVerifier();
    params.code_challenge = await oauth.calculatePKCECodeChallenge(codeVerifier);
    params.code_challenge_method = 'S256';
  }
  let nonce: string | null = null;
  if (provider.oidc) {
    nonce = oauth.generateRandomNonce();
    params.nonce = nonce;
  }
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return { url, state: new Secret(state), codeVerifier: codeVerifier === null ? null : new Secret(codeVerifier), nonce, provider };
}

export interface ExchangedTokens {
  readonly accessToken: Secret<string>;
  readonly refreshToken: Secret<string> | null;
  readonly tokenType: string;
  /** Absolute expiry, or null when the provider gave no `expires_in` (non-expiring token). */
  readonly expiresAt: Date | null;
  readonly scopes: string[];
  readonly identity: AccountIdentity;
}

function classify(provider: ResolvedProvider, err: unknown): ErrorClassification | undefined {
  const input = errorInputFrom(err);
  if (input) return provider.classifyError(input);
  // A non-OAuth answer (a 5xx HTML page, a 429 without an error body) — judge it by its status.
  if (err instanceof oauth.OperationProcessingError && err.cause instanceof Response) {
    return provider.classifyError({ status: err.cause.status });
  }
  return undefined;
}

/**
 * Validates the authorization response and exchanges the code (RFC 6749 §4.1.2–4.1.4):
 * `state` must match; `iss` must match the provider's issuer whenever the provider sends it or
 * advertises sending it (RFC 9207 §2.4); then the code is redeemed with the PKCE verifier, the ID
 * token (if any) is validated, and the account identity and granted scopes are read.
 * @throws {FlowError} for every expected failure, classified for the person and the logs.
 */
export async function completeAuthorization(
  base: ResolvedProvider,
  clientSecret: Secret<string>,
  input: {
    callbackParams: URLSearchParams;
    expectedState: string;
    codeVerifier: Secret<string> | null;
    nonce: string | null;
    redirectUri: string;
    requestedScopes: readonly string[];
    now: () => Date;
  },
  options: FlowOptions = {},
): Promise<ExchangedTokens> {
  const provider = await prepareProvider(base, options);
  const fetchFn = withTimeout(options.fetch ?? defaultFetch);
  const client = oauthClient(provider);
  const as = authorizationServer(provider);
  const params = new URLSearchParams(input.callbackParams);
  // Without a real issuer identifier there is nothing to compare `iss` with (RFC 9207 §2.4 applies
  // to servers with an issuer); such a provider is identified by its endpoints alone.
  if (!provider.hasIssuer) params.delete('iss');

  let validated: URLSearchParams;
  try {
    validated = oauth.validateAuthResponse(as, client, params, input.expectedState);
  } catch (err) {
    const c = classify(provider, err);
    if (c) throw new FlowError('authorization', c, { cause: err });
    const issuerProblem = params.has('iss') || provider.authorizationResponseIssParameter;
    throw new FlowError(issuerProblem ? 'issuer' : 'state', {
      kind: 'misconfigured',
      code: issuerProblem ? 'issuer_mismatch' : 'invalid_authorization_response',
      reason: issuerProblem
        ? `The answer did not come from ${provider.displayName}'s expected issuer, so Tether did not trust it. Nothing was saved.`
        : `${provider.displayName}'s answer could not be validated. Nothing was saved.`,
    }, { cause: err });
  }

  const requestOptions = {
    [oauth.customFetch]: tokenEndpointFetch(provider, fetchFn),
    [oauth.allowInsecureRequests]: provider.allowInsecureRequests,
  };
  let result: oauth.TokenEndpointResponse;
  try {
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      clientAuthentication(provider, clientSecret),
      validated,
      input.redirectUri,
      input.codeVerifier?.reveal() ?? oauth.nopkce,
      requestOptions,
    );
    // Multi-tenant Microsoft apps: the ID token's issuer names the user's tenant.
    const asForIdToken = authorizationServer(provider, await expectedIssuerFor(provider, response));
    result = await oauth.processAuthorizationCodeResponse(asForIdToken, client, response, {
      expectedNonce: input.nonce ?? oauth.expectNoNonce,
      requireIdToken: provider.oidc,
    });
  } catch (err) {
    const c = classify(provider, err);
    if (c) throw new FlowError('token', c, { cause: err });
    throw new FlowError('token', {
      kind: 'misconfigured',
      code: err instanceof oauth.OperationProcessingError ? (err.code ?? 'invalid_token_response') : 'invalid_token_response',
      reason: `${provider.displayName} answered the code exchange in a way Tether could not accept. Nothing was saved.`,
    }, { cause: err });
  }

  const claims = oauth.getValidatedIdTokenClaims(result) as JsonObject | undefined;
  let userinfo: JsonObject | undefined;
  if (provider.identitySource === 'userinfo' && provider.userinfoUrl !== undefined) {
    try {
      const res = await oauth.userInfoRequest(as, client, result.access_token, {
        [oauth.customFetch]: fetchFn,
        [oauth.allowInsecureRequests]: provider.allowInsecureRequests,
      });
      const expectedSubject = typeof claims?.sub === 'string' ? claims.sub : oauth.skipSubjectCheck;
      userinfo = await oauth.processUserInfoResponse(as, client, expectedSubject, res);
    } catch (err) {
      throw new FlowError('identity', classify(provider, err) ?? {
        kind: 'misconfigured',
        code: 'userinfo_failed',
        reason: `Tether could not read which ${provider.displayName} account was connected. Nothing was saved.`,
      }, { cause: err });
    }
  }
  const tokenResponse = result as unknown as JsonObject;
  const identity = provider.identify({ tokenResponse, idTokenClaims: claims, userinfo });
  if (!identity) {
    throw new FlowError('identity', {
      kind: 'misconfigured',
      code: 'no_account_identity',
      reason: `${provider.displayName} did not say which account was connected (no account id in its answer). Nothing was saved.`,
    });
  }
  const expiresIn = typeof result.expires_in === 'number' ? result.expires_in : undefined;
  return {
    accessToken: new Secret(result.access_token),
    refreshToken: typeof result.refresh_token === 'string' && result.refresh_token.length > 0 ? new Secret(result.refresh_token) : null,
    tokenType: result.token_type,
    expiresAt: expiresIn === undefined ? null : new Date(input.now().getTime() + expiresIn * 1000),
    scopes: provider.grantedScopes(tokenResponse, input.requestedScopes),
    identity,
  };
}
