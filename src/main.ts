import { ConfigError, isInsecurePublicOrigin, loadConfig, type Config } from './config.ts';
import { systemClock } from './core/clock.ts';
import { loadKeyring } from './crypto/keyring.ts';
import { buildApp, type App } from './http/app.ts';
import { createMetrics } from './http/metrics.ts';
import { createLogger, type Logger } from './log.ts';
import { Envelope } from './crypto/envelope.ts';
import { createServices } from './services/index.ts';
import { AccessNotifyListener } from './store/access-notify.ts';
import { ConnectionsRepo } from './store/connections.ts';
import { migrateToLatest, openStore, type Store } from './store/db.ts';
import { WebhooksRepo } from './store/webhooks.ts';
import { runEvery } from './worker/loops.ts';
import { BackgroundRefresher } from './worker/refresher.ts';
import { WebhookDispatcher } from './worker/webhooks.ts';

/** A running Tether process: what `main` started, and how to stop it. */
export interface Running {
  app: App | null;
  stop(): Promise<void>;
}

/** The composition root: config → logger → key ring → store → services → HTTP and/or worker. */
export async function start(config: Config, logger: Logger): Promise<Running> {
  if (isInsecurePublicOrigin(config.publicOrigin)) {
    logger.warn({ publicOrigin: config.publicOrigin }, 'PUBLIC_ORIGIN is plain http on a non-loopback host: session cookies and OAuth redirects travel unencrypted. Use https in production.');
  }
  // Loaded now so a missing or bad key stops the process at start, not at the first secret.
  const keyring = await loadKeyring({ encryptionKeys: config.encryptionKeys, dataDir: config.dataDir, logger });
  const store: Store = await openStore({ databaseUrl: config.databaseUrl?.reveal() ?? null, dataDir: config.dataDir });
  await migrateToLatest(store.db);
  logger.info({ database: store.kind, role: config.role }, 'database ready');

  const envelope = new Envelope(keyring);
  const services = createServices({
    db: store.db,
    config,
    logger,
    clock: systemClock,
    envelope,
    refreshLeaseMs: config.refreshLeaseMs,
    // Other processes may share PostgreSQL: cached grants are trusted only while we hear their changes.
    accessCacheMode: store.kind === 'postgres' ? 'shared' : 'local',
  });

  const abort = new AbortController();
  const loops: Promise<void>[] = [];
  if (config.role === 'worker' || config.role === 'all') {
    loops.push(
      runEvery('housekeeping', 10 * 60_000, async () => {
        await services.accounts.pruneSessions();
        // Connect sessions live 10 minutes; keep a day of used/expired ones for support, then drop them.
        await new ConnectionsRepo(store.db).deleteSessionsBefore(new Date(systemClock.now().getTime() - 86_400_000));
        // Webhook deliveries stay listed for 30 days once delivered or given up.
        await new WebhooksRepo(store.db).pruneFinished(new Date(systemClock.now().getTime() - 30 * 86_400_000));
      }, abort.signal, logger),
    );
    const refresher = new BackgroundRefresher({
      db: store.db,
      clock: systemClock,
      logger,
      refresher: services.refresher,
      intervalMs: config.refreshIntervalMs,
      concurrency: config.refreshConcurrency,
    });
    loops.push(refresher.run(abort.signal));
    // The webhook outbox: polled, and looked at at once when this process queued something.
    const dispatcher = new WebhookDispatcher({ db: store.db, envelope, clock: systemClock, logger });
    services.webhooks.onEnqueued = () => dispatcher.kick();
    loops.push(dispatcher.run(abort.signal));
  }

  let app: App | null = null;
  let listener: AccessNotifyListener | null = null;
  if (config.role === 'api' || config.role === 'all') {
    const databaseUrl = config.databaseUrl?.reveal();
    if (store.kind === 'postgres' && databaseUrl) {
      listener = new AccessNotifyListener({ databaseUrl, target: services.access, logger });
      await listener.start();
    }
    app = await buildApp({ config, logger, db: store.db, metrics: createMetrics(), services });
    await app.listen({ port: config.port, host: config.host });
  }

  return {
    app,
    stop: async () => {
      abort.abort();
      if (app) await app.close();
      await Promise.all(loops);
      await listener?.stop();
      await services.audit.flush();
      await services.webhooks.flush();
      await store.close();
    },
  };
}

async function main(argv: readonly string[]): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger({ level: config.logLevel });

  if (argv[0] === 'migrate') {
    const store = await openStore({ databaseUrl: config.databaseUrl?.reveal() ?? null, dataDir: config.dataDir });
    const result = await migrateToLatest(store.db);
    logger.info({ applied: (result.results ?? []).map((r) => r.migrationName) }, 'migrations applied');
    await store.close();
    return;
  }
  if (argv[0] !== undefined) {
    process.stderr.write(`Unknown command "${argv[0]}". Usage: tether [migrate]\n`);
    process.exit(2);
  }

  const running = await start(config, logger);
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`Tether failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  if (err instanceof Error && err.cause instanceof Error) process.stderr.write(`  cause: ${err.cause.message}\n`);
  process.exit(1);
});
