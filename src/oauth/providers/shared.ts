/**
 * Helpers shared by the provider definitions: scope lists, JSON response rewriting for the
 * normalizers, claim readers, and the RFC 6749 error classification every provider falls back to.
 */
import {
  AuthorizationResponseError,
  ResponseBodyError,
  WWWAuthenticateChallengeError,
} from 'oauth4webapi';
import type { ErrorClassification, ErrorKind, JsonObject, ProviderErrorInput } from './types.ts';

/** The part of `fetch`'s init the providers use; oauth4webapi's `customFetch` options fit it. */
export interface FetchInit {
  readonly method?: string;
  readonly headers?: HeadersInit;
  readonly body?: BodyInit | Uint8Array | null | undefined;
  readonly redirect?: RequestRedirect;
  readonly signal?: AbortSignal | null | undefined;
}

/** A `fetch` as oauth4webapi's and openid-client's `customFetch` call it. */
export type FetchFunction = (url: string, init: FetchInit) => Promise<Response>;

/** The global `fetch` behind the {@link FetchFunction} signature. */
export const defaultFetch: FetchFunction = (url, init) => {
  const request: RequestInit = {};
  if (init.method !== undefined) request.method = init.method;
  if (init.headers !== undefined) request.headers = init.headers;
  // TypeScript 5.9 types BodyInit's buffers as ArrayBuffer-backed only; fetch takes any Uint8Array.
  if (init.body !== undefined) request.body = init.body as BodyInit | null;
  if (init.redirect !== undefined) request.redirect = init.redirect;
  if (init.signal !== undefined) request.signal = init.signal;
  return fetch(url, request);
};

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function readString(object: JsonObject | undefined, key: string): string | undefined {
  const value = object?.[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** A string, or a number rendered as one (GitHub-style numeric user ids). */
export function readId(object: JsonObject | undefined, key: string): string | undefined {
  const value = object?.[key];
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return readString(object, key);
}

export function readObject(object: JsonObject | undefined, key: string): JsonObject | undefined {
  const value = object?.[key];
  return isJsonObject(value) ? value : undefined;
}

/** Splits a scope string on the given separator (and whitespace), dropping empties and repeats. */
export function splitScopes(value: string, separator: ' ' | ','): string[] {
  const parts = separator === ',' ? value.split(/[,\s]+/) : value.split(/\s+/);
  return uniqueScopes(parts);
}

export function uniqueScopes(scopes: Iterable<string>): string[] {
  const seen = new Set<string>();
  for (const scope of scopes) {
    const trimmed = scope.trim();
    if (trimmed.length > 0) seen.add(trimmed);
  }
  return [...seen];
}

/**
 * Rewrites a JSON answer. `rewrite` returns the new status and body, or undefined to keep the
 * answer as it is (then the original, still unread, response is returned).
 */
export async function rewriteJsonResponse(
  response: Response,
  rewrite: (body: Record<string, unknown>, status: number) => { status: number; body: Record<string, unknown> } | undefined,
): Promise<Response> {
  const contentType = response.headers.get('content-type') ?? '';
  if (!/json/i.test(contentType)) return response;
  let parsed: unknown;
  try {
    parsed = await response.clone().json();
  } catch {
    return response;
  }
  if (!isJsonObject(parsed)) return response;
  const next = rewrite(parsed, response.status);
  if (next === undefined) return response;
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  headers.delete('content-encoding');
  headers.set('content-type', 'application/json; charset=utf-8');
  return new Response(JSON.stringify(next.body), { status: next.status, headers });
}

/** The payload of a compact JWS without verifying it; only to pick the expected issuer. */
export function decodeJwtPayload(jwt: string): JsonObject | undefined {
  const payload = jwt.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const decoded: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return isJsonObject(decoded) ? decoded : undefined;
  } catch {
    return undefined;
  }
}

const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** Plain http is acceptable only for loopback hosts (SPEC §2). */
export function isAllowedProviderUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && isLoopbackHost(url.hostname);
}

export function isLoopbackHttp(value: string | undefined): boolean {
  if (value === undefined) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' && isLoopbackHost(url.hostname);
  } catch {
    return false;
  }
}

