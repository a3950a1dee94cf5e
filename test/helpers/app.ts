import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../../src/config.ts';
import { systemClock, type Clock } from '../../src/core/clock.ts';
import { buildApp, type App } from '../../src/http/app.ts';
import { createMetrics } from '../../src/http/metrics.ts';
import { createLogger } from '../../src/log.ts';
import { Envelope } from '../../src/crypto/envelope.ts';
import { Keyring, generateKeyString } from '../../src/crypto/keyring.ts';
import { parseEncryptionKeys } from '../../src/config.ts';
import type { FetchFunction } from '../../src/oauth/providers/index.ts';
import { createServices, type Services } from '../../src/services/index.ts';
import { createTestStore, type TestStore } from './db.ts';

/** Collects every log line the app writes, so tests can assert what never appears in it. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter((l) => l.length > 0));
    done();
  }
  get text(): string {
    return this.lines.join('\n');
  }
}

export interface TestApp {
  app: App;
  store: TestStore;
  config: Config;
  logs: LogCapture;
  clock: Clock;
  services: Services;
  envelope: Envelope;
  close(): Promise<void>;
}

export async function createTestApp(options: { env?: Record<string, string>; clock?: Clock; fetch?: FetchFunction } = {}): Promise<TestApp> {
  const store = await createTestStore();
  const config = loadConfig({ PUBLIC_ORIGIN: 'http://localhost:3000', TETHER_LOG_LEVEL: 'debug', ...options.env });
  const logs = new LogCapture();
  const logger = createLogger({ level: config.logLevel, destination: logs });
  const clock = options.clock ?? systemClock;
  const envelope = new Envelope(new Keyring(config.encryptionKeys ?? parseEncryptionKeys(generateKeyString(1))));
  const services = createServices({ db: store.db, config, logger, clock, envelope, ...(options.fetch ? { fetch: options.fetch } : {}) });
  const app = await buildApp({ config, logger, db: store.db, metrics: createMetrics({ defaultMetrics: false }), services });
  await app.ready();
  return {
    app,
    store,
    config,
    logs,
    clock,
    services,
    envelope,
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

export interface Answer {
  status: number;
  body: unknown;
  // Typed loosely on purpose: tests read fields they just asserted exist.
  json: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Record<string, string | string[] | number | undefined>;
}

/**
 * A browser-like caller: keeps its session cookie and sends the app's Origin on state changes,
 * or a Bearer API key when given one.
 */
export class Client {
  cookie: string | null = null;
  constructor(
    private readonly t: TestApp,
    readonly bearer: string | null = null,
    readonly origin: string | null = t.config.publicOrigin,
  ) {}

  async request(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const h: Record<string, string> = { ...headers };
    if (this.cookie) h.cookie = this.cookie;
    if (this.bearer) h.authorization = `Bearer ${this.bearer}`;
    if (method !== 'GET' && this.origin && !('origin' in h)) h.origin = this.origin;
    const res = await this.t.app.inject({ method, url, headers: h, ...(payload === undefined ? {} : { payload: payload as object }) });
    const setCookie = res.cookies.find((c) => c.name === 'tether_session');
    if (setCookie) this.cookie = setCookie.value === '' ? null : `tether_session=${setCookie.value}`;
    let body: unknown = null;
    try {
      body = res.body.length > 0 ? JSON.parse(res.body) : null;
    } catch {
      body = res.body;
    }
    return { status: res.statusCode, body, json: (body ?? {}) as Answer['json'], headers: res.headers };
  }

  get(url: string): Promise<Answer> {
    return this.request('GET', url);
  }
  post(url: string, payload: unknown = {}): Promise<Answer> {
    return this.request('POST', url, payload);
  }
  patch(url: string, payload: unknown = {}): Promise<Answer> {
    return this.request('PATCH', url, payload);
  }
  put(url: string, payload: unknown = {}): Promise<Answer> {
    return this.request('PUT', url, payload);
  }
  delete(url: string): Promise<Answer> {
    return this.request('DELETE', url);
  }
}

/** Signs up (or, when sign-up is closed, has `admin` create) a user and returns a logged-in client. */
export async function signedUp(t: TestApp, email: string, options: { admin?: Client; password?: string } = {}): Promise<{ client: Client; userId: string; personalWs: string }> {
  const password = options.password ?? 'correct horse battery';
  const client = new Client(t);
  if (options.admin) {
    const made = await options.admin.post('/api/v1/admin/users', { email, password });
    if (made.status !== 201) throw new Error(`admin/users failed: ${made.status} ${JSON.stringify(made.body)}`);
    const login = await client.post('/api/v1/auth/login', { email, password });
    if (login.status !== 200) throw new Error(`login failed: ${login.status}`);
  } else {
    const res = await client.post('/api/v1/auth/signup', { email, password });
    if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
  const me = await client.get('/api/v1/me');
  const ws = (me.json.workspaces as { id: string; plan: string }[]).find((w) => w.plan === 'personal');
  return { client, userId: me.json.user.id as string, personalWs: ws?.id ?? '' };
}
