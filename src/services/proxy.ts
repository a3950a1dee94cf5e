import { systemClock, type Clock } from '../core/clock.ts';
import { AppError } from '../core/errors.ts';
import type { Actor } from '../core/policy.ts';
import { resolveProxyUrl } from '../core/proxy-url.ts';
import type { Secret } from '../core/secret.ts';
import type { FetchFunction } from '../oauth/providers/index.ts';
import type { OAuthAppsService } from './oauth-apps.ts';
import type { RefreshService } from './refresh.ts';
import type { TokensService } from './tokens.ts';

export interface ProxyRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  path: string;
  query?: Record<string, string | number | boolean> | undefined;
  headers?: Record<string, string> | undefined;
  body?: unknown;
  /** A preferred API base URL (Google has several); used only if the provider lists it. */
  baseUrl?: string | undefined;
}

export interface ProxyResponse {
  status: number;
  contentType: string | null;
  body: Buffer;
}

export interface ProxyDeps {
  apps: OAuthAppsService;
  tokens: TokensService;
  refresher: RefreshService;
  fetch?: FetchFunction;
  maxResponseBytes?: number;
  timeoutMs?: number;
  clock?: Clock;
  /** After a 401 forced a refresh, further 401s of the same connection do not for this long. */
  refreshCooldownMs?: number;
}

/** Default of {@link ProxyDeps.refreshCooldownMs}. */
export const PROXY_REFRESH_COOLDOWN_MS = 30_000;

/** Connections whose last forced refresh is remembered, at most (oldest forgotten first). */
const MAX_REMEMBERED = 10_000;

/** Headers a caller may not set: credentials, hop-by-hop and routing headers. */
const BLOCKED_HEADERS = /^(authorization|cookie|host|connection|content-length|transfer-encoding|upgrade|te|trailer|keep-alive|proxy-.*|x-forwarded-.*|forwarded)$/i;

async function readLimited(response: Response, limit: number): Promise<Buffer> {
  if (!response.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new AppError('response_too_large', `The provider's answer is larger than ${Math.round(limit / 1024 / 1024)} MiB, the proxy's limit.`);
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks);
}

/**
 * `POST /connections/:id/proxy` (SPEC §7): calls the provider API with the connection's token.
 * The token goes only to the provider's API base URL; redirects are never followed (a redirect
 * to another host would otherwise carry the call there); a `401` gets one retry after a refresh.
 *
 * Some APIs answer 401 for reasons a new token does not cure (a missing permission, a disabled
 * account). So a 401 forces a refresh at most once per connection per cooldown (in this
 * process): otherwise every proxied call, by anyone allowed to use the connection, would cost a
 * refresh grant at the provider, which rate-limits them. Within the cooldown the provider's 401
 * is answered as it is.
 */
export class ProxyService {
  readonly #forcedAt = new Map<string, number>();

  constructor(private readonly deps: ProxyDeps) {}

  /** True (and remembered) when a 401 of this connection may force a refresh now. */
  #mayForceRefresh(id: string): boolean {
    const now = (this.deps.clock ?? systemClock).now().getTime();
    const last = this.#forcedAt.get(id);
    if (last !== undefined && now - last < (this.deps.refreshCooldownMs ?? PROXY_REFRESH_COOLDOWN_MS)) return false;
    this.#forcedAt.delete(id);
    this.#forcedAt.set(id, now);
    if (this.#forcedAt.size > MAX_REMEMBERED) {
      const oldest = this.#forcedAt.keys().next();
      if (!oldest.done) this.#forcedAt.delete(oldest.value);
    }
    return true;
  }

  async call(actor: Actor, id: string, request: ProxyRequest, context: { workflowId?: string; nodeId?: string } = {}): Promise<ProxyResponse> {
    const issued = await this.deps.tokens.issue(actor, id, context);
    const connection = await this.deps.apps.load(issued.domain);
    // A preferred base (Google Sheets lives on its own host) is used only when it is one of the
    // provider's configured API bases; otherwise the primary one (an admin override wins).
    const preferred = request.baseUrl;
    const base = preferred !== undefined && connection.provider.apiBaseUrls.includes(preferred) ? preferred : connection.provider.apiBaseUrl;
    if (base === undefined) {
      throw new AppError('no_api_base_url', `No API base URL is configured for ${connection.provider.displayName}; an administrator can set apiBaseUrl on its OAuth app.`);
    }
    const url = resolveProxyUrl(base, request.path, request.query);
    const first = await this.#send(url, request, issued.accessToken);
    if (first.status !== 401 || !this.#mayForceRefresh(id)) return first;
    // The provider rejected the token (revoked early, clock skew): refresh once and retry.
    const outcome = await this.deps.refresher.refresh(id, { force: true, actorId: actor.userId });
    if (outcome.kind !== 'refreshed' && outcome.kind !== 'fresh') return first;
    // `fresh` can mean another process refreshed it meanwhile: its notification may not have
    // reached this process's access cache yet, which could still hold the rejected token.
    this.deps.tokens.forget(id);
    const again = await this.deps.tokens.issue(actor, id, context);
    return this.#send(url, request, again.accessToken);
  }

  async #send(url: URL, request: ProxyRequest, token: Secret<string>): Promise<ProxyResponse> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers ?? {})) {
      if (!BLOCKED_HEADERS.test(name)) headers[name.toLowerCase()] = value;
    }
    let body: string | undefined;
    if (request.body !== undefined && request.method !== 'GET' && request.method !== 'HEAD') {
      if (typeof request.body === 'string') {
        body = request.body;
      } else {
        body = JSON.stringify(request.body);
        headers['content-type'] ??= 'application/json';
      }
    }
    headers.authorization = `Bearer ${token.reveal()}`;
    let response: Response;
    try {
      response = await (this.deps.fetch ?? ((u, i) => fetch(u, i as RequestInit)))(url.toString(), {
        method: request.method,
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.deps.timeoutMs ?? 30_000),
      });
    } catch (err) {
      throw new AppError('provider_unavailable', `The provider API could not be reached (${err instanceof Error ? err.name : 'error'}).`, { cause: err });
    }
    let buffer: Buffer;
    try {
      buffer = await readLimited(response, this.deps.maxResponseBytes ?? 5 * 1024 * 1024);
    } catch (err) {
      if (err instanceof AppError) throw err;
      // The connection dropped or the timeout hit while the body was still arriving.
      throw new AppError('provider_unavailable', `The provider API's answer was cut off (${err instanceof Error ? err.name : 'error'}).`, { cause: err });
    }
    return { status: response.status, contentType: response.headers.get('content-type'), body: buffer };
  }
}
