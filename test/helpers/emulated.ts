import assert from 'node:assert/strict';
import { connectedIdOf, deliverCallback, flowCookieOf, type ConnectWorld } from './oauth.ts';

export const REDIRECT = 'http://localhost:3000/oauth/callback';

/**
 * The steps every emulated-provider test repeats: start a connect for `domain`, play the browser
 * at an emulator whose authorize endpoint redirects straight back, deliver the callback to
 * Tether, and read the connection (API view and sealed row). `world` is read at call time
 * because suites create it in `before`.
 */
export function emulatedConnect(world: () => ConnectWorld, domain: string) {
  async function startConnect(body: Record<string, unknown> = {}) {
    const w = world();
    const res = await w.admin.post(`/api/v1/workspaces/${w.ws}/connect`, { domain, ...body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return { url: new URL(res.json.authorizationUrl as string), cookie: flowCookieOf(res) };
  }

  /** The browser at the provider: the emulator redirects straight back to the redirect URI. */
  async function browse(url: URL): Promise<URL> {
    const res = await fetch(url, { redirect: 'manual' });
    assert.equal(res.status, 302, await res.text());
    const back = new URL(res.headers.get('location') ?? '');
    assert.equal(`${back.origin}${back.pathname}`, REDIRECT);
    return back;
  }

  /** Connect → provider → callback; returns the new connection's id. */
  async function connectOnce(body: Record<string, unknown> = {}) {
    const { url, cookie } = await startConnect(body);
    const page = await deliverCallback(world().t, await browse(url), cookie);
    assert.equal(page.status, 200, page.html);
    return { id: connectedIdOf(page.html), url };
  }

  async function connection(id: string) {
    const res = await world().admin.get(`/api/v1/connections/${id}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.json;
  }

  async function sealedTokens(id: string) {
    const { t } = world();
    const row = await t.store.db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const open = (value: string | null, field: string) => (value === null ? null : t.envelope.open(value, { table: 'connections', id, field }).reveal());
    return { row, access: open(row.access_token, 'access_token'), refresh: open(row.refresh_token, 'refresh_token') };
  }

  return { startConnect, browse, connectOnce, connection, sealedTokens };
}