function isLoopbackHost(hostname: string): boolean {
  return loopbackHosts.has(hostname) || hostname.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** Kinds after which the stored grant cannot be used again: the connection needs reconnecting. */
export function requiresReauthorization(kind: ErrorKind): boolean {
  return kind === 'permanent' || kind === 'denied' || kind === 'admin_approval';
}

function classification(kind: ErrorKind, reason: string, code: string, input: ProviderErrorInput): ErrorClassification {
  return input.retryAfterSeconds === undefined
    ? { kind, reason, code }
    : { kind, reason, code, retryAfterSeconds: input.retryAfterSeconds };
}

/** Classifies by the provider's own code, or returns undefined to fall through. */
export function classifyByCode(
  input: ProviderErrorInput,
  code: string,
  table: Readonly<Record<string, readonly [ErrorKind, string]>>,
): ErrorClassification | undefined {
  const entry = table[code];
  return entry === undefined ? undefined : classification(entry[0], entry[1], code, input);
}

/**
 * RFC 6749 classification every provider falls back to (§4.1.2.1 authorization errors, §5.2 token
 * errors). An unknown answer is `transient`: it never costs a connection its token.
 */
export function classifyStandardError(input: ProviderErrorInput, provider: string): ErrorClassification {
  if (input.network === true) {
    return classification('transient', `${provider} could not be reached. Tether will try again.`, 'network_error', input);
  }
  if (input.status === 429) {
    return classification('transient', `${provider} is rate limiting requests. Tether will try again later.`, input.error ?? 'http_429', input);
  }
  if (input.status !== undefined && input.status >= 500) {
    return classification('transient', `${provider} is having trouble right now. Tether will try again.`, input.error ?? `http_${input.status}`, input);
  }
  const code = input.error;
  if (code !== undefined) {
    const known = classifyByCode(input, code, standardCodes(provider));
    if (known !== undefined) return known;
    return classification('transient', `${provider} answered with an unexpected error (${code}). Tether will try again.`, code, input);
  }
  const fallbackCode = input.status === undefined ? 'unknown' : `http_${input.status}`;
  return classification('transient', `${provider} gave an answer Tether could not understand. Tether will try again.`, fallbackCode, input);
}

function standardCodes(p: string): Readonly<Record<string, readonly [ErrorKind, string]>> {
  const reconnect = `${p} no longer accepts this connection's authorization (it expired or was revoked). Reconnect the account.`;
  const signInAgain = `${p} needs the account owner to sign in again. Reconnect the account.`;
  const appProblem = `${p} rejected the OAuth app's request. An administrator must check the OAuth app settings in Tether and at ${p}.`;
  return {
    invalid_grant: ['permanent', reconnect],
    invalid_token: ['permanent', reconnect],
    interaction_required: ['permanent', signInAgain],
    login_required: ['permanent', signInAgain],
    consent_required: ['permanent', `${p} needs the account owner to grant consent again. Reconnect the account.`],
    account_selection_required: ['permanent', signInAgain],
    invalid_client: ['misconfigured', `${p} did not accept the OAuth app's client id or secret. An administrator must update the OAuth credentials in Tether.`],
    unauthorized_client: ['misconfigured', `The OAuth app is not allowed to do this at ${p}. An administrator must check the app registration.`],
    invalid_scope: ['misconfigured', `${p} rejected the requested scopes. An administrator must check the scopes configured for this app.`],
    invalid_request: ['misconfigured', appProblem],
    unsupported_grant_type: ['misconfigured', appProblem],
    unsupported_response_type: ['misconfigured', appProblem],
    redirect_uri_mismatch: ['misconfigured', `${p} does not know Tether's redirect URI. An administrator must register it with the OAuth app at ${p}.`],
    access_denied: ['denied', `Access was not granted at ${p}. Connect again and allow access to continue.`],
    temporarily_unavailable: ['transient', `${p} is temporarily unavailable. Tether will try again.`],
    server_error: ['transient', `${p} had an internal error. Tether will try again.`],
  };
}

/** The Retry-After header in seconds (RFC 9110 §10.2.3: delta-seconds or an HTTP date). */
export function retryAfterSeconds(headers: Headers, now: number = Date.now()): number | undefined {
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * Turns whatever the flow caught (oauth4webapi errors, fetch failures, timeouts) into a
 * {@link ProviderErrorInput}, so `classifyError` can judge it. Returns undefined for errors that
 * are bugs rather than provider answers.
 */
export function errorInputFrom(err: unknown): ProviderErrorInput | undefined {
  if (err instanceof ResponseBodyError) {
    const body: JsonObject = err.cause;
    const codes = body['error_codes'];
    const retry = retryAfterSeconds(err.response.headers);
    return {
      status: err.status,
      error: err.error,
      ...(err.error_description === undefined ? {} : { errorDescription: err.error_description }),
      ...(Array.isArray(codes) ? { errorCodes: codes.filter((c): c is number => typeof c === 'number') } : {}),
      ...(retry === undefined ? {} : { retryAfterSeconds: retry }),
    };
  }
  if (err instanceof AuthorizationResponseError) {
    return { error: err.error, ...(err.error_description === undefined ? {} : { errorDescription: err.error_description }) };
  }
  if (err instanceof WWWAuthenticateChallengeError) {
    const challenge = err.cause[0];
    const error = challenge?.parameters.error;
    return { status: err.status, ...(error === undefined ? {} : { error }) };
  }
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return { network: true };
  // undici reports connection failures as `TypeError: fetch failed` with the socket error as cause.
  if (err instanceof TypeError && err.message === 'fetch failed') return { network: true };
  return undefined;
}

/** Builds an error body a normalizer hands to oauth4webapi (RFC 6749 §5.2 shape). */
export function oauthErrorBody(error: string, description: string, extra: JsonObject = {}): Record<string, unknown> {
  return { ...extra, error, error_description: description };
}
