import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOidcProvider, type OidcPeer } from './peers/oidc-provider.ts';
import { Client, signedUp, type Answer } from './helpers/app.ts';
import { connectWorld, connectedIdOf, deliverCallback, flowCookieOf, type ConnectWorld } from './helpers/oauth.ts';
import { testDbKind } from './helpers/db.ts';

const PEER_SECRET = 'peer-client-secret-0123456789';
const REDIRECT = 'http://localhost:3000/oauth/callback';

interface FieldProblem {
  field: string;
  location: string;
  message: string;
}

function fieldsOf(answer: Answer): string[] {
  return (answer.json.error.details.fields as FieldProblem[]).map((f) => f.field).sort();
}

describe(`OAuth apps (API.md "OAuth apps", SPEC §2) on ${testDbKind}`, () => {
  let peer: OidcPeer;
  let w: ConnectWorld;
  let bob: Client;
  let bobPersonalWs: string;

  before(async () => {
    peer = await startOidcProvider({ clients: [{ clientId: 'tether-test', clientSecret: PEER_SECRET, redirectUris: [REDIRECT] }] });
    w = await connectWorld();
    const b = await signedUp(w.t, 'bob@example.com', { admin: w.admin });
    bob = b.client;
    bobPersonalWs = b.personalWs;
  });
  after(async () => {
    await w.t.close();
    await peer.close();
  });

  /** A complete, valid custom-domain body. */
  function customApp(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      clientId: 'crm-client',
      clientSecret: 'crm-secret-value-0001',
      authorizeUrl: 'https://crm.example.com/oauth/authorize',
      tokenUrl: 'https://crm.example.com/oauth/token',
      scopes: 'contacts.read deals.read',
      ...overrides,
    };
  }

  /** The peer as a custom domain, so connects really complete. */
  async function registerPeerApp(domain: string): Promise<void> {
    const put = await w.admin.put(`/api/v1/admin/oauth-apps/${domain}`, {
      clientId: 'tether-test',
      clientSecret: PEER_SECRET,
      authorizeUrl: `${peer.issuer}/auth`,
      tokenUrl: `${peer.issuer}/token`,
      issuer: peer.issuer,
      scopes: 'openid email offline_access',
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
  }

  async function connectThroughPeer(domain: string, accountId: string): Promise<string> {
    const start = await w.admin.post(`/api/v1/workspaces/${w.ws}/connect`, { domain });
    assert.equal(start.status, 201, JSON.stringify(start.body));
    const callback = await peer.authorize(start.json.authorizationUrl as string, { accountId });
    const page = await deliverCallback(w.t, callback, flowCookieOf(start));
    assert.equal(page.status, 200, page.html);
    return connectedIdOf(page.html);
  }

  async function storedSecretOf(domain: string): Promise<{ sealed: string; plain: string; last4: string }> {
    const row = await w.t.store.db.selectFrom('oauth_apps').select(['client_secret', 'secret_last4']).where('domain', '=', domain).executeTakeFirstOrThrow();
    const plain = w.t.envelope.open(row.client_secret, { table: 'oauth_apps', id: domain, field: 'client_secret' }).reveal();
    return { sealed: row.client_secret, plain, last4: row.secret_last4 };
  }

  async function appsList(): Promise<Record<string, unknown>[]> {
    const res = await w.admin.get('/api/v1/admin/oauth-apps');
    assert.equal(res.status, 200);
    return res.json.apps as Record<string, unknown>[];
  }

  async function countSessions(): Promise<number> {
    const row = await w.t.store.db.selectFrom('connect_sessions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  type Entry = { domain: string; displayName: string; builtIn: boolean; configured: boolean; defaultScopes: string[] };
  async function catalogAs(client: Client): Promise<Map<string, Entry>> {
    const res = await client.get('/api/v1/providers');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return new Map((res.body as Entry[]).map((e) => [e.domain, e]));
  }

  test('GET /providers (any signed-in user): google, microsoft, slack built in; configured follows registration; custom domains listed once configured', async () => {
    assert.equal((await new Client(w.t).get('/api/v1/providers')).status, 401);

    const initial = await catalogAs(bob);
    assert.deepEqual([...initial.keys()].sort(), ['google', 'microsoft', 'slack']);
    for (const domain of ['google', 'microsoft', 'slack']) {
      const entry = initial.get(domain);
      assert.equal(entry?.builtIn, true, domain);
      assert.equal(entry.configured, false, domain);
      assert.ok(entry.displayName.length > 0);
      assert.ok(entry.defaultScopes.length > 0, `${domain} has catalog default scopes`);
    }
    assert.deepEqual(initial.get('google')?.defaultScopes, ['openid', 'email']);

    assert.equal((await w.admin.put('/api/v1/admin/oauth-apps/slack', { clientId: 'slack-id', clientSecret: 'slack-secret-1234' })).status, 200);
    assert.equal((await w.admin.put('/api/v1/admin/oauth-apps/catalog-crm', customApp())).status, 200);
    const after = await catalogAs(bob);
    assert.equal(after.get('slack')?.configured, true);
    assert.equal(after.get('slack')?.builtIn, true);
    assert.equal(after.get('google')?.configured, false);
    assert.equal(after.get('microsoft')?.configured, false);
    assert.deepEqual(after.get('catalog-crm'), { domain: 'catalog-crm', displayName: 'catalog-crm', builtIn: false, configured: true, defaultScopes: ['contacts.read', 'deals.read'] });

    assert.equal((await w.admin.delete('/api/v1/admin/oauth-apps/slack')).status, 204);
    assert.equal((await w.admin.delete('/api/v1/admin/oauth-apps/catalog-crm')).status, 204);
    const cleaned = await catalogAs(bob);
    assert.equal(cleaned.get('slack')?.configured, false);
    assert.equal(cleaned.has('catalog-crm'), false, 'a deleted custom domain leaves the catalog');
  });

  test('a non-admin gets 403 admin_required on GET/PUT/DELETE /admin/oauth-apps…, and nothing changes', async () => {
    assert.equal((await w.admin.put('/api/v1/admin/oauth-apps/guarded', customApp())).status, 200);
    const before = await storedSecretOf('guarded');

    const answers = [
      await bob.get('/api/v1/admin/oauth-apps'),
      await bob.put('/api/v1/admin/oauth-apps/guarded', customApp({ clientId: 'hijacked', clientSecret: 'hijacked-secret' })),
      await bob.put('/api/v1/admin/oauth-apps/brand-new', customApp()),
      await bob.delete('/api/v1/admin/oauth-apps/guarded'),
      await bob.delete('/api/v1/admin/oauth-apps/not-there'),
    ];
    for (const res of answers) {
      assert.equal(res.status, 403, JSON.stringify(res.body));
      assert.equal(res.json.error.code, 'admin_required');
    }
    const apps = await appsList();
    const guarded = apps.find((a) => a.domain === 'guarded');
    assert.equal(guarded?.clientId, 'crm-client');
    assert.equal(apps.some((a) => a.domain === 'brand-new'), false);
    assert.deepEqual(await storedSecretOf('guarded'), before);
  });

  test('anonymous callers get 401 unauthenticated on GET/PUT/DELETE /admin/oauth-apps…', async () => {
    const anon = new Client(w.t);
    for (const res of [
      await anon.get('/api/v1/admin/oauth-apps'),
      await anon.put('/api/v1/admin/oauth-apps/anon-app', customApp()),
      await anon.delete('/api/v1/admin/oauth-apps/guarded'),
    ]) {
      assert.equal(res.status, 401, JSON.stringify(res.body));
      assert.equal(res.json.error.code, 'unauthenticated');
    }
    const apps = await appsList();
    assert.equal(apps.some((a) => a.domain === 'anon-app'), false);
    assert.equal(apps.some((a) => a.domain === 'guarded'), true);
  });

  test('PUT a custom domain with every field → 200 {app}, secret masked as "•••• last4", sealed at rest, never in answers or logs', async () => {
    const secret = 'Full-Custom-Secret-Value-7Q9z';
    const body = {
      clientId: 'full-client-id',
      clientSecret: secret,
      authorizeUrl: 'https://full.example.com/oauth2/authorize',
      tokenUrl: 'https://full.example.com/oauth2/token',
      scopes: 'read write  admin',
      revocationUrl: 'https://full.example.com/oauth2/revoke',
      userinfoUrl: 'https://full.example.com/oauth2/userinfo',
      issuer: 'https://full.example.com',
      authorizeParams: { prompt: 'consent', access_type: 'offline' },
      apiBaseUrl: 'https://api.full.example.com/v2',
      tokenEndpointAuthMethod: 'client_secret_post',
    };
    const res = await w.admin.put('/api/v1/admin/oauth-apps/full-crm', body);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(Object.keys(res.json), ['app']);
    const app = res.json.app as Record<string, unknown>;
    assert.deepEqual(
      Object.keys(app).sort(),
      ['apiBaseUrl', 'authorizeParams', 'authorizeUrl', 'builtIn', 'clientId', 'clientSecret', 'displayName', 'domain', 'issuer', 'revocationUrl', 'scopes', 'tokenEndpointAuthMethod', 'tokenUrl', 'updatedAt', 'userinfoUrl'],
    );
    assert.equal(app.domain, 'full-crm');
    assert.equal(app.builtIn, false);
    assert.equal(app.clientId, 'full-client-id');
    assert.equal(app.clientSecret, '•••• 7Q9z');
    assert.equal(app.authorizeUrl, body.authorizeUrl);
    assert.equal(app.tokenUrl, body.tokenUrl);
    assert.equal(app.scopes, 'read write admin');
    assert.equal(app.revocationUrl, body.revocationUrl);
    assert.equal(app.userinfoUrl, body.userinfoUrl);
    assert.equal(app.issuer, body.issuer);
    assert.deepEqual(app.authorizeParams, body.authorizeParams);
    assert.equal(app.apiBaseUrl, body.apiBaseUrl);
    assert.equal(app.tokenEndpointAuthMethod, 'client_secret_post');
    assert.match(app.updatedAt as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.ok(Math.abs(new Date(app.updatedAt as string).getTime() - Date.now()) < 60_000);

    const listed = await w.admin.get('/api/v1/admin/oauth-apps');
    assert.deepEqual((listed.json.apps as Record<string, unknown>[]).find((a) => a.domain === 'full-crm'), app);

    const stored = await storedSecretOf('full-crm');
    assert.match(stored.sealed, /^tv1\./);
    assert.ok(!stored.sealed.includes(secret));
    assert.equal(stored.plain, secret);
    // The seal is bound to its row: the same value does not open as another domain's secret.
    assert.throws(() => w.t.envelope.open(stored.sealed, { table: 'oauth_apps', id: 'guarded', field: 'client_secret' }));

    assert.ok(!JSON.stringify(res.body).includes(secret), 'not in the PUT answer');
    assert.ok(!JSON.stringify(listed.body).includes(secret), 'not in GET');
    assert.ok(!JSON.stringify(listed.body).includes(secret.slice(0, -4)), 'no more than the last 4 characters anywhere');
    assert.ok(w.t.logs.text.length > 0);
    assert.ok(!w.t.logs.text.includes(secret), 'not in the logs');
  });

  test('PUT without clientSecret on create → 400 invalid_request naming clientSecret; nothing stored', async () => {
    const { clientSecret: _omitted, ...body } = customApp();
    for (const payload of [body, { ...body, clientSecret: '' }, { ...body, clientSecret: '   ' }]) {
      const res = await w.admin.put('/api/v1/admin/oauth-apps/no-secret', payload);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.json.error.code, 'invalid_request');
      assert.deepEqual(fieldsOf(res), ['clientSecret']);
    }
    assert.equal((await appsList()).some((a) => a.domain === 'no-secret'), false);
  });

  test('a custom domain without authorizeUrl and tokenUrl → 400 naming both', async () => {
    const res = await w.admin.put('/api/v1/admin/oauth-apps/no-urls', { clientId: 'x', clientSecret: 'no-urls-secret' });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.json.error.code, 'invalid_request');
    assert.deepEqual(fieldsOf(res), ['authorizeUrl', 'tokenUrl']);
    assert.equal((await appsList()).some((a) => a.domain === 'no-urls'), false);
  });

  test('a plain-http URL on a non-loopback host (or a relative one) → 400 naming that field', async () => {
    for (const field of ['authorizeUrl', 'tokenUrl', 'revocationUrl', 'userinfoUrl', 'issuer', 'apiBaseUrl']) {
      for (const bad of ['http://crm.example.com/oauth', '/oauth/token']) {
        const res = await w.admin.put('/api/v1/admin/oauth-apps/insecure', customApp({ [field]: bad }));
        assert.equal(res.status, 400, `${field}=${bad}: ${JSON.stringify(res.body)}`);
        assert.equal(res.json.error.code, 'invalid_request');
        assert.deepEqual(fieldsOf(res), [field], `${field}=${bad}`);
      }
    }
    assert.equal((await appsList()).some((a) => a.domain === 'insecure'), false);
  });

  test('plain http on loopback hosts (127.0.0.1, localhost) is accepted', async () => {
    const res = await w.admin.put(
      '/api/v1/admin/oauth-apps/loopback',
      customApp({ authorizeUrl: 'http://127.0.0.1:4567/authorize', tokenUrl: 'http://localhost:4567/token', userinfoUrl: 'http://localhost:4567/userinfo' }),
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.json.app.authorizeUrl, 'http://127.0.0.1:4567/authorize');
    assert.equal(res.json.app.tokenUrl, 'http://localhost:4567/token');
    assert.equal(res.json.app.userinfoUrl, 'http://localhost:4567/userinfo');
  });

  test('an unknown body field → 400 invalid_request naming it; nothing stored', async () => {
    const res = await w.admin.put('/api/v1/admin/oauth-apps/extra-field', customApp({ clientSecretPlain: 'x', redirectUri: 'https://evil.example/cb' }));
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.json.error.code, 'invalid_request');
    assert.deepEqual(fieldsOf(res), ['clientSecretPlain', 'redirectUri']);
    assert.equal((await appsList()).some((a) => a.domain === 'extra-field'), false);
  });

  test('an error answer never contains the submitted secret (service and schema validation), nor do the logs', async () => {
    const secret = 'Recognizable-Secret-Do-Not-Echo-5150';
    const answers = [
      await w.admin.put('/api/v1/admin/oauth-apps/leaky', customApp({ clientSecret: secret, tokenUrl: 'http://crm.example.com/token' })),
      await w.admin.put('/api/v1/admin/oauth-apps/leaky', customApp({ clientSecret: secret, unknownThing: true })),
      await w.admin.put('/api/v1/admin/oauth-apps/leaky', customApp({ clientSecret: secret, clientId: '' })),
      await w.admin.put('/api/v1/admin/oauth-apps/Leaky_Domain', customApp({ clientSecret: secret })),
    ];
    for (const res of answers) {
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.json.error.code, 'invalid_request');
      const text = JSON.stringify(res.body);
      assert.ok(!text.includes(secret), `the secret is echoed: ${text}`);
      assert.ok(!text.includes(secret.slice(-4)), 'not even its last 4 characters');
    }
    assert.ok(!w.t.logs.text.includes(secret), 'the secret reached the log');
    assert.equal((await appsList()).some((a) => a.domain === 'leaky'), false);
  });

  test('an update with a blank or absent clientSecret keeps the stored one while other fields change', async () => {
    const secret = 'keep-me-secret-KEEP';
    assert.equal((await w.admin.put('/api/v1/admin/oauth-apps/keeper', customApp({ clientSecret: secret }))).status, 200);
    const original = await storedSecretOf('keeper');
    assert.equal(original.plain, secret);

    const blank = await w.admin.put('/api/v1/admin/oauth-apps/keeper', customApp({ clientSecret: '', clientId: 'renamed-client', scopes: 'contacts.write' }));
    assert.equal(blank.status, 200, JSON.stringify(blank.body));
    assert.equal(blank.json.app.clientId, 'renamed-client');
    assert.equal(blank.json.app.scopes, 'contacts.write');
    assert.equal(blank.json.app.clientSecret, '•••• KEEP');
    const afterBlank = await storedSecretOf('keeper');
    assert.equal(afterBlank.plain, secret);
    assert.equal(afterBlank.last4, 'KEEP');

    const { clientSecret: _absent, ...withoutSecret } = customApp({ tokenUrl: 'https://crm2.example.com/token' });
    const absent = await w.admin.put('/api/v1/admin/oauth-apps/keeper', withoutSecret);
    assert.equal(absent.status, 200, JSON.stringify(absent.body));
    assert.equal(absent.json.app.tokenUrl, 'https://crm2.example.com/token');
    assert.equal(absent.json.app.clientId, 'crm-client');
    assert.equal(absent.json.app.clientSecret, '•••• KEEP');
    assert.ok(new Date(absent.json.app.updatedAt as string).getTime() >= new Date(blank.json.app.updatedAt as string).getTime());
    const afterAbsent = await storedSecretOf('keeper');
    assert.equal(afterAbsent.plain, secret);
    assert.equal(afterAbsent.last4, 'KEEP');
  });

  test('an update with a new clientSecret replaces the stored one', async () => {
    assert.equal((await w.admin.put('/api/v1/admin/oauth-apps/rotator', customApp({ clientSecret: 'first-secret-AAAA' }))).status, 200);
    const first = await storedSecretOf('rotator');
    const res = await w.admin.put('/api/v1/admin/oauth-apps/rotator', customApp({ clientSecret: 'second-secret-BBBB' }));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.json.app.clientSecret, '•••• BBBB');
    const second = await storedSecretOf('rotator');
    assert.equal(second.plain, 'second-secret-BBBB');
    assert.equal(second.last4, 'BBBB');
    assert.notEqual(second.sealed, first.sealed);
    assert.match(second.sealed, /^tv1\./);
    const listed = (await appsList()).find((a) => a.domain === 'rotator');
    assert.equal(listed?.clientSecret, '•••• BBBB');
  });

  test('a built-in domain (google) with only clientId + clientSecret takes URLs and default scopes from the catalog; a body tokenUrl overrides', async () => {
    const res = await w.admin.put('/api/v1/admin/oauth-apps/google', { clientId: 'g-client.apps.googleusercontent.com', clientSecret: 'GOCSPX-google-secret-g00g' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const app = res.json.app;
    assert.equal(app.domain, 'google');
    assert.equal(app.builtIn, true);
    assert.equal(app.displayName, 'Google');
    assert.equal(app.clientSecret, '•••• g00g');
    assert.equal(new URL(app.authorizeUrl as string).host, 'accounts.google.com');
    assert.equal(app.authorizeUrl, 'https://accounts.google.com/o/oauth2/v2/auth');
    assert.equal(app.tokenUrl, 'https://oauth2.googleapis.com/token');
    assert.equal(app.scopes, 'openid email');
    assert.equal(app.issuer, 'https://accounts.google.com');
    // The catalog's URLs are not copied into the row: a later catalog fix reaches existing apps.
    const row = await w.t.store.db.selectFrom('oauth_apps').selectAll().where('domain', '=', 'google').executeTakeFirstOrThrow();
    assert.equal(row.token_url, null);
    assert.equal(row.authorize_url, null);

    const overridden = await w.admin.put('/api/v1/admin/oauth-apps/google', { clientId: 'g-client.apps.googleusercontent.com', tokenUrl: 'http://127.0.0.1:9999/token' });
    assert.equal(overridden.status, 200, JSON.stringify(overridden.body));
    assert.equal(overridden.json.app.tokenUrl, 'http://127.0.0.1:9999/token');
    assert.equal(overridden.json.app.authorizeUrl, 'https://accounts.google.com/o/oauth2/v2/auth');
    assert.equal(overridden.json.app.clientSecret, '•••• g00g');
    const listed = (await appsList()).find((a) => a.domain === 'google');
    assert.equal(listed?.tokenUrl, 'http://127.0.0.1:9999/token');
    assert.equal((await catalogAs(bob)).get('google')?.configured, true);
  });

  test('GET /admin/oauth-apps → redirectUri is PUBLIC_ORIGIN/oauth/callback', async () => {
    const res = await w.admin.get('/api/v1/admin/oauth-apps');
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.json).sort(), ['apps', 'redirectUri']);
    assert.equal(res.json.redirectUri, 'http://localhost:3000/oauth/callback');
    assert.equal(res.json.redirectUri, `${w.t.config.publicOrigin}/oauth/callback`);
  });

  test('DELETE → 204; again → 404 provider_not_configured; a connect afterwards → 404 provider_not_configured', async () => {
    await registerPeerApp('doomed');
    const ok = await w.admin.post(`/api/v1/workspaces/${w.ws}/connect`, { domain: 'doomed' });
    assert.equal(ok.status, 201, 'connectable before the delete');

    const del = await w.admin.delete('/api/v1/admin/oauth-apps/doomed');
    assert.equal(del.status, 204);
    assert.equal(del.body, null);
    assert.equal((await appsList()).some((a) => a.domain === 'doomed'), false);
    assert.equal(await w.t.store.db.selectFrom('oauth_apps').select('domain').where('domain', '=', 'doomed').executeTakeFirst(), undefined);

    const again = await w.admin.delete('/api/v1/admin/oauth-apps/doomed');
    assert.equal(again.status, 404);
    assert.equal(again.json.error.code, 'provider_not_configured');

    const sessions = await countSessions();
    const connect = await w.admin.post(`/api/v1/workspaces/${w.ws}/connect`, { domain: 'doomed' });
    assert.equal(connect.status, 404, JSON.stringify(connect.body));
    assert.equal(connect.json.error.code, 'provider_not_configured');
    assert.equal(await countSessions(), sessions);
  });

  test("deleting an app moves that domain's connections to reauthorize with a reason; other domains stay active", async () => {
    await registerPeerApp('acme');
    await registerPeerApp('bystander');
    const acmeId = await connectThroughPeer('acme', 'alice');
    const otherId = await connectThroughPeer('bystander', 'bob');
    const before = await w.admin.get(`/api/v1/connections/${acmeId}`);
    assert.equal(before.json.status, 'active');
    assert.equal(before.json.statusReason, null);

    assert.equal((await w.admin.delete('/api/v1/admin/oauth-apps/acme')).status, 204);

    const gone = await w.admin.get(`/api/v1/connections/${acmeId}`);
    assert.equal(gone.status, 200);
    assert.equal(gone.json.status, 'reauthorize');
    assert.equal(typeof gone.json.statusReason, 'string');
    assert.match(gone.json.statusReason as string, /acme/);
    assert.match(gone.json.statusReason as string, /removed/);
    const other = await w.admin.get(`/api/v1/connections/${otherId}`);
    assert.equal(other.json.status, 'active');
    assert.equal(other.json.statusReason, null);
  });

  test('connect for an unknown domain → 404 provider_not_configured; nothing created', async () => {
    const sessions = await countSessions();
    for (const domain of ['never-registered', 'microsoft']) {
      const res = await w.admin.post(`/api/v1/workspaces/${w.ws}/connect`, { domain });
      assert.equal(res.status, 404, `${domain}: ${JSON.stringify(res.body)}`);
      assert.equal(res.json.error.code, 'provider_not_configured');
      assert.equal(res.headers['set-cookie'], undefined, 'no flow cookie');
    }
    assert.equal(await countSessions(), sessions);
  });

  test('connect on a personal-plan workspace → 403 plan_required; no connect session is created', async () => {
    await registerPeerApp('planned');
    const sessions = await countSessions();
    for (const [client, ws] of [
      [w.admin, w.personalWs],
      [bob, bobPersonalWs],
    ] as const) {
      const res = await client.post(`/api/v1/workspaces/${ws}/connect`, { domain: 'planned' });
      assert.equal(res.status, 403, JSON.stringify(res.body));
      assert.equal(res.json.error.code, 'plan_required');
      assert.equal(res.headers['set-cookie'], undefined, 'no flow cookie');
    }
    assert.equal(await countSessions(), sessions);
    // The same domain connects fine on the Workspace-plan workspace.
    assert.equal((await w.admin.post(`/api/v1/workspaces/${w.ws}/connect`, { domain: 'planned' })).status, 201);
    assert.equal(await countSessions(), sessions + 1);
  });

  test('/openapi.json documents /admin/oauth-apps/{domain} and /workspaces/{ws}/connect', async () => {
    const res = await w.t.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(res.statusCode, 200);
    const doc = res.json<{ paths: Record<string, Record<string, { requestBody?: unknown; responses?: Record<string, unknown> }>> }>();
    const app = doc.paths['/api/v1/admin/oauth-apps/{domain}'];
    assert.ok(app?.put?.requestBody, 'PUT with its body');
    assert.ok(app.put.responses?.['200'] && app.put.responses['400'] && app.put.responses['403']);
    assert.ok(app.delete?.responses?.['204'] && app.delete.responses['404']);
    assert.ok(doc.paths['/api/v1/admin/oauth-apps']?.get);
    assert.ok(doc.paths['/api/v1/providers']?.get);
    const connect = doc.paths['/api/v1/workspaces/{ws}/connect']?.post;
    assert.ok(connect?.requestBody, 'POST connect with its body');
    assert.ok(connect.responses?.['201'] && connect.responses['403'] && connect.responses['404']);
  });
});
