import pLimit from 'p-limit';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../log.ts';
import type { Db } from '../store/db.ts';
import { ConnectionsRepo } from '../store/connections.ts';
import type { RefreshService } from '../services/refresh.ts';

export interface RefresherOptions {
  db: Db;
  clock: Clock;
  logger: Logger;
  refresher: RefreshService;
  /** How often to look for due tokens. */
  intervalMs: number;
  /** Refreshes running at once in this process. */
  concurrency: number;
  /** Rows claimed per look. */
  batchSize?: number;
  random?: () => number;
}

/**
 * The background refresher (SPEC §5): claims connections whose tokens are due before the next
 * look (`FOR UPDATE SKIP LOCKED` plus a lease, so any number of worker processes share the work
 * and a crashed one's claims expire), and refreshes them with bounded concurrency.
 */
export class BackgroundRefresher {
  readonly #o: RefresherOptions;
  readonly #repo: ConnectionsRepo;

  constructor(options: RefresherOptions) {
    this.#o = options;
    this.#repo = new ConnectionsRepo(options.db);
  }

  /** One pass: claim and refresh everything due soon; returns how many were attempted. */
  async runOnce(signal?: AbortSignal): Promise<number> {
    const { clock, refresher, concurrency } = this.#o;
    const limit = pLimit(concurrency);
    let attempted = 0;
    // Each connection at most once per pass (see claimDue's `refreshedBefore`).
    const passStartedAt = clock.now();
    for (;;) {
      if (signal?.aborted) break;
      const now = clock.now();
      const owner = refresher.newOwner();
      // Due before the next look, plus its jitter: refreshed before the buffer is reached.
      const horizon = new Date(now.getTime() + this.#o.intervalMs * 1.25);
      const claimed = await this.#repo.claimDue(owner, now, horizon, new Date(now.getTime() + refresher.leaseMs), this.#o.batchSize ?? Math.max(concurrency * 4, 50), passStartedAt);
      if (claimed.length === 0) break;
      attempted += claimed.length;
      await Promise.all(
        claimed.map((row) =>
          limit(async () => {
            try {
              // The claim may have waited in the queue behind other refreshes, past its lease
              // (slow provider): renew it now, or skip the row if another process took it
              // meanwhile — two holders would send the same refresh token twice, and a
              // rotating provider answers the second with invalid_grant.
              const live = await this.#repo.renewLease(row.id, owner, new Date(clock.now().getTime() + refresher.leaseMs));
              if (!live) {
                this.#o.logger.warn({ connectionId: row.id }, 'refresh claim lost before it started (lease ran out in the queue); left to its new holder');
                return;
              }
              await refresher.runClaimed(live, owner, null);
            } catch (err) {
              this.#o.logger.error({ err, connectionId: row.id }, 'background refresh failed unexpectedly');
            }
          }),
        ),
      );
    }
    return attempted;
  }

  /** Runs until `signal` aborts; resolves after the refreshes in progress have finished. */
  async run(signal: AbortSignal): Promise<void> {
    const random = this.#o.random ?? Math.random;
    while (!signal.aborted) {
      try {
        await this.runOnce(signal);
      } catch (err) {
        this.#o.logger.error({ err }, 'refresh pass failed; retrying on the next tick');
      }
      // ±20 % jitter keeps several workers from looking in lockstep.
      const wait = this.#o.intervalMs * (0.8 + random() * 0.4);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        }, { once: true });
      });
    }
  }
}
