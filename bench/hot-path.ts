import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, httpCall } from '../test/helpers/process.ts';
import { freshDatabase, type FreshDatabase } from './lib/db.ts';
import { runLoad, type LoadResult } from './lib/load.ts';
import { BenchProcess } from './lib/procs.ts';
import { connectedTenant, fmt, KEYS, startPeer } from './lib/tether.ts';
import type { BenchContext, BenchReport } from './run.ts';

/**
 * Token hot path: `POST /api/v1/connections/:id/token` on a fresh token (one database read, no
 * refresh), at a fixed concurrency for a fixed time, against a Tether server process on PGlite
 * and on PostgreSQL, each as a ratio to a bare Fastify process with the same route measured in
 * the same run. The load generator runs in this process; servers are child processes.
 */
const CONCURRENCY = 32;
const WARMUP_MS = 3_000;
const DURATION_MS = 10_000;

interface Measured extends LoadResult {
  label: string;
  /** CPU seconds the server process used per 1,000 answers during the measured phase. */
  serverCpuMsPerReq: number;
}

async function measure(label: string, server: BenchProcess, path: string, headers: Record<string, string>): Promise<Measured> {
  // Warm-up first (not recorded), then the server's CPU is read around the measured phase.
  await runLoad({ url: `${server.url}${path}`, method: 'POST', headers, body: '{}', concurrency: CONCURRENCY, durationMs: WARMUP_MS });
  const cpu0 = server.cpuSeconds();
  const result = await runLoad({ url: `${server.url}${path}`, method: 'POST', headers, body: '{}', concurrency: CONCURRENCY, durationMs: DURATION_MS });
  const cpu = server.cpuSeconds() - cpu0;
  return { ...result, label, serverCpuMsPerReq: (cpu * 1000) / Math.max(1, result.requests) };
}

async function bare(ctx: BenchContext, label: string): Promise<Measured> {
  const server = new BenchProcess(`bare-${label}`, await freePort(), 'bench/lib/bare-server.ts', {}, ctx.logDir);
  try {
    await server.waitReady();
    return await measure(label, server, '/api/v1/connections/conn_x/token', { 'content-type': 'application/json', authorization: 'Bearer x' });
  } finally {
    await server.stop();
  }
}

async function tether(ctx: BenchContext, kind: 'pglite' | 'postgres'): Promise<Measured> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const peer = await startPeer([origin], 3600);
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
  try {
    await server.waitReady();
    const { tenant, connectionId } = await connectedTenant(server.url, peer);
    const path = `/api/v1/connections/${connectionId}/token`;
    const check = await httpCall(server.url, 'POST', path, { bearer: tenant.apiKey, body: {} });
    if (check.status !== 200) throw new Error(`token endpoint answered ${check.status}: ${check.text}`);
    const result = await measure(`Tether on ${kind}`, server, path, { 'content-type': 'application/json', authorization: `Bearer ${tenant.apiKey}` });
    if (peer.counters.refreshTokenGrants !== 0) throw new Error('a fresh token was refreshed during the hot-path run');
    return result;
  } finally {
    await server.stop();
    await peer.close();
    await db?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }
}

export async function hotPath(ctx: BenchContext): Promise<BenchReport> {
  const runs: Measured[] = [];
  runs.push(await bare(ctx, 'bare Fastify (before)'));
  runs.push(await tether(ctx, 'pglite'));
  if (ctx.adminUrl) runs.push(await tether(ctx, 'postgres'));
  runs.push(await bare(ctx, 'bare Fastify (after)'));
  const bares = runs.filter((r) => r.label.startsWith('bare'));
  const bareRps = bares.reduce((n, r) => n + r.rps, 0) / bares.length;

  const lines = [
    `concurrency ${CONCURRENCY}, ${WARMUP_MS / 1000} s warm-up + ${DURATION_MS / 1000} s measured per server; servers are child processes, the load generator is the bench process`,
    '',
    '| server | req/s | ratio to bare | p50 ms | p99 ms | max ms | non-2xx | server CPU ms/req | load generator CPU |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...runs.map((r) => `| ${r.label} | ${fmt(r.rps, 0)} | ${r.label.startsWith('bare') ? '—' : fmt(r.rps / bareRps, 2)} | ${fmt(r.p50Ms, 2)} | ${fmt(r.p99Ms, 2)} | ${fmt(r.maxMs, 1)} | ${r.errors} | ${fmt(r.serverCpuMsPerReq, 3)} | ${fmt(r.clientCpuPct, 0)} % |`),
    '',
    `bare Fastify baseline = mean of the two bare runs = ${fmt(bareRps, 0)} req/s; target ratio ≥ 0.70`,
  ];
  if (!ctx.adminUrl) lines.push('PostgreSQL skipped: DATABASE_URL not set');
  return { name: 'hot-path', lines, data: { concurrency: CONCURRENCY, durationMs: DURATION_MS, bareRps, runs } };
}
