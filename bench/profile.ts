import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { freePort, httpCall } from '../test/helpers/process.ts';
import { freshDatabase, type FreshDatabase } from './lib/db.ts';
import { runLoad } from './lib/load.ts';
import { BenchProcess } from './lib/procs.ts';
import { connectedTenant, KEYS, startPeer } from './lib/tether.ts';

/**
 * `node --import tsx bench/profile.ts [pglite|postgres] [seconds]`: the token hot path under the
 * same load as the benchmark, with the server process started under `--cpu-prof`; prints the
 * functions with the most self time (and where the .cpuprofile file is, for a flame graph).
 * A tool for deciding what to optimise, not a benchmark: profiling slows the server down.
 * `PROFILE_LOG_LEVEL` sets the server's TETHER_LOG_LEVEL (e.g. `warn`: no access-log lines);
 * `PROFILE_OFF=1` runs without the profiler and prints only throughput and CPU per answer.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

function summarise(profile: { nodes: ProfileNode[]; samples: number[] }, top: number): string[] {
  // Busy samples only: idle time says nothing about what a request costs.
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  const total = profile.samples.filter((id) => !idle.has(id)).length;
  const self = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0;
    if (hits === 0 || idle.has(n.id)) continue;
    const url = n.callFrame.url.replace(/^file:\/\/.*?node_modules\//, '').replace(/^file:\/\/.*?\/(src|bench)\//, '$1/');
    const key = `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + hits);
    const file = url === '' ? `(${n.callFrame.functionName})` : url.split('/').slice(0, url.startsWith('node:') ? 1 : 2).join('/');
    byFile.set(file, (byFile.get(file) ?? 0) + hits);
  }
  // Inclusive time: a function's own samples plus its callees' (counted once per call chain).
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (n: ProfileNode): string => {
    const url = n.callFrame.url.replace(/^file:\/\/.*?node_modules\//, '').replace(/^file:\/\/.*?\/(src|bench)\//, '$1/');
    return `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber + 1}`;
  };
  const inclusive = new Map<string, number>();
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0;
    if (hits === 0 || idle.has(n.id)) continue;
    const seen = new Set<string>();
    for (let cur: ProfileNode | undefined = n; cur; cur = byId.get(parent.get(cur.id) ?? -1)) {
      const k = keyOf(cur);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + hits);
    }
  }
  const pct = (n: number): string => `${((100 * n) / total).toFixed(1)} %`;
  const ours = [...inclusive.entries()].filter(([k]) => / (src|bench)\//.test(k)).sort((a, b) => b[1] - a[1]).slice(0, top);
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  const files = [...byFile.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [
    `${total} busy samples of ${profile.samples.length}`,
    '',
    'self time by function:',
    ...rows.map(([k, v]) => `  ${pct(v).padStart(7)}  ${k}`),
    '',
    'self time by package / file group:',
    ...files.map(([k, v]) => `  ${pct(v).padStart(7)}  ${k}`),
    '',
    "inclusive time of Tether's own functions:",
    ...ours.map(([k, v]) => `  ${pct(v).padStart(7)}  ${k}`),
  ];
}

async function main(kind: 'pglite' | 'postgres', seconds: number): Promise<void> {
  const adminUrl = loadConfig(process.env).databaseUrl?.reveal() ?? null;
  const logDir = await mkdtemp(join(tmpdir(), 'tether-profile-'));
  const profDir = join(logDir, 'prof');
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const peer = await startPeer([origin], 3600);
  let db: FreshDatabase | null = null;
  const env: Record<string, string> = { TETHER_ENCRYPTION_KEYS: KEYS, PUBLIC_ORIGIN: origin, ...(process.env.PROFILE_LOG_LEVEL ? { TETHER_LOG_LEVEL: process.env.PROFILE_LOG_LEVEL } : {}) };
  const profiling = process.env.PROFILE_OFF !== '1';
  if (kind === 'postgres') {
    if (!adminUrl) throw new Error('DATABASE_URL is needed for postgres');
    db = await freshDatabase(adminUrl);
    Object.assign(env, { DATABASE_URL: db.url, TETHER_ROLE: 'api' });
  } else {
    Object.assign(env, { TETHER_DATA_DIR: join(logDir, 'data') });
  }
  const server = BenchProcess.tether(`tether-${kind}`, port, env, logDir, profiling ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []);
  try {
    await server.waitReady();
    const { tenant, connectionId } = await connectedTenant(server.url, peer);
    const path = `/api/v1/connections/${connectionId}/token`;
    const check = await httpCall(server.url, 'POST', path, { bearer: tenant.apiKey, body: {} });
    if (check.status !== 200) throw new Error(`token endpoint answered ${check.status}: ${check.text}`);
    const cpu0 = server.cpuSeconds();
    const result = await runLoad({ url: `${server.url}${path}`, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.apiKey}` }, body: '{}', concurrency: 32, durationMs: seconds * 1000, warmupMs: 2000 });
    const cpuMs = ((server.cpuSeconds() - cpu0) * 1000) / Math.max(1, result.requests + 2000 * (result.rps / 1000));
    process.stdout.write(`${kind}: ${result.rps.toFixed(0)} req/s${profiling ? ' (under the profiler)' : ''}, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, errors ${result.errors}, server CPU ≈ ${cpuMs.toFixed(3)} ms/answer (warm-up included)\n`);
  } finally {
    await server.stop();
    await peer.close();
    await db?.drop();
  }
  if (!profiling) return;
  // One profile per thread; the main thread is the busiest (tsx's loader thread works only at start).
  const files = (await readdir(profDir)).filter((f) => f.endsWith('.cpuprofile'));
  const profiles = await Promise.all(files.map(async (f) => ({ f, profile: JSON.parse(await readFile(join(profDir, f), 'utf8')) as { nodes: ProfileNode[]; samples: number[] } })));
  const busy = (p: { nodes: ProfileNode[]; samples: number[] }): number => {
    const idle = new Set(p.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
    return p.samples.filter((id) => !idle.has(id)).length;
  };
  profiles.sort((a, b) => busy(b.profile) - busy(a.profile));
  for (const { f, profile } of profiles.slice(0, 1)) {
    process.stdout.write(`\n${join(profDir, f)}\n${summarise(profile, Number(process.env.PROFILE_TOP ?? 40)).join('\n')}\n`);
  }
  if (process.env.PROFILE_KEEP !== '1') await rm(join(logDir, 'data'), { recursive: true, force: true });
}

main((process.argv[2] ?? 'postgres') as 'pglite' | 'postgres', Number(process.argv[3] ?? 8)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
