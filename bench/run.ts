import { execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { cpus, freemem, loadavg, totalmem, tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { hotPath } from './hot-path.ts';
import { singleFlight } from './single-flight.ts';
import { storm } from './storm.ts';

/**
 * `npm run bench [name…]`: runs the named benchmarks (all by default) and prints their results
 * as Markdown for docs/benchmarks.md. PostgreSQL parts need DATABASE_URL (an account that may
 * create databases: each benchmark makes a fresh one and drops it). Not part of `npm test`.
 *
 * The numbers mean something only on an otherwise idle machine: with BENCH_WAIT_IDLE_S set, each
 * benchmark first waits (up to that long) for the 1-minute load average to drop below 1; the
 * load average before and after each benchmark is printed either way.
 */
export interface BenchContext {
  /** PostgreSQL URL used to create fresh databases; null: PostgreSQL parts are skipped. */
  adminUrl: string | null;
  /** Where the child processes' logs go. */
  logDir: string;
}

export interface BenchReport {
  name: string;
  lines: string[];
  data: unknown;
}

const BENCHMARKS: Record<string, (ctx: BenchContext) => Promise<BenchReport>> = {
  'hot-path': hotPath,
  'storm-1': (ctx) => storm(ctx, 1),
  'storm-3': (ctx) => storm(ctx, 3),
  'single-flight': singleFlight,
};

function machine(adminUrl: string | null): string[] {
  const sh = (cmd: string, args: string[]): string => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
    } catch {
      return 'n/a';
    }
  };
  return [
    `date: ${new Date().toISOString()}`,
    `nproc: ${sh('nproc', [])} (${cpus()[0]?.model ?? 'unknown CPU'})`,
    `memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB total, ${(freemem() / 2 ** 30).toFixed(1)} GiB free`,
    `node: ${process.version}`,
    `postgres: ${adminUrl ? sh('psql', [adminUrl, '-Atc', 'show server_version']) : 'not used'}`,
    // BENCH_COMMIT: set when running from an export of a commit (no .git there).
    `commit: ${process.env.BENCH_COMMIT ?? `${sh('git', ['rev-parse', '--short', 'HEAD'])}${sh('git', ['status', '--porcelain', '--', 'src']) === '' ? '' : ' (src/ has uncommitted changes)'}`}`,
  ];
}

/** Waits up to `maxS` seconds for the 1-minute load average to fall below 1 (other work finishing). */
async function waitIdle(maxS: number): Promise<void> {
  const until = Date.now() + maxS * 1000;
  while ((loadavg()[0] ?? 0) >= 1 && Date.now() < until) await sleep(5_000);
}

async function main(argv: string[]): Promise<void> {
  const names = argv.length > 0 ? argv : Object.keys(BENCHMARKS);
  const unknown = names.filter((n) => !(n in BENCHMARKS));
  if (unknown.length > 0) {
    process.stderr.write(`Unknown benchmark(s): ${unknown.join(', ')}. Available: ${Object.keys(BENCHMARKS).join(', ')}\n`);
    process.exit(2);
  }
  const adminUrl = loadConfig(process.env).databaseUrl?.reveal() ?? null;
  const logDir = await mkdtemp(join(tmpdir(), 'tether-bench-logs-'));
  process.stdout.write(`${machine(adminUrl).map((l) => `- ${l}`).join('\n')}\n- child process logs: ${logDir}\n\n`);
  const reports: BenchReport[] = [];
  for (const name of names) {
    const run = BENCHMARKS[name];
    if (!run) continue;
    process.stdout.write(`## ${name}\n`);
    await waitIdle(Number(process.env.BENCH_WAIT_IDLE_S ?? 0));
    const loadBefore = loadavg()[0] ?? 0;
    const started = Date.now();
    const report = await run({ adminUrl, logDir });
    reports.push(report);
    const took = ((Date.now() - started) / 1000).toFixed(0);
    process.stdout.write(`${report.lines.join('\n')}\n\n(${took} s; 1-minute load average ${loadBefore.toFixed(2)} before, ${(loadavg()[0] ?? 0).toFixed(2)} after)\n\n`);
  }
  process.stdout.write(`<!-- ${JSON.stringify(reports.map((r) => ({ name: r.name, data: r.data })))} -->\n`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
