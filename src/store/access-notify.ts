import pg from 'pg';
import type { Logger } from '../log.ts';

/** The channel the triggers of migration 0006 notify. */
export const ACCESS_CHANNEL = 'tether_access';

/** What the listener drives (services/access-cache.ts implements it). */
export interface AccessInvalidation {
  invalidateConnection(connectionId: string): void;
  invalidateAll(): void;
  /** false: stop trusting the cache (and flush it); true: listening again (flush, then trust). */
  setListening(listening: boolean): void;
}

export interface AccessListenerOptions {
  databaseUrl: string;
  target: AccessInvalidation;
  logger: Logger;
  /** First pause before reconnecting after a failure; doubles up to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
  /** How often the connection is checked with a query (a silently dead socket delivers nothing). */
  pingMs?: number;
}

/**
 * A dedicated PostgreSQL connection that `LISTEN`s for access changes made by any process
 * sharing the database, and invalidates this process's cached grants. Whenever it is not
 * connected and listening — before the first `LISTEN`, after an error, a lost connection or a
 * failed ping — the cache is flushed and bypassed, and it reconnects with backoff.
 */
export class AccessNotifyListener {
  readonly #options: AccessListenerOptions;
  #client: pg.Client | null = null;
  #stopped = false;
  #retryMs: number;
  #retryTimer: NodeJS.Timeout | null = null;
  #pingTimer: NodeJS.Timeout | null = null;

  constructor(options: AccessListenerOptions) {
    this.#options = options;
    this.#retryMs = options.retryMs ?? 500;
  }

  /** Resolves after the first attempt, successful or not (it keeps trying in the background). */
  async start(): Promise<void> {
    await this.#connect();
  }

  get listening(): boolean {
    return this.#client !== null;
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    const { databaseUrl, target, logger } = this.#options;
    const client = new pg.Client({ connectionString: databaseUrl, keepAlive: true, application_name: 'tether-access-listener' });
    let lost = false;
    const onLost = (err?: unknown): void => {
      if (lost) return;
      lost = true;
      if (this.#client === client) this.#client = null;
      target.setListening(false);
      client.removeAllListeners('notification');
      client.end().catch(() => undefined);
      if (!this.#stopped) {
        logger.warn({ err, retryInMs: this.#retryMs }, 'access-change listener lost its database connection; cached grants are bypassed until it listens again');
        this.#scheduleRetry();
      }
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (message) => {
      if (message.channel !== ACCESS_CHANNEL) return;
      const payload = message.payload ?? '*';
      if (payload.startsWith('c:')) target.invalidateConnection(payload.slice(2));
      else target.invalidateAll();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${ACCESS_CHANNEL}`);
    } catch (err) {
      onLost(err);
      return;
    }
    if (lost) return;
    if (this.#stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    this.#retryMs = this.#options.retryMs ?? 500;
    target.setListening(true);
    logger.info({ channel: ACCESS_CHANNEL }, 'listening for access changes made by other processes');
    this.#schedulePing(client, onLost);
  }

  #scheduleRetry(): void {
    if (this.#retryTimer || this.#stopped) return;
    const wait = this.#retryMs;
    this.#retryMs = Math.min(this.#retryMs * 2, this.#options.maxRetryMs ?? 30_000);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      void this.#connect();
    }, wait);
    this.#retryTimer.unref();
  }

  #schedulePing(client: pg.Client, onLost: (err?: unknown) => void): void {
    const every = this.#options.pingMs ?? 10_000;
    this.#pingTimer = setTimeout(() => {
      this.#pingTimer = null;
      if (this.#client !== client) return;
      const timeout = setTimeout(() => onLost(new Error('ping timed out')), Math.max(1_000, every / 2));
      client.query('select 1').then(
        () => {
          clearTimeout(timeout);
          if (this.#client === client) this.#schedulePing(client, onLost);
        },
        (err: unknown) => {
          clearTimeout(timeout);
          onLost(err);
        },
      );
    }, every);
    this.#pingTimer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    if (this.#pingTimer) clearTimeout(this.#pingTimer);
    const client = this.#client;
    this.#client = null;
    this.#options.target.setListening(false);
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
    }
  }
}
