import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../test/helpers/process.ts';
import { freshDatabase } from './lib/db.ts';
import { percentile } from './lib/load.ts';
import { BenchProcess } from './lib/procs.ts';
import { connectedTenant, envelope, fmt, KEYS, startPeer } from './lib/tether.ts';
import type { BenchContext, BenchReport } from './run.ts';

/**
 * Single flight across processes: ASKS concurrent `POST /connections/:id/token` on an expired
 * token, spread round-robin over three API processes on one PostgreSQL database, against
 * oidc-provider (a real authorization server with refresh-token rotation). Repeated ROUNDS times,
 * waiting for the token to expire again between rounds.
 */
const ASKS = 200;
const PROCESSES = 3;
const ROUNDS = 5;
const TTL_S = 4;

export async function singleFlight(ctx: BenchContext): Promise<BenchReport> {
  if (!ctx.adminUrl) return { name: 'single-flight', lines: ['skipped: needs DATABASE_URL (PostgreSQL shared by the processes)'], data: null };
  const db = await freshDatabase(ctx.adminUrl);
  const ports = await Promise.all(Array.from({ length: PROCESSES }, () => freePort()));
  const origins = ports.map((p) => `http://127.0.0.1:${p}`);
  const peer = await startPeer(origins, TTL_S);
  const procs = ports.map((port, i) => BenchProcess.tether(`single-flight-api-${i + 1}`, port, { DATABASE_URL: db.url, TETHER_ENCRYPTION_KEYS: KEYS, TETHER_ROLE: 'api', PUBLIC_ORIGIN: origins[i] ?? '' }, ctx.logDir));
  try {
    await Promise.all(procs.map((p) => p.waitReady()));
    const first = procs[0];
    if (!first) throw new Error('unreachable');
    const { tenant, connectionId } = await connectedTenant(first.url, peer);
    const row = () => db.store.db.selectFrom('connections').selectAll().where('id', '=', connectionId).executeTakeFirstOrThrow();

    const rounds: { asks: number; expired: boolean; grants: number; failedGrants: number; distinctTokens: number; statuses: Record<string, number>; expiredForMs: number; p50: number; p99: number; max: number; matchesStored: boolean }[] = [];
    // Round 0 is a single ask: the latency of one on-demand refresh. The last round asks again
    // at once, while the token just minted is fresh: the same burst without a refresh.
    const plan = [{ asks: 1, expired: true }, ...Array.from({ length: ROUNDS }, () => ({ asks: ASKS, expired: true })), { asks: ASKS, expired: false }];
    for (const { asks, expired } of plan) {
      const expiresAt = (await row()).token_expires_at?.getTime() ?? 0;
      const wait = expiresAt - Date.now() + 200;
      if (expired && wait > 0) await sleep(wait);
      peer.resetCounters();
      const fired = Date.now();
      const answers = await Promise.all(
        Array.from({ length: asks }, async (_, i) => {
          const p = procs[i % PROCESSES] ?? first;
          const t = performance.now();
          const res = await fetch(`${p.url}/api/v1/connections/${connectionId}/token`, {
            method: 'POST',
            headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
            body: '{}',
          });
          const body = (await res.json()) as { accessToken?: string };
          return { status: res.status, token: body.accessToken ?? '', ms: performance.now() - t };
        }),
      );
      const statuses: Record<string, number> = {};
      for (const a of answers) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
      const latencies = Float64Array.from(answers.map((a) => a.ms)).sort();
      const tokens = new Set(answers.map((a) => a.token));
      const stored = (await row()).access_token ?? '';
      const storedToken = envelope.open(stored, { table: 'connections', id: connectionId, field: 'access_token' }).reveal();
      rounds.push({
        asks,
        expired,
        grants: peer.counters.refreshTokenGrants,
        failedGrants: peer.counters.failedGrants,
        distinctTokens: tokens.size,
        statuses,
        expiredForMs: fired - expiresAt,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: latencies[latencies.length - 1] ?? Number.NaN,
        matchesStored: tokens.size === 1 && tokens.has(storedToken),
      });
    }
    const maxGrants = Math.max(...rounds.filter((r) => r.expired).map((r) => r.grants));
    const burst = rounds.filter((r) => r.asks === ASKS && r.expired);
    const lines = [
      `${ASKS} concurrent asks per round over ${PROCESSES} API processes (round-robin), ${ROUNDS} rounds on an expired token after a single-ask round 0, then one burst on the fresh token for comparison; oidc-provider with rotation, access tokens living ${TTL_S} s`,
      '',
      '| round | token | asks | refresh grants | failed grants | distinct tokens answered | = stored token | statuses | p50 ms | p99 ms | max ms |',
      '| ---: | --- | ---: | ---: | ---: | ---: | :---: | --- | ---: | ---: | ---: |',
      ...rounds.map((r, i) => `| ${i} | ${r.expired ? `expired ${r.expiredForMs} ms ago` : 'fresh'} | ${r.asks} | ${r.grants} | ${r.failedGrants} | ${r.distinctTokens} | ${r.matchesStored ? 'yes' : 'no'} | ${JSON.stringify(r.statuses)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${fmt(r.max, 1)} |`),
      '',
      `refresh grants per round: max ${maxGrants} (target 1); all ${burst.length * ASKS} burst answers 200 with the one stored token: ${burst.every((r) => r.matchesStored && r.statuses['200'] === ASKS) ? 'yes' : 'NO'}`,
    ];
    return { name: 'single-flight', lines, data: { asks: ASKS, processes: PROCESSES, rounds } };
  } finally {
    await Promise.all(procs.map((p) => p.stop('SIGTERM')));
    await peer.close();
    await db.drop();
  }
}
