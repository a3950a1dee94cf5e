import { DEMO_SCOPES, type DemoProvider } from './demo-provider.ts';

/**
 * Prepares a running Tether for the demo over its public HTTP API, idempotently: the admin
 * account (signed up on an empty instance, signed in otherwise), a Workspace-plan workspace,
 * and the demo provider registered as the custom OAuth domain `demo`.
 */

export const DEMO_ADMIN = { email: 'admin@demo.local', password: 'tether-demo-password', name: 'Demo Admin' } as const;
export const DEMO_WORKSPACE = 'Demo team';

/** The OAuth app body (`PUT /api/v1/admin/oauth-apps/demo`) for the demo provider. */
export function demoAppBody(provider: Pick<DemoProvider, 'issuer' | 'clientId' | 'clientSecret'>, options: { consentEveryTime?: boolean } = {}) {
  return {
    clientId: provider.clientId,
    clientSecret: provider.clientSecret,
    scopes: DEMO_SCOPES,
    authorizeUrl: `${provider.issuer}/auth`,
    tokenUrl: `${provider.issuer}/token`,
    revocationUrl: `${provider.issuer}/token/revocation`,
    userinfoUrl: `${provider.issuer}/me`,
    issuer: provider.issuer,
    // The proxy's only allowed origin; the demo API is the userinfo endpoint, GET /me.
    apiBaseUrl: provider.issuer,
    // Show the consent screen on every Connect, even when the provider remembers the grant.
    ...(options.consentEveryTime === false ? {} : { authorizeParams: { prompt: 'consent' } }),
  };
}

/** A signed-in caller of Tether's API: the session cookie and the server's own Origin. */
export class TetherSession {
  constructor(
    readonly server: TetherAddress,
    readonly cookie: string,
  ) {}

  async call<T = Record<string, unknown>>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<{ status: number; json: T }> {
    return call<T>(this.server, method, path, body, this.cookie);
  }
}

/**
 * Where to reach Tether (`base`) and its PUBLIC_ORIGIN, sent as `Origin` on state changes as
 * the web app's own requests are (Tether refuses cookie-authenticated requests from elsewhere).
 */
export interface TetherAddress {
  readonly base: string;
  readonly origin: string;
}

async function call<T>(server: TetherAddress, method: string, path: string, body: unknown, cookie: string | null): Promise<{ status: number; json: T; setCookie: string[] }> {
  const base = server.base;
  const headers: Record<string, string> = { accept: 'application/json', origin: server.origin };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (cookie) headers.cookie = cookie;
  const res = await fetch(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : {}) as T, setCookie: res.headers.getSetCookie() };
}

function sessionCookie(setCookie: readonly string[]): string {
  const value = setCookie.map((c) => /^tether_session=([^;]+)/.exec(c)?.[1]).find((v) => v !== undefined);
  if (value === undefined) throw new Error('Tether answered without a session cookie');
  return `tether_session=${value}`;
}

/** Signs in as `email`, or signs up first when no such account exists yet. */
export async function ensureAccount(server: TetherAddress, account: { email: string; password: string; name?: string }): Promise<TetherSession> {
  const login = await call(server, 'POST', '/api/v1/auth/login', { email: account.email, password: account.password }, null);
  if (login.status === 200) return new TetherSession(server, sessionCookie(login.setCookie));
  const signup = await call<{ error?: { message?: string } }>(server, 'POST', '/api/v1/auth/signup', account, null);
  if (signup.status === 201) return new TetherSession(server, sessionCookie(signup.setCookie));
  throw new Error(
    signup.status === 409
      ? `${account.email} exists with another password: sign in with yours, or delete the demo data folder to start over`
      : `cannot sign up ${account.email}: ${signup.status} ${signup.json.error?.message ?? ''}`,
  );
}

interface MeAnswer {
  user: { isAdmin: boolean };
  workspaces: { id: string; name: string; plan: string }[];
}

/** The id of the caller's Workspace-plan workspace named `name`, created when missing. */
export async function ensureWorkspace(session: TetherSession, name: string): Promise<string> {
  const me = await session.call<MeAnswer>('GET', '/api/v1/me');
  const existing = me.json.workspaces.find((w) => w.name === name && w.plan === 'workspace');
  if (existing) return existing.id;
  const created = await session.call<{ id: string }>('POST', '/api/v1/workspaces', { name });
  if (created.status !== 201) throw new Error(`cannot create the workspace "${name}": ${created.status}`);
  return created.json.id;
}

interface AppsAnswer {
  redirectUri: string;
  apps: Record<string, unknown>[];
}

/**
 * Registers (or updates, when the provider's address or secret changed) the `demo` OAuth app.
 * Returns whether anything was written.
 */
export async function ensureDemoApp(session: TetherSession, body: ReturnType<typeof demoAppBody>, domain = 'demo'): Promise<boolean> {
  const list = await session.call<AppsAnswer>('GET', '/api/v1/admin/oauth-apps');
  if (list.status !== 200) throw new Error(`the demo admin cannot read the OAuth apps (${list.status}): is it the instance admin?`);
  const current = list.json.apps.find((a) => a.domain === domain);
  const same =
    current !== undefined &&
    current.clientSecret === `•••• ${body.clientSecret.slice(-4)}` &&
    (['clientId', 'authorizeUrl', 'tokenUrl', 'revocationUrl', 'userinfoUrl', 'issuer', 'apiBaseUrl', 'scopes'] as const).every((k) => current[k] === body[k]);
  if (same) return false;
  const put = await session.call<{ error?: { message?: string } }>('PUT', `/api/v1/admin/oauth-apps/${domain}`, body);
  if (put.status !== 200) throw new Error(`cannot register the ${domain} OAuth app: ${put.status} ${put.json.error?.message ?? ''}`);
  return true;
}
