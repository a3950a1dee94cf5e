import { resolve } from 'node:path';
import { Secret } from './core/secret.ts';

/**
 * The environment, validated once (API.md "Configuration"). This is the only module that
 * reads `process.env`; everything else receives a {@link Config}.
 */
export type Role = 'api' | 'worker' | 'all';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface KeyEncryptionKey {
  readonly version: number;
  readonly key: Secret<Buffer>;
}

export interface Config {
  readonly port: number;
  readonly host: string;
  /** Origin users and providers reach, without a trailing slash, e.g. `https://tether.example.com`. */
  readonly publicOrigin: string;
  readonly databaseUrl: Secret<string> | null;
  readonly dataDir: string;
  /** Configured key-encryption keys, newest first; `null` means "use or generate the key file in dataDir". */
  readonly encryptionKeys: readonly KeyEncryptionKey[] | null;
  readonly openSignup: boolean;
  readonly role: Role;
  readonly logLevel: LogLevel;
  /** Failed-or-not login attempts allowed per client address and email in {@link loginWindowMs}. */
  readonly loginMaxAttempts: number;
  readonly loginWindowMs: number;
  readonly sessionTtlMs: number;
  /** How often the background refresher looks for tokens about to expire. */
  readonly refreshIntervalMs: number;
  /** Refreshes one worker process runs at once. */
  readonly refreshConcurrency: number;
  /**
   * How long a refresh lease lasts (cross-process single flight): a process that dies mid-refresh
   * blocks that connection this long, so keep it above the provider timeout, or a live but slow
   * holder loses its lease to another process.
   */
  readonly refreshLeaseMs: number;
  /** How long any call to a provider (token, revocation, discovery, userinfo) may take. */
  readonly providerTimeoutMs: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`Invalid configuration: ${variable} ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function read(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  return trimmed === '' ? undefined : trimmed;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(name, `must be "true" or "false", got "${raw}"`);
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const found = allowed.find((a) => a === raw);
  if (found === undefined) throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  return found;
}

function origin(env: Env, name: string, fallback: string): string {
  const raw = read(env, name) ?? fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be an absolute URL such as https://tether.example.com, got "${raw}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(name, `must use http or https, got "${url.protocol}"`);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '' || url.username !== '') {
    throw new ConfigError(name, `must be an origin only (scheme, host and port, no path), got "${raw}"`);
  }
  return url.origin;
}

function databaseUrl(env: Env, name: string): Secret<string> | null {
  const raw = read(env, name);
  if (raw === undefined) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Never echo the value: it may carry a password.
    throw new ConfigError(name, 'must be a postgres:// URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(name, `must be a postgres:// URL, got scheme "${url.protocol}"`);
  }
  return new Secret(raw);
}

/** Parses `version:base64(32 bytes)` entries separated by commas; returns them newest first. */
export function parseEncryptionKeys(raw: string, name = 'TETHER_ENCRYPTION_KEYS'): KeyEncryptionKey[] {
  const keys: KeyEncryptionKey[] = [];
  const seen = new Set<number>();
  for (const [index, entry] of raw.split(',').map((e) => e.trim()).entries()) {
    const match = /^(\d+):([A-Za-z0-9+/_-]+={0,2})$/.exec(entry);
    if (match === null) {
      throw new ConfigError(name, `entry ${index + 1} must look like "version:base64key" (a positive version number, a colon, 32 bytes in base64)`);
    }
    const version = Number(match[1]);
    const key = Buffer.from(match[2] ?? '', 'base64');
    if (version < 1 || !Number.isSafeInteger(version)) throw new ConfigError(name, `entry ${index + 1} has version ${version}; versions start at 1`);
    if (key.length !== 32) throw new ConfigError(name, `entry ${index + 1} (version ${version}) must decode to 32 bytes, got ${key.length}`);
    if (seen.has(version)) throw new ConfigError(name, `version ${version} appears twice`);
    seen.add(version);
    keys.push({ version, key: new Secret(key) });
  }
  return keys.sort((a, b) => b.version - a.version);
}

/** Validates the environment. Throws {@link ConfigError} naming the first bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const keysRaw = read(env, 'TETHER_ENCRYPTION_KEYS');
  const db = databaseUrl(env, 'DATABASE_URL');
  const role = oneOf(env, 'TETHER_ROLE', ['api', 'worker', 'all'] as const, 'all');
  if (role !== 'all' && db === null) {
    // The embedded database belongs to one process; splitting roles needs a shared PostgreSQL.
    throw new ConfigError('TETHER_ROLE', `"${role}" needs DATABASE_URL: the embedded database serves a single process (use "all")`);
  }
  const providerTimeoutMs = integer(env, 'TETHER_PROVIDER_TIMEOUT_MS', 15_000, 100, 120_000);
  const leaseMs = integer(env, 'TETHER_REFRESH_LEASE_MS', 45_000, 1_000, 3_600_000);
  if (leaseMs <= providerTimeoutMs) {
    // A refresh still waiting for the provider must never lose its lease to another process:
    // both would redeem the same refresh token, and with rotation the grant would be lost.
    throw new ConfigError('TETHER_REFRESH_LEASE_MS', `must be longer than TETHER_PROVIDER_TIMEOUT_MS (${providerTimeoutMs} ms), got ${leaseMs} ms`);
  }
  return {
    port,
    host: read(env, 'HOST') ?? '127.0.0.1',
    publicOrigin: origin(env, 'PUBLIC_ORIGIN', `http://localhost:${port}`),
    databaseUrl: db,
    dataDir: resolve(read(env, 'TETHER_DATA_DIR') ?? './data'),
    encryptionKeys: keysRaw === undefined ? null : parseEncryptionKeys(keysRaw),
    openSignup: boolean(env, 'TETHER_OPEN_SIGNUP', false),
    role,
    logLevel: oneOf(env, 'TETHER_LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    loginMaxAttempts: integer(env, 'TETHER_LOGIN_MAX_ATTEMPTS', 10, 1, 1_000_000),
    loginWindowMs: integer(env, 'TETHER_LOGIN_WINDOW_SECONDS', 900, 1, 86_400) * 1000,
    sessionTtlMs: integer(env, 'TETHER_SESSION_TTL_HOURS', 24 * 14, 1, 24 * 365) * 3_600_000,
    refreshIntervalMs: integer(env, 'TETHER_REFRESH_INTERVAL_MS', 5_000, 100, 3_600_000),
    refreshConcurrency: integer(env, 'TETHER_REFRESH_CONCURRENCY', 10, 1, 1_000),
    refreshLeaseMs: leaseMs,
    providerTimeoutMs,
  };
}

/** True when the origin is plain http on a non-loopback host (SPEC §10: warn at start). */
export function isInsecurePublicOrigin(publicOrigin: string): boolean {
  const url = new URL(publicOrigin);
  return url.protocol === 'http:' && !isLoopbackHost(url.hostname);
}

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}
