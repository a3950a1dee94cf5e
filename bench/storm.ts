import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { loadConfig } from '../src/config.ts';
import { systemClock } from '../src/core/clock.ts';
import { newId } from '../src/core/ids.ts';
import type { Actor } from '../src/core/policy.ts';
import { Secret } from '../src/core/secret.ts';
import { createLogger } from '../src/log.ts';
import { createServices } from '../src/services/index.ts';
import type { ConnectionsTable } from '../src/store/schema.ts';
import type { Insertable } from 'kysely';
import { freePort } from '../test/helpers/process.ts';
import { freshDatabase } from './lib/db.ts';
import { percentile } from './lib/load.ts';
import { BenchProcess } from './lib/procs.ts';
import { startLoopbackTokenProvider } from './lib/token-provider.ts';
import { envelope, fmt, KEYS } from './lib/tether.ts';
import type { BenchContext, BenchReport } from './run.ts';

/**
 * Refresh storm: N connections whose access tokens all expire within a short window, a loopback
 * provider answering each refresh after 50 ms, and K worker processes (default settings:
 * TETHER_REFRESH_INTERVAL_MS 5000, TETHER_REFRESH_CONCURRENCY 10) on one PostgreSQL database.
 * Measures the share refreshed before expiry and refresh grants per connection.
 *
 * Time is compressed by shortening the window, not by a fake clock (the workers are real
 * processes on the system clock): the expiries are spread over STORM_WINDOW_S instead of 5
 * minutes, with the same 60 s refresh buffer, i.e. a higher rate of tokens coming due.
 */
export const STORM_N = Number(process.env.STORM_N ?? 10_000);
export const STORM_WINDOW_S = Number(process.env.STORM_WINDOW_S ?? 150);
const FIRST_EXPIRY_S = 10;
const BUFFER_S = 60;
const LATENCY_MS = 50;

