/**
 * Token timing rules (SPEC §5), pure so they are tested exactly.
 */

/** The largest refresh buffer: covers clock skew between us and the provider and scheduling delay. */
export const MAX_REFRESH_BUFFER_MS = 60_000;

/**
 * How long before expiry a token counts as "about to expire": the smaller of 60 s and half the
 * token's lifetime, so a provider issuing very short-lived tokens (seconds) does not get a
 * refresh on every use.
 */
export function refreshBufferMs(issuedAt: Date, expiresAt: Date): number {
  const lifetime = Math.max(0, expiresAt.getTime() - issuedAt.getTime());
  return Math.min(MAX_REFRESH_BUFFER_MS, Math.floor(lifetime / 2));
}

/** When to refresh: expiry minus the buffer; null for a token that does not expire. */
export function refreshDueAt(issuedAt: Date, expiresAt: Date | null): Date | null {
  if (expiresAt === null) return null;
  return new Date(expiresAt.getTime() - refreshBufferMs(issuedAt, expiresAt));
}

/** A token is fresh enough to hand out while `now` is before its refresh-due time. */
export function isFresh(now: Date, dueAt: Date | null): boolean {
  return dueAt === null || now.getTime() < dueAt.getTime();
}

/** Transient failures in a row before the status shows `error` (the token is not lost). */
export const ERROR_AFTER_FAILURES = 3;

/**
 * Exponential backoff with full jitter (5 s · 2^(n-1), capped at 15 min), or the provider's
 * Retry-After when it is longer. `random` is injectable for exact tests.
 */
export function backoffMs(failures: number, retryAfterSeconds?: number, random: () => number = Math.random): number {
  const ceiling = Math.min(15 * 60_000, 5_000 * 2 ** Math.max(0, failures - 1));
  const jittered = Math.round(ceiling / 2 + random() * (ceiling / 2));
  return Math.max(jittered, (retryAfterSeconds ?? 0) * 1000);
}

/** Which of the `needed` scopes a connection lacks. */
export function missingScopes(granted: readonly string[], needed: readonly string[]): string[] {
  const have = new Set(granted);
  return [...new Set(needed)].filter((s) => !have.has(s));
}
