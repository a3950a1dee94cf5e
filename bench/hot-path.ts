import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, httpCall } from '../test/helpers/process.ts';
import { freshDatabase, type FreshDatabase } from './lib/db.ts';
import { runLoad, type LoadResult } from './lib/load.ts';
import { BenchProcess } from './lib/procs.ts';
import { connectedTenant, fmt, KEYS, startPeer } from './lib/tether.ts';
import type { OidcPeer } from '../test/peers/oidc-provider.ts';
import type { BenchContext, BenchReport } from './run.ts';

/**
 * Token hot path: `POST /api/v1/connections/:id/token` on a fresh token (no refresh), at a fixed
 * concurrency, against Tether server processes (`src/main.ts` as `npm start` runs it) on PGlite
 * and on PostgreSQL, each as a ratio to a bare Fastify process with the same route measured in
 * the same run. The load generator runs in this process; servers are child processes.
 *
 * The machine is shared (other work comes and goes), so the servers are measured in interleaved
 * rounds — every server once per round, in a rotating order — and each figure is the median over
 * the rounds: a burst of foreign load then hurts one round of each server, not one server.
 */
const CONCURRENCY = 32;
const WARMUP_MS = 2_000;
const DURATION_MS = Number(process.env.HOT_PATH_SECONDS ?? 8) * 1000;
const ROUNDS = Number(process.env.HOT_PATH_ROUNDS ?? 3);

interface Measured extends LoadResult {
  label: string;
  round: number;
  /** Server process CPU (user + system) per answer during the measured phase. */
  serverCpuMsPerReq: number;
}

interface Target {
  label: string;
  bare: boolean;
  server: BenchProcess;
  path: string;
  headers: Record<string, string>;
  /** Checks after each measurement (e.g. that nothing was refreshed). */
  check(): void;
  close(): Promise<void>;
}

async function measure(target: Target, round: number): Promise<Measured> {
  const options = { url: `${target.server.url}${target.path}`, method: 'POST' as const, headers: target.headers, body: '{}', concurrency: CONCURRENCY };
  // Warm-up first (not recorded), then the server's CPU is read around the measured phase.
  await runLoad({ ...options, durationMs: WARMUP_MS });
  const cpu0 = target.server.cpuSeconds();
  const result = await runLoad({ ...options, durationMs: DURATION_MS });
  const cpu = target.server.cpuSeconds() - cpu0;
  target.check();
  return { ...result, label: target.label, round, serverCpuMsPerReq: (cpu * 1000) / Math.max(1, result.requests) };
}

async function bare(ctx: BenchContext): Promise<Target> {
  const server = new BenchProcess('bare', await freePort(), 'bench/lib/bare-server.ts', {}, ctx.logDir);
  await server.waitReady();
  return {
    label: 'bare Fastify',
    bare: true,
    server,
    path: '/api/v1/connections/conn_x/token',
    headers: { 'content-type': 'application/json', authorization: 'Bearer x' },
    check: () => undefined,
    close: async () => void (await server.stop()),
  };
}