export async function storm(ctx: BenchContext, workers: number): Promise<BenchReport> {
  if (!ctx.adminUrl) return { name: `storm-${workers}`, lines: ['skipped: needs DATABASE_URL (PostgreSQL shared by the worker processes)'], data: null };
  const db = await freshDatabase(ctx.adminUrl);
  const provider = await startLoopbackTokenProvider({ latencyMs: LATENCY_MS, expiresInS: 3600 });
  const procs: BenchProcess[] = [];
  try {
    // The tenant and the custom app, through the services (as the HTTP API would).
    const config = loadConfig({ PUBLIC_ORIGIN: 'http://127.0.0.1:3000', DATABASE_URL: db.url });
    const services = createServices({ db: db.store.db, config, logger: createLogger({ level: 'silent' }), clock: systemClock, envelope });
    const user = await services.accounts.signup({ email: 'storm@example.com', password: new Secret('a very memorable passphrase 42') });
    const actor: Actor = { userId: user.id, isAdmin: user.isAdmin, via: 'session' };
    const ws = await services.workspaces.create(actor, 'Storm');
    await services.oauthApps.put(actor, 'storm', { clientId: 'storm-client', clientSecret: 'storm-client-secret', authorizeUrl: `${provider.url}/authorize`, tokenUrl: `${provider.url}/token`, scopes: 'read' });

    // N connections with sealed tokens, parked (due in 2100) until the storm starts.
    const parked = new Date('2100-01-01T00:00:00Z');
    const ids: string[] = [];
    const insertStarted = Date.now();
    for (let start = 0; start < STORM_N; start += 1000) {
      const rows: Insertable<ConnectionsTable>[] = [];
      for (let i = start; i < Math.min(STORM_N, start + 1000); i++) {
        const id = newId('conn');
        ids.push(id);
        const refreshToken = `rt_initial_${i}`;
        provider.register(refreshToken, id);
        const now = new Date();
        rows.push({
          id,
          workspace_id: ws.id,
          owner_id: user.id,
          domain: 'storm',
          name: `storm ${i}`,
          status: 'active',
          status_reason: null,
          account_id: `account-${i}`,
          account_display: `account-${i}@example.test`,
          scopes: JSON.stringify(['read']),
          access_token: envelope.seal(`at_initial_${i}`, { table: 'connections', id, field: 'access_token' }),
          refresh_token: envelope.seal(refreshToken, { table: 'connections', id, field: 'refresh_token' }),
          token_type: 'bearer',
          token_expires_at: parked,
          last_refreshed_at: now,
          created_at: now,
          updated_at: now,
          refresh_due_at: parked,
        });
      }
      await db.store.db.insertInto('connections').values(rows).execute();
    }
    const insertMs = Date.now() - insertStarted;

    for (let w = 0; w < workers; w++) {
      procs.push(BenchProcess.tether(`storm-${workers}-worker-${w + 1}`, await freePort(), { DATABASE_URL: db.url, TETHER_ENCRYPTION_KEYS: KEYS, TETHER_ROLE: 'worker' }, ctx.logDir));
    }
    await Promise.all(procs.map((p) => p.waitForLog(/"msg":"database ready"/)));
    await sleep(1_000);
    const cpu0 = procs.map((p) => p.cpuSeconds());

    // The storm: expiries spread evenly over (t0 + 10 s, t0 + window], in random order; each
    // token was issued an hour before it expires, so its buffer is the full 60 s.
    const t0 = Date.now();
    const expiry = new Map<string, number>();
    const order = ids.map((id) => ({ id, r: Math.random() })).sort((a, b) => a.r - b.r);
    order.forEach(({ id }, i) => expiry.set(id, t0 + (FIRST_EXPIRY_S + ((i + 0.5) / STORM_N) * (STORM_WINDOW_S - FIRST_EXPIRY_S)) * 1000));
    const list = [...expiry.entries()];
    await sql`
      update connections c
         set token_expires_at = v.expires_at, refresh_due_at = v.expires_at - make_interval(secs => ${BUFFER_S}), last_refreshed_at = v.expires_at - interval '1 hour'
        from unnest(${list.map(([id]) => id)}::text[], ${list.map(([, e]) => new Date(e).toISOString())}::timestamptz[]) as v(id, expires_at)
       where c.id = v.id`.execute(db.store.db);
    const releasedMs = Date.now() - t0;

    // Until every connection is refreshed, or the last token has expired.
    const deadline = t0 + (STORM_WINDOW_S + 5) * 1000;
    let refreshed = 0;
    while (Date.now() < deadline) {
      const row = await db.store.db
        .selectFrom('connections')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('last_refreshed_at', '>=', new Date(t0))
        .executeTakeFirstOrThrow();
      refreshed = Number(row.n);
      if (refreshed >= STORM_N) break;
      await sleep(500);
    }
    const elapsedS = (Date.now() - t0) / 1000;
    const cpu = procs.map((p, i) => p.cpuSeconds() - (cpu0[i] ?? 0));
    const exits = await Promise.all(procs.map((p) => p.stop('SIGTERM')));

    const rows = await db.store.db.selectFrom('connections').select(['id', 'status', 'last_refreshed_at', 'refresh_failures', 'last_error']).execute();
    let beforeExpiry = 0;
    const margins: number[] = [];
    const statuses: Record<string, number> = {};
    for (const r of rows) {
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      const exp = expiry.get(r.id) ?? 0;
      const at = r.last_refreshed_at?.getTime() ?? 0;
      if (at >= t0) margins.push((exp - at) / 1000);
      if (at >= t0 && at < exp) beforeExpiry += 1;
    }
    const grantCounts = ids.map((id) => provider.grants.get(id) ?? 0);
    const totalGrants = grantCounts.reduce((a, b) => a + b, 0);
    const histogram: Record<string, number> = {};
    for (const g of grantCounts) histogram[g] = (histogram[g] ?? 0) + 1;
    const perSecond = new Map<number, number>();
    for (const t of provider.grantTimes) perSecond.set(Math.floor((t - t0) / 1000), (perSecond.get(Math.floor((t - t0) / 1000)) ?? 0) + 1);
    const peakPerS = Math.max(0, ...perSecond.values());
    const lastGrantS = provider.grantTimes.length > 0 ? ((provider.grantTimes[provider.grantTimes.length - 1] ?? t0) - t0) / 1000 : Number.NaN;
    const sortedMargins = Float64Array.from(margins).sort();

    const data = {
      workers,
      n: STORM_N,
      windowS: STORM_WINDOW_S,
      insertMs,
      releasedMs,
      elapsedS,
      refreshed,
      beforeExpiry,
      shareBeforeExpiry: beforeExpiry / STORM_N,
      grantsPerConnection: totalGrants / STORM_N,
      grantHistogram: histogram,
      replays: provider.replays,
      tokenRequests: provider.requests,
      statuses,
      peakGrantsPerS: peakPerS,
      lastGrantS,
      marginS: { min: sortedMargins[0] ?? Number.NaN, p1: percentile(sortedMargins, 1), p50: percentile(sortedMargins, 50) },
      workerCpuS: cpu,
      workerExitCodes: exits,
      dueAtStart: Math.round(((BUFFER_S - FIRST_EXPIRY_S) / (STORM_WINDOW_S - FIRST_EXPIRY_S)) * STORM_N),
    };
    const lines = [
      `${STORM_N} connections, expiries spread over (t0+${FIRST_EXPIRY_S} s, t0+${STORM_WINDOW_S} s], 60 s buffer (≈${data.dueAtStart} due at t0), provider latency ${LATENCY_MS} ms, ${workers} worker process(es) with default interval/concurrency`,
      `refreshed before expiry: ${beforeExpiry}/${STORM_N} = ${fmt((100 * beforeExpiry) / STORM_N, 2)} % (target 100 %)`,
      `refresh grants per connection: ${fmt(totalGrants / STORM_N, 3)} (target 1.000); histogram ${JSON.stringify(histogram)}; replayed refresh tokens: ${provider.replays}; token requests: ${provider.requests}`,
      `final statuses ${JSON.stringify(statuses)}; all refreshed after ${fmt(elapsedS, 1)} s (last grant at t0+${fmt(lastGrantS, 1)} s); peak ${peakPerS} grants/s`,
      `time left before expiry when refreshed: min ${fmt(data.marginS.min, 1)} s, p1 ${fmt(data.marginS.p1, 1)} s, median ${fmt(data.marginS.p50, 1)} s`,
      `worker CPU ${cpu.map((c) => `${fmt(c, 1)} s`).join(', ')}; SIGTERM exit codes ${JSON.stringify(exits)}; setup: insert ${fmt(insertMs / 1000, 1)} s, release update ${releasedMs} ms`,
    ];
    return { name: `storm-${workers}`, lines, data };
  } finally {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    await provider.close();
    await db.drop();
  }
}
