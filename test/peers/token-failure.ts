import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/** A failure injected in front of a peer's token endpoint, before the real handler sees it. */
export interface TokenEndpointFailure {
  /** Answer with this status instead of passing the request on. */
  readonly status?: number;
  /** With `status`: a JSON body `{ error, error_description }` (RFC 6749 §5.2); else plain text. */
  readonly error?: string;
  readonly errorDescription?: string;
  /** With `status`: a `Retry-After` header, in seconds. */
  readonly retryAfter?: number;
  /** Wait this long first; without `status` the request then reaches the real handler. */
  readonly delayMs?: number;
  /** Affect only the next `times` token requests, then clear. Default: until replaced. */
  readonly times?: number;
}

/** Holds the current failure and applies it to token requests; one per peer. */
export class TokenFailureInjector {
  #current: { spec: TokenEndpointFailure; remaining: number } | null = null;
  readonly #closing = new AbortController();

  set(spec: TokenEndpointFailure | null): void {
    this.#current = spec ? { spec, remaining: spec.times ?? Number.POSITIVE_INFINITY } : null;
  }

  /**
   * Apply the current failure to one token request.
   * @returns true when the failure answered the request itself.
   */
  async intercept(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const current = this.#current;
    if (!current) return false;
    current.remaining -= 1;
    if (current.remaining <= 0) this.#current = null;
    const { spec } = current;
    if (spec.delayMs !== undefined) await sleep(spec.delayMs, undefined, { signal: this.#closing.signal });
    if (spec.status === undefined) return false;

    req.resume(); // discard the request body nobody reads
    const headers: Record<string, string> = { 'cache-control': 'no-store' };
    if (spec.retryAfter !== undefined) headers['retry-after'] = String(spec.retryAfter);
    if (spec.error === undefined) {
      headers['content-type'] = 'text/plain';
      res.writeHead(spec.status, headers);
      res.end(`injected failure (${spec.status})`);
      return true;
    }
    headers['content-type'] = 'application/json';
    res.writeHead(spec.status, headers);
    res.end(JSON.stringify({
      error: spec.error,
      ...(spec.errorDescription !== undefined ? { error_description: spec.errorDescription } : {}),
    }));
    return true;
  }

  /** Cut pending delays short, so closing the server does not wait for them. */
  close(): void {
    this.#closing.abort();
  }
}