async function tether(ctx: BenchContext, kind: 'pglite' | 'postgres'): Promise<Target> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const peer: OidcPeer = await startPeer([origin], 3600);
  let db: FreshDatabase | null = null;
  let dataDir: string | null = null;
  const env: Record<string, string> = { TETHER_ENCRYPTION_KEYS: KEYS, PUBLIC_ORIGIN: origin };
  if (kind === 'postgres') {
    if (!ctx.adminUrl) throw new Error('unreachable');
    db = await freshDatabase(ctx.adminUrl);
    Object.assign(env, { DATABASE_URL: db.url, TETHER_ROLE: 'api' });
  } else {
    dataDir = await mkdtemp(join(tmpdir(), 'tether-bench-'));
    Object.assign(env, { TETHER_DATA_DIR: dataDir });
  }
  const server = BenchProcess.tether(`tether-${kind}`, port, env, ctx.logDir);
  const close = async (): Promise<void> => {
    await server.stop();
    await peer.close();
    await db?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await server.waitReady();
    const { tenant, connectionId } = await connectedTenant(server.url, peer);
    const path = `/api/v1/connections/${connectionId}/token`;
    const check = await httpCall(server.url, 'POST', path, { bearer: tenant.apiKey, body: {} });
    if (check.status !== 200) throw new Error(`token endpoint answered ${check.status}: ${check.text}`);
    return {
      label: `Tether on ${kind}`,
      bare: false,
      server,
      path,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.apiKey}` },
      check: () => {
        if (peer.counters.refreshTokenGrants !== 0) throw new Error('a fresh token was refreshed during the hot-path run');
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length === 0 ? Number.NaN : s.length % 2 === 1 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

export async function hotPath(ctx: BenchContext): Promise<BenchReport> {
  const targets: Target[] = [];
  const runs: Measured[] = [];
  try {
    targets.push(await bare(ctx));
    targets.push(await tether(ctx, 'pglite'));
    if (ctx.adminUrl) targets.push(await tether(ctx, 'postgres'));
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order so that no server is always measured first or last.
      const order = targets.map((_, i) => targets[(i + round) % targets.length]).filter((t): t is Target => t !== undefined);
      for (const t of order) runs.push(await measure(t, round + 1));
    }
  } finally {
    for (const t of targets) await t.close();
  }

  const summary = targets.map((t) => {
    const mine = runs.filter((r) => r.label === t.label);
    return {
      label: t.label,
      bare: t.bare,
      rps: median(mine.map((r) => r.rps)),
      p50Ms: median(mine.map((r) => r.p50Ms)),
      p99Ms: median(mine.map((r) => r.p99Ms)),
      maxMs: Math.max(...mine.map((r) => r.maxMs)),
      errors: mine.reduce((n, r) => n + r.errors, 0),
      serverCpuMsPerReq: median(mine.map((r) => r.serverCpuMsPerReq)),
      clientCpuPct: median(mine.map((r) => r.clientCpuPct)),
    };
  });
  const bareRps = summary.find((s) => s.bare)?.rps ?? Number.NaN;
  const lines = [
    `concurrency ${CONCURRENCY}; ${ROUNDS} interleaved rounds, each server ${WARMUP_MS / 1000} s warm-up + ${DURATION_MS / 1000} s measured per round; servers are child processes, the load generator is the bench process. Figures: median over the rounds`,
    '',
    '| server | req/s | ratio to bare | p50 ms | p99 ms | max ms | non-2xx | server CPU ms/req | load generator CPU |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...summary.map((r) => `| ${r.label} | ${fmt(r.rps, 0)} | ${r.bare ? '—' : fmt(r.rps / bareRps, 2)} | ${fmt(r.p50Ms, 2)} | ${fmt(r.p99Ms, 2)} | ${fmt(r.maxMs, 1)} | ${r.errors} | ${fmt(r.serverCpuMsPerReq, 3)} | ${fmt(r.clientCpuPct, 0)} % |`),
    '',
    'every round:',
    '',
    '| round | server | req/s | ratio to that round\'s bare | p50 ms | p99 ms | server CPU ms/req | load generator CPU |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...runs.map((r) => {
      const roundBare = runs.find((b) => b.round === r.round && b.label === 'bare Fastify')?.rps ?? Number.NaN;
      return `| ${r.round} | ${r.label} | ${fmt(r.rps, 0)} | ${r.label === 'bare Fastify' ? '—' : fmt(r.rps / roundBare, 2)} | ${fmt(r.p50Ms, 2)} | ${fmt(r.p99Ms, 2)} | ${fmt(r.serverCpuMsPerReq, 3)} | ${fmt(r.clientCpuPct, 0)} % |`;
    }),
    '',
    `bare Fastify baseline = median over the rounds = ${fmt(bareRps, 0)} req/s; target ratio ≥ 0.70`,
  ];
  if (!ctx.adminUrl) lines.push('PostgreSQL skipped: DATABASE_URL not set');
  return { name: 'hot-path', lines, data: { concurrency: CONCURRENCY, durationMs: DURATION_MS, rounds: ROUNDS, bareRps, summary, runs } };
}
