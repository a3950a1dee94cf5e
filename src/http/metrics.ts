import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** A registry per app instance (never prom-client's global one): tests build many apps. */
export interface HttpMetrics {
  readonly registry: Registry;
  readonly requestDuration: Histogram<'method' | 'route' | 'status_code'>;
  readonly requests: Counter<'method' | 'route' | 'status_code'>;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): HttpMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'tether_' });
  const requestDuration = new Histogram({
    name: 'tether_http_request_duration_seconds',
    help: 'HTTP request latency by route template and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const requests = new Counter({
    name: 'tether_http_requests_total',
    help: 'HTTP requests by route template and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [registry],
  });
  return { registry, requestDuration, requests };
}
