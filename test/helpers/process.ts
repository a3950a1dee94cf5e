import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** A Tether server in its own process, as `npm start` runs it; its output is kept for assertions. */
export class ServerProcess {
  readonly output: string[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(
    readonly port: number,
    env: Record<string, string>,
  ) {
    // Only what Tether reads, plus PATH/HOME: the child sees no stray DATABASE_URL from the parent.
    const base: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' };
    this.child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: repoRoot,
      env: { ...base, PORT: String(port), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (d: Buffer) => this.output.push(d.toString('utf8')));
    this.child.stderr?.on('data', (d: Buffer) => this.output.push(d.toString('utf8')));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get log(): string {
    return this.output.join('');
  }

  /** Polls /readyz; resolves with the milliseconds it took, or throws after `timeoutMs`. */
  async waitReady(timeoutMs = 30_000): Promise<number> {
    const started = Date.now();
    while (Date.now() - started < timeoutMs) {
      if (this.child.exitCode !== null) throw new Error(`server exited with ${this.child.exitCode}:\n${this.log}`);
      try {
        const res = await fetch(`${this.url}/readyz`);
        if (res.status === 200) return Date.now() - started;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`not ready after ${timeoutMs} ms:\n${this.log}`);
  }

  /**
   * Waits until the process has written a line matching `pattern` (a worker-only process has no
   * HTTP to poll); resolves with the milliseconds it took, throws on exit or after `timeoutMs`.
   */
  async waitForOutput(pattern: RegExp, timeoutMs = 30_000): Promise<number> {
    const started = Date.now();
    while (Date.now() - started < timeoutMs) {
      if (pattern.test(this.log)) return Date.now() - started;
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`server exited (${this.child.exitCode ?? this.child.signalCode}) before printing ${pattern}:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no output matching ${pattern} after ${timeoutMs} ms:\n${this.log}`);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill(signal);
    return this.exited;
  }
}

/** One answer of {@link httpCall}. */
export interface HttpAnswer {
  status: number;
  // Typed loosely on purpose: callers read fields of JSON they just asserted on.
  json: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
  setCookies: string[];
}

/**
 * A request to a server process over real HTTP. A session `cookie` travels with the server's
 * own `origin` on state changes, as a browser on the Tether web app sends it.
 */
export async function httpCall(
  base: string,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  options: { body?: unknown; cookie?: string; bearer?: string; origin?: string } = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.cookie) headers.cookie = options.cookie;
  if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
  if (method !== 'GET') headers.origin = options.origin ?? base;
  const res = await fetch(`${base}${path}`, { method, headers, ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }) });
  const text = await res.text();
  let json: HttpAnswer['json'] = {};
  try {
    json = text ? (JSON.parse(text) as HttpAnswer['json']) : {};
  } catch {
    // an HTML page (the OAuth callback)
  }
  return { status: res.status, json, text, setCookies: res.headers.getSetCookie() };
}

function cookieOf(answer: HttpAnswer, name: string): string {
  const value = answer.setCookies.map((c) => new RegExp(`^${name}=([^;]+)`).exec(c)?.[1]).find((v) => v !== undefined);
  if (value === undefined) throw new Error(`no ${name} cookie in the answer (${answer.status} ${answer.text.slice(0, 300)})`);
  return `${name}=${value}`;
}

/** A user signed up over HTTP: their session cookie, an API key, and a Workspace-plan workspace. */
export interface HttpTenant {
  cookie: string;
  apiKey: string;
  ws: string;
}

/**
 * Signs up the first user (the instance admin) on a server process whose PUBLIC_ORIGIN is its
 * own URL, makes an API key and a team workspace.
 */
export async function signUpOverHttp(base: string, email = 'ops@example.com'): Promise<HttpTenant> {
  const signup = await httpCall(base, 'POST', '/api/v1/auth/signup', { body: { email, password: 'a very memorable passphrase 42' } });
  if (signup.status !== 201) throw new Error(`signup failed: ${signup.status} ${signup.text}`);
  const cookie = cookieOf(signup, 'tether_session');
  const key = await httpCall(base, 'POST', '/api/v1/api-keys', { cookie, body: { name: 'runtime' } });
  if (key.status !== 201) throw new Error(`api key failed: ${key.status} ${key.text}`);
  const apiKey = String(key.json.key);
  const ws = await httpCall(base, 'POST', '/api/v1/workspaces', { bearer: apiKey, body: { name: 'Team' } });
  if (ws.status !== 201) throw new Error(`workspace failed: ${ws.status} ${ws.text}`);
  return { cookie, apiKey, ws: String(ws.json.id) };
}

/**
 * Connects an account through the whole HTTP flow on one server process: start (keeping the
 * `tether_flow` cookie), the End-User at the provider (`authorize`), then the browser's return
 * to that server's `/oauth/callback`. Returns the new connection id.
 */
export async function connectOverHttp(
  base: string,
  tenant: HttpTenant,
  authorize: (authorizationUrl: string) => Promise<URL>,
  domain = 'acme',
): Promise<string> {
  const started = await httpCall(base, 'POST', `/api/v1/workspaces/${tenant.ws}/connect`, { cookie: tenant.cookie, body: { domain } });
  if (started.status !== 201) throw new Error(`connect failed: ${started.status} ${started.text}`);
  const flow = cookieOf(started, 'tether_flow');
  const callback = await authorize(String(started.json.authorizationUrl));
  // The browser returns to the server that started the flow.
  const back = new URL(`${callback.pathname}${callback.search}`, base);
  const page = await httpCall(base, 'GET', `${back.pathname}${back.search}`, { cookie: flow });
  const id = /"type":"tether:connected","connectionId":"([^"]+)"/.exec(page.text)?.[1];
  if (page.status !== 200 || id === undefined) throw new Error(`callback failed: ${page.status} ${page.text.slice(0, 600)}`);
  return id;
}
