import http from 'node:http';

/**
 * A small closed-loop HTTP load generator (node:http keep-alive sockets): `concurrency`
 * requests in flight at all times, for a fixed time, after a warm-up that is not recorded.
 * Stands in for autocannon, which is not a dependency.
 */
export interface LoadOptions {
  url: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  concurrency: number;
  durationMs: number;
  warmupMs?: number;
}

export interface LoadResult {
  requests: number;
  /** Answers other than 2xx, plus socket errors. */
  errors: number;
  statuses: Record<string, number>;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** CPU the generator itself used, as a share of one core: near 100 % means it was the bottleneck. */
  clientCpuPct: number;
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const url = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  const headers: Record<string, string> = { ...options.headers };
  if (body) headers['content-length'] = String(body.length);

  const once = (): Promise<number> =>
    new Promise((resolve) => {
      const req = http.request({ host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: options.method, headers, agent }, (res) => {
        res.on('data', () => {});
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      });
      req.on('error', () => resolve(0));
      req.end(body);
    });

  const phase = async (ms: number, record: boolean) => {
    const latencies: number[] = [];
    const statuses: Record<string, number> = {};
    const deadline = performance.now() + ms;
    const loop = async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        const status = await once();
        if (!record) continue;
        latencies.push(performance.now() - t);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: options.concurrency }, loop));
    return { latencies, statuses, seconds: (performance.now() - started) / 1000 };
  };

  try {
    if (options.warmupMs) await phase(options.warmupMs, false);
    const cpu = process.cpuUsage();
    const { latencies, statuses, seconds } = await phase(options.durationMs, true);
    const used = process.cpuUsage(cpu);
    const sorted = Float64Array.from(latencies).sort();
    const ok = Object.entries(statuses).filter(([s]) => s.startsWith('2')).reduce((n, [, c]) => n + c, 0);
    return {
      requests: latencies.length,
      errors: latencies.length - ok,
      statuses,
      seconds,
      rps: latencies.length / seconds,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted[sorted.length - 1] ?? Number.NaN,
      clientCpuPct: ((used.user + used.system) / 1000 / (seconds * 1000)) * 100,
    };
  } finally {
    agent.destroy();
  }
}
