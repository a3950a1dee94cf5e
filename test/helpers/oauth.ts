import type { Clock } from '../../src/core/clock.ts';
import type { Client} from './app.ts';
import { createTestApp, signedUp, type Answer, type TestApp } from './app.ts';

/** A clock that follows real time (the provider's) but can be moved ahead. */
export class ShiftableClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

export interface ConnectWorld {
  t: TestApp;
  clock: ShiftableClock;
  admin: Client;
  adminId: string;
  ws: string;
  personalWs: string;
}

/** A Tether app with an instance admin who owns a Workspace-plan workspace. */
export async function connectWorld(env: Record<string, string> = {}): Promise<ConnectWorld> {
  const clock = new ShiftableClock();
  const t = await createTestApp({ env, clock });
  const { client: admin, userId: adminId, personalWs } = await signedUp(t, 'admin@example.com');
  const ws = (await admin.post('/api/v1/workspaces', { name: 'Team' })).json.id as string;
  return { t, clock, admin, adminId, ws, personalWs };
}

/** The value of the flow-binding cookie a connect answer set. */
export function flowCookieOf(answer: Answer): string {
  const header = answer.headers['set-cookie'];
  const all = Array.isArray(header) ? header : [String(header ?? '')];
  const match = all.map((h) => /tether_flow=([^;]+)/.exec(h)).find((m) => m !== null);
  if (!match?.[1]) throw new Error('no tether_flow cookie was set');
  return match[1];
}

export interface CallbackAnswer {
  status: number;
  html: string;
  headers: Record<string, string | string[] | number | undefined>;
}

/** The browser returning from the provider: GET /oauth/callback with (or without) its flow cookie. */
export async function deliverCallback(t: TestApp, callbackUrl: URL | string, flowCookie: string | null): Promise<CallbackAnswer> {
  const url = new URL(callbackUrl);
  const res = await t.app.inject({
    method: 'GET',
    url: `${url.pathname}${url.search}`,
    headers: flowCookie === null ? {} : { cookie: `tether_flow=${flowCookie}` },
  });
  return { status: res.statusCode, html: res.body, headers: res.headers };
}

export async function countConnections(t: TestApp): Promise<number> {
  const row = await t.store.db.selectFrom('connections').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The connection id a success page posts to its opener. */
export function connectedIdOf(html: string): string {
  const match = /"type":"tether:connected","connectionId":"([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error(`not a success page:\n${html.slice(0, 600)}`);
  return match[1];
}

/** Registers the oidc-provider peer as the custom domain `acme` (discovery via its issuer). */
export async function registerPeerApp(w: ConnectWorld, issuer: string, clientSecret: string, extra: Record<string, unknown> = {}): Promise<void> {
  const put = await w.admin.put('/api/v1/admin/oauth-apps/acme', {
    clientId: 'tether-test',
    clientSecret,
    authorizeUrl: `${issuer}/auth`,
    tokenUrl: `${issuer}/token`,
    issuer,
    scopes: 'openid email offline_access api:read',
    ...extra,
  });
  if (put.status !== 200) throw new Error(`registering the app failed: ${put.status} ${JSON.stringify(put.body)}`);
}

/** Connects `accountId` at the peer through Tether's HTTP flow; returns the new connection id. */
export async function connectThroughPeer(
  w: ConnectWorld,
  peer: { authorize(url: URL | string, decision?: { accountId?: string }): Promise<URL> },
  accountId = 'alice',
  client = w.admin,
  ws = w.ws,
): Promise<string> {
  const res = await client.post(`/api/v1/workspaces/${ws}/connect`, { domain: 'acme' });
  if (res.status !== 201) throw new Error(`connect failed: ${res.status} ${JSON.stringify(res.body)}`);
  const callback = await peer.authorize(res.json.authorizationUrl as string, { accountId });
  const page = await deliverCallback(w.t, callback, flowCookieOf(res));
  return connectedIdOf(page.html);
}
