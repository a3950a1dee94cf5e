/**
 * Microsoft's quirks, proved through Tether's HTTP API: the admin registers the built-in
 * `microsoft` domain pointed at the loopback Entra emulator (URLs with `{tenant}`, plus a tenant
 * setting), a user starts a connect, the test plays the browser and Tether completes the flow.
 * See docs/providers.md.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { entraErrors, startMicrosoftEmulator, type MicrosoftEmulator } from './peers/microsoft.ts';
import { connectWorld, countConnections, deliverCallback, type ConnectWorld } from './helpers/oauth.ts';
import { testDbKind } from './helpers/db.ts';
import { emulatedConnect } from './helpers/emulated.ts';

const CLIENT_ID = '6731de76-14a6-49ae-97bc-6eba6914391e';
const CLIENT_SECRET = 'ms~emulator~client~secret';
const TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';

describe(`Microsoft quirks through Tether's connect flow on ${testDbKind}`, () => {
  let emu: MicrosoftEmulator;
  let w: ConnectWorld;
  const { startConnect, browse, connectOnce, connection } = emulatedConnect(() => w, 'microsoft');

  /** Registers (or updates) the `microsoft` app with these overrides; answers the masked app view. */
  async function registerApp(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const put = await w.admin.put('/api/v1/admin/oauth-apps/microsoft', {
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      authorizeUrl: emu.templates.authorize,
      tokenUrl: emu.templates.token,
      issuer: emu.templates.issuer,
      userinfoUrl: emu.endpoints.userinfo,
      ...body,
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    return put.json.app as Record<string, unknown>;
  }

  before(async () => {
    emu = await startMicrosoftEmulator({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, tenantId: TENANT_ID });
    w = await connectWorld();
    await registerApp({});
  });
  afterEach(async () => {
    emu.scenario.authorizeError = undefined;
    await registerApp({});
  });
  after(async () => {
    await w.t.close();
    await emu.close();
  });

  const codeGrants = () => emu.calls.token['authorization_code'] ?? 0;

  test('the tenant setting (organizations, a tenant id) builds the authorize and token URLs, and Microsoft sees that tenant', async () => {
    for (const tenant of ['organizations', TENANT_ID]) {
      const app = await registerApp({ tenant });
      assert.equal(app.tenant, tenant);
      assert.equal(app.authorizeUrl, `${emu.baseUrl}/${tenant}/oauth2/v2.0/authorize`);
      assert.equal(app.tokenUrl, `${emu.baseUrl}/${tenant}/oauth2/v2.0/token`);
      const seen = emu.calls.tenantsSeen.length;
      const { id, url } = await connectOnce();
      assert.equal(url.pathname, `/${tenant}/oauth2/v2.0/authorize`);
      assert.deepEqual(emu.calls.tenantsSeen.slice(seen), [tenant, tenant], 'authorize, then token, both on the configured tenant');
      assert.equal((await connection(id)).status, 'active');
    }
    // A single-tenant app pins the ID token issuer to that tenant.
    const pinned = await registerApp({ tenant: TENANT_ID });
    assert.equal(pinned.issuer, `${emu.baseUrl}/${TENANT_ID}/v2.0`);
  });

  test('offline_access is always requested (even when the admin left it out) and the refresh token is stored', async () => {
    await registerApp({ scopes: 'openid profile User.Read' });
    const { id, url } = await connectOnce();
    const requested = (url.searchParams.get('scope') ?? '').split(' ');
    assert.ok(requested.includes('offline_access'), `scope=${url.searchParams.get('scope')}`);
    assert.ok((emu.calls.lastAuthorize?.get('scope') ?? '').split(' ').includes('offline_access'));
    const row = await w.t.store.db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.match(row.refresh_token ?? '', /^tv1\./);
    const refresh = w.t.envelope.open(row.refresh_token ?? '', { table: 'connections', id, field: 'refresh_token' }).reveal();
    assert.equal(refresh, emu.issuedRefreshTokens.at(-1), 'the refresh token Microsoft issued for this grant');
    const c = await connection(id);
    // Microsoft never echoes offline_access in `scope`; the refresh token proves it was granted.
    assert.deepEqual([...(c.scopes as string[])].sort(), ['User.Read', 'offline_access', 'openid', 'profile']);
    assert.equal(emu.calls.lastClientAuth, 'client_secret_post');
  });

  test('the account is <tid>:<oid>, shown as preferred_username', async () => {
    const previous = emu.user;
    emu.user = { oid: '00000000-0000-0000-66f3-3332eca7ea81', preferredUsername: 'megan@contoso.example', name: 'Megan Bowen' };
    try {
      const { id } = await connectOnce();
      const c = await connection(id);
      assert.equal(c.accountId, `${TENANT_ID}:00000000-0000-0000-66f3-3332eca7ea81`);
      assert.equal(c.accountName, 'megan@contoso.example');
      assert.equal(c.name, 'Microsoft – megan@contoso.example');
    } finally {
      emu.user = previous;
    }
  });

  test('multi-tenant common: the {tenantid} issuer is accepted by matching the ID token tid', async () => {
    const app = await registerApp({ tenant: 'common' });
    assert.equal(app.tenant, 'common');
    assert.equal(app.issuer, `${emu.baseUrl}/{tenantid}/v2.0`, 'the issuer is the multi-tenant template');
    const seen = emu.calls.tenantsSeen.length;
    const before = await countConnections(w.t);
    const { id } = await connectOnce();
    assert.deepEqual(emu.calls.tenantsSeen.slice(seen), ['common', 'common']);
    assert.equal(await countConnections(w.t), before + 1);
    const c = await connection(id);
    assert.equal(c.status, 'active');
    assert.ok((c.accountId as string).startsWith(`${TENANT_ID}:`), 'the tenant comes from the validated ID token');
  });

  test('AADSTS90094 (admin consent required) ends on the admin-approval page naming the Entra admin-consent step; no connection', async () => {
    emu.scenario.authorizeError = entraErrors.adminConsentRequired;
    const { url, cookie } = await startConnect();
    const back = await browse(url);
    assert.match(back.searchParams.get('error_description') ?? '', /^AADSTS90094:/);
    const count = await countConnections(w.t);
    const grants = codeGrants();
    const page = await deliverCallback(w.t, back, cookie);
    assert.equal(page.status, 400);
    assert.match(page.html, /An administrator must approve this app first/);
    assert.match(page.html, /Microsoft Entra administrator must grant consent/);
    assert.match(page.html, /Microsoft Entra admin center → Enterprise applications → the app → Permissions → Grant admin consent/);
    assert.match(page.html, /Provider code: AADSTS90094/);
    assert.equal(await countConnections(w.t), count);
    assert.equal(codeGrants(), grants);
  });

  test('AADSTS65004 (the user declined consent) ends on the denied page; no connection', async () => {
    emu.scenario.authorizeError = entraErrors.userDeclinedConsent;
    const { url, cookie } = await startConnect();
    const back = await browse(url);
    const count = await countConnections(w.t);
    const page = await deliverCallback(w.t, back, cookie);
    assert.equal(page.status, 400);
    assert.match(page.html, /Access was not granted/);
    assert.match(page.html, /declined to give this app consent at Microsoft/);
    assert.match(page.html, /Provider code: AADSTS65004/);
    assert.doesNotMatch(page.html, /administrator must approve/);
    assert.equal(await countConnections(w.t), count);
  });
});
