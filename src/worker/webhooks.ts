import pLimit from 'p-limit';
import { Webhook } from 'standardwebhooks';
import type { Clock } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import type { Envelope } from '../crypto/envelope.ts';
import type { Logger } from '../log.ts';
import { defaultFetch, type FetchFunction } from '../oauth/providers/index.ts';
import type { Db } from '../store/db.ts';
import { WebhooksRepo, type DeliveryRow, type WebhookRow } from '../store/webhooks.ts';
import { runEvery, Wakeup } from './loops.ts';

/** Pauses before the 2nd, 3rd… attempt; after the last one fails the delivery is given up. */
export const RETRY_DELAYS_MS: readonly number[] = [5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000];

export interface DispatcherOptions {
  db: Db;
  envelope: Envelope;
  clock: Clock;
  logger: Logger;
  fetch?: FetchFunction;
  /** How often to look for due deliveries when nothing says there are new ones. */
  intervalMs?: number;
  /** Deliveries sent at once by this process. */
  concurrency?: number;
  retryDelaysMs?: readonly number[];
  /** One attempt's limit; a receiver slower than this is a failed attempt. */
  timeoutMs?: number;
  /** A claim's lease: a process that dies mid-send leaves its deliveries to others after this. */
  leaseMs?: number;
  random?: () => number;
}

type Outcome = { ok: true; status: number } | { ok: false; status: number | null; error: string };

/**
 * Sends the webhook outbox: claims due deliveries (`FOR UPDATE SKIP LOCKED` and a lease, so
 * several worker processes share it), signs each with its subscription's secret (Standard
 * Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`), and POSTs it. A 2xx answer
 * delivers it; anything else (a redirect is not followed) is retried with growing pauses and
 * given up after the last. Each delivery keeps its id across attempts, so receivers can drop
 * duplicates: delivery is at least once.
 */
export class WebhookDispatcher {
  readonly #o: DispatcherOptions;
  readonly #repo: WebhooksRepo;
  readonly #wakeup = new Wakeup();

  constructor(options: DispatcherOptions) {
    this.#o = options;
    this.#repo = new WebhooksRepo(options.db);
  }

  /** Something was queued: look now instead of at the next interval. */
  kick(): void {
    this.#wakeup.kick();
  }

  /** Sends everything due now; returns how many attempts were made. */
  async runOnce(signal?: AbortSignal): Promise<number> {
    const { clock } = this.#o;
    const limit = pLimit(this.#o.concurrency ?? 8);
    let attempted = 0;
    for (;;) {
      if (signal?.aborted) break;
      const now = clock.now();
      const owner = newId('lease');
      const claimed = await this.#repo.claimDue(owner, now, new Date(now.getTime() + (this.#o.leaseMs ?? 60_000)), 50);
      if (claimed.length === 0) break;
      attempted += claimed.length;
      const hooks = new Map((await this.#repo.findByIds([...new Set(claimed.map((d) => d.webhook_id))])).map((w) => [w.id, w]));
      await Promise.all(
        claimed.map((d) =>
          limit(async () => {
            const hook = hooks.get(d.webhook_id);
            // Deleted meanwhile: its deliveries went with it.
            if (hook === undefined) return;
            await this.#attempt(d, hook, owner);
          }),
        ),
      );
    }
    return attempted;
  }

  /** Loops until `signal` aborts; a failing pass is logged and the loop goes on. */
  run(signal: AbortSignal): Promise<void> {
    return runEvery('webhooks', this.#o.intervalMs ?? 1_000, () => this.runOnce(signal), signal, this.#o.logger, this.#wakeup);
  }

  async #attempt(d: DeliveryRow, hook: WebhookRow, owner: string): Promise<void> {
    const { clock, envelope, logger } = this.#o;
    const outcome = await this.#send(d, hook, envelope.open(hook.secret, { table: 'webhooks', id: hook.id, field: 'secret' }).reveal());
    const attempts = d.attempts + 1;
    const now = clock.now();
    const delays = this.#o.retryDelaysMs ?? RETRY_DELAYS_MS;
    const delay = delays[attempts - 1];
    const status = outcome.ok ? 'delivered' : delay === undefined ? 'failed' : 'pending';
    const jitter = 0.8 + 0.4 * (this.#o.random ?? Math.random)();
    await this.#repo.finish(d.id, owner, {
      status,
      attempts,
      nextAttemptAt: status === 'pending' ? new Date(now.getTime() + Math.round((delay ?? 0) * jitter)) : now,
      lastStatus: outcome.status,
      lastError: outcome.ok ? null : outcome.error,
      at: now,
    });
    if (!outcome.ok) logger.warn({ webhookId: hook.id, deliveryId: d.id, attempts, status: outcome.status, error: outcome.error, givenUp: status === 'failed' }, 'webhooks: delivery attempt failed');
  }

  async #send(d: DeliveryRow, hook: WebhookRow, secret: string): Promise<Outcome> {
    const sentAt = this.#o.clock.now();
    const signature = new Webhook(secret).sign(d.id, sentAt, d.payload);
    const doFetch = this.#o.fetch ?? defaultFetch;
    try {
      const res = await doFetch(hook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Tether-Webhooks/1',
          'webhook-id': d.id,
          'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
          'webhook-signature': signature,
        },
        body: d.payload,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.#o.timeoutMs ?? 10_000),
      });
      // The answer's body is not kept; reading it frees the connection.
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
      return { ok: false, status: res.status, error: res.status >= 300 && res.status < 400 ? `redirect ${res.status} (not followed)` : `HTTP ${res.status}` };
    } catch (err) {
      const name = err instanceof Error ? err.name : 'Error';
      const code = err instanceof Error && err.cause instanceof Error && 'code' in err.cause ? String(err.cause.code) : undefined;
      return { ok: false, status: null, error: name === 'TimeoutError' ? 'timed out' : `could not be reached${code ? ` (${code})` : ''}` };
    }
  }
}
