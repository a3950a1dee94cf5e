import { pino, type Logger, type DestinationStream, type LoggerOptions } from 'pino';
import { Secret } from './core/secret.ts';
import type { LogLevel } from './config.ts';

export type { Logger };

/**
 * Field names whose values are never logged, wherever they appear in a log object:
 * tokens, secrets, passwords, authorization codes, PKCE verifiers, cookies, API keys.
 */
const SENSITIVE_KEY = /token|secret|password|passwd|code|verifier|cookie|authorization|api[-_]?key|^key$|credential|assertion|session/i;

const REDACTED = '[redacted]';

/** Replaces the values of sensitive keys (at any depth) and any {@link Secret} with `[redacted]`. */
export function redactDeep(value: unknown, depth = 0): unknown {
  if (value instanceof Secret) return REDACTED;
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return value; // pino's err serializer handles errors
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  if (flatAndHarmless(value)) return value; // the common case (an access-log line): no copy
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SENSITIVE_KEY.test(k) && v !== null && v !== undefined && typeof v !== 'boolean' && typeof v !== 'number' ? REDACTED : redactDeep(v, depth + 1);
  }
  return out;
}

/** Only primitive values (strings, numbers…) under keys that are not sensitive: nothing to redact. */
function flatAndHarmless(value: object): boolean {
  for (const k in value) {
    if (!Object.hasOwn(value, k)) continue;
    const v = (value as Record<string, unknown>)[k];
    if (v !== null && typeof v === 'object') return false;
    if (SENSITIVE_KEY.test(k) && v !== null && v !== undefined && typeof v !== 'boolean' && typeof v !== 'number') return false;
  }
  return true;
}

/** Strips the query string: callback URLs carry `code` and `state`, which must never be logged. */
export function safeUrl(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : `${url.slice(0, q)}?[query redacted]`;
}

export function createLogger(options: { level: LogLevel; destination?: DestinationStream }): Logger {
  const config: LoggerOptions = {
    level: options.level,
    // Belt and braces: fixed paths are cheap and exact, redactDeep catches everything else.
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', 'headers.authorization', 'headers.cookie'],
      censor: REDACTED,
    },
    formatters: {
      log: (object) => redactDeep(object) as Record<string, unknown>,
    },
    serializers: {
      req: (req: { method?: string; url?: string; id?: string }) => ({
        method: req.method,
        url: safeUrl(req.url ?? ''),
        id: req.id,
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      err: pino.stdSerializers.err,
    },
  };
  // Standard output, written asynchronously: a line is buffered and written with whatever else
  // arrived meanwhile, instead of one blocking write(2) per line on the request path (the
  // access log has a line per request). pino flushes what is left synchronously on exit.
  return pino(config, options.destination ?? pino.destination({ dest: 1, sync: false }));
}
