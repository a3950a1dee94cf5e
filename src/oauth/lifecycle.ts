/**
 * Refresh (RFC 6749 §6) and revocation (RFC 7009, Slack `auth.revoke`) on oauth4webapi, with
 * each provider's quirks from the catalog. Expected failures come back as values.
 */
import * as oauth from 'oauth4webapi';
import { Secret } from '../core/secret.ts';
import {
  authorizationServer,
  clientAuthentication,
  defaultFetch,
  errorInputFrom,
  expectedIssuerFor,
  oauthClient,
  revokeSlackToken,
  tokenEndpointFetch,
  type ErrorClassification,
  type FetchFunction,
  type JsonObject,
  type ResolvedProvider,
} from './providers/index.ts';
import { prepareProvider, FlowError, withTimeout } from './flow.ts';

export interface RefreshedTokens {
  readonly accessToken: Secret<string>;
  /** A rotated refresh token, or null when the provider sent none (keep the old one). */
  readonly refreshToken: Secret<string> | null;
  readonly tokenType: string;
  readonly expiresAt: Date | null;
  /** Granted scopes when the answer states them; null keeps the recorded ones. */
  readonly scopes: string[] | null;
}

export type RefreshResult = { ok: true; tokens: RefreshedTokens } | { ok: false; error: ErrorClassification };

function classify(provider: ResolvedProvider, err: unknown): ErrorClassification {
  const input = errorInputFrom(err);
  if (input) return provider.classifyError(input);
  if (err instanceof oauth.OperationProcessingError && err.cause instanceof Response) {
    const retry = err.cause.headers.get('retry-after');
    return provider.classifyError({ status: err.cause.status, ...(retry && /^\d+$/.test(retry) ? { retryAfterSeconds: Number(retry) } : {}) });
  }
  if (err instanceof FlowError) return err.classification;
  // Anything else is an answer we could not parse: treat it as the provider being unwell, never
  // as a lost grant (only a provider's explicit word costs a connection its token).
  return { kind: 'transient', code: 'unexpected_response', reason: `${provider.displayName} gave an answer Tether could not read. Tether will try again.` };
}

/** Redeems a refresh token. @see https://www.rfc-editor.org/rfc/rfc6749#section-6 */
export async function refreshAccessToken(
  base: ResolvedProvider,
  clientSecret: Secret<string>,
  refreshToken: Secret<string>,
  input: { now: () => Date; fetch?: FetchFunction },
): Promise<RefreshResult> {
  let provider: ResolvedProvider;
  try {
    provider = await prepareProvider(base, input.fetch === undefined ? {} : { fetch: input.fetch });
  } catch (err) {
    return { ok: false, error: classify(base, err) };
  }
  const fetchFn = withTimeout(input.fetch ?? defaultFetch);
  const as = authorizationServer(provider);
  const client = oauthClient(provider);
  try {
    const response = await oauth.refreshTokenGrantRequest(as, client, clientAuthentication(provider, clientSecret), refreshToken.reveal(), {
      [oauth.customFetch]: tokenEndpointFetch(provider, fetchFn),
      [oauth.allowInsecureRequests]: provider.allowInsecureRequests,
    });
    // Google and Microsoft may send an ID token with a refresh; it is validated like at connect
    // time (multi-tenant Microsoft: against the user's tenant issuer).
    const result = await oauth.processRefreshTokenResponse(authorizationServer(provider, await expectedIssuerFor(provider, response)), client, response);
    const body = result as unknown as JsonObject;
    const expiresIn = typeof result.expires_in === 'number' ? result.expires_in : undefined;
    return {
      ok: true,
      tokens: {
        accessToken: new Secret(result.access_token),
        refreshToken: typeof result.refresh_token === 'string' && result.refresh_token.length > 0 ? new Secret(result.refresh_token) : null,
        tokenType: result.token_type,
        expiresAt: expiresIn === undefined ? null : new Date(input.now().getTime() + expiresIn * 1000),
        scopes: typeof body.scope === 'string' ? provider.grantedScopes(body, []) : null,
      },
    };
  } catch (err) {
    return { ok: false, error: classify(provider, err) };
  }
}

export type RevocationOutcome = { kind: 'revoked' } | { kind: 'not_supported' } | { kind: 'failed'; reason: string };

/**
 * Revokes the grant at the provider: RFC 7009 with the refresh token (which ends the grant, §2.1)
 * and the access token, or Slack's `auth.revoke`; Microsoft has no revocation endpoint.
 * Never throws for provider trouble: a failed revocation must not block a local disconnect.
 */
export async function revokeTokens(
  base: ResolvedProvider,
  clientSecret: Secret<string>,
  tokens: { accessToken: Secret<string> | null; refreshToken: Secret<string> | null },
  input: { fetch?: FetchFunction } = {},
): Promise<RevocationOutcome> {
  let provider: ResolvedProvider;
  try {
    provider = await prepareProvider(base, input.fetch === undefined ? {} : { fetch: input.fetch });
  } catch (err) {
    return { kind: 'failed', reason: classify(base, err).reason };
  }
  const fetchFn = withTimeout(input.fetch ?? defaultFetch);
  if (provider.revocation === 'none' || provider.revocationUrl === undefined) return { kind: 'not_supported' };
  if (provider.revocation === 'slack') {
    const token = tokens.accessToken ?? tokens.refreshToken;
    if (token === null) return { kind: 'revoked' };
    const result = await revokeSlackToken(provider.revocationUrl, token, fetchFn);
    return result.ok ? { kind: 'revoked' } : { kind: 'failed', reason: result.error.reason };
  }
  const as = authorizationServer(provider);
  const client = oauthClient(provider);
  const order = [tokens.refreshToken, tokens.accessToken].filter((t): t is Secret<string> => t !== null);
  // Each token is revoked on its own: a failure with the refresh token (say, the provider is
  // down for a moment) must not leave the access token alive when its revocation would work.
  let failure: string | null = null;
  for (const token of order) {
    try {
      const response = await oauth.revocationRequest(as, client, clientAuthentication(provider, clientSecret), token.reveal(), {
        [oauth.customFetch]: fetchFn,
        [oauth.allowInsecureRequests]: provider.allowInsecureRequests,
      });
      await oauth.processRevocationResponse(response);
    } catch (err) {
      failure ??= classify(provider, err).reason;
    }
  }
  return failure === null ? { kind: 'revoked' } : { kind: 'failed', reason: failure };
}
