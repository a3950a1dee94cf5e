import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, signedUp } from './helpers/app.ts';
import { connectWorld, type ConnectWorld } from './helpers/oauth.ts';
import { testDbKind } from './helpers/db.ts';
import { builtInProviders } from '../src/oauth/providers/index.ts';
import { actionCatalog, actions } from '../src/services/runs.ts';

/** The two endpoints the web UI reads so it needs no hard-coded lists: provider templates and actions. */
describe(`UI support endpoints on ${testDbKind}`, () => {
  let w: ConnectWorld;
  let bob: Client;

  before(async () => {
    w = await connectWorld();
    bob = (await signedUp(w.t, 'bob@example.com', { admin: w.admin })).client;
  });
  after(() => w?.t.close());

  test('GET /admin/provider-templates gives each built-in domain its catalog endpoints and default scopes (instance admin only)', async () => {
    const res = await w.admin.get('/api/v1/admin/provider-templates');
    assert.equal(res.status, 200);
    const templates = res.body as { domain: string; authorizeUrl: string; tokenUrl: string; scopes: string; apiBaseUrl?: string; tenant?: string }[];
    assert.deepEqual(templates.map((t) => t.domain).sort(), Object.keys(builtInProviders).sort());
    const google = templates.find((t) => t.domain === 'google');
    assert.equal(google?.authorizeUrl, builtInProviders.google.endpoints.authorize);
    assert.equal(google?.tokenUrl, builtInProviders.google.endpoints.token);
    assert.equal(google?.scopes, builtInProviders.google.defaultScopes.join(' '));
    assert.equal(google?.apiBaseUrl, builtInProviders.google.apiBaseUrls[0]);
    const microsoft = templates.find((t) => t.domain === 'microsoft');
    assert.match(microsoft?.authorizeUrl ?? '', /\{tenant\}/, 'the tenant placeholder is kept; the form sends only overridden fields');
    assert.equal(microsoft?.tenant, 'common');

    assert.equal((await bob.get('/api/v1/admin/provider-templates')).json.error.code, 'admin_required');
    assert.equal((await new Client(w.t).get('/api/v1/admin/provider-templates')).status, 401);
  });

  test("a built-in app saved with only client id and secret gets the template's URLs; sending the template back unchanged saves the same app", async () => {
    const template = ((await w.admin.get('/api/v1/admin/provider-templates')).body as Record<string, string>[]).find((t) => t.domain === 'slack');
    assert.ok(template);
    const plain = await w.admin.put('/api/v1/admin/oauth-apps/slack', { clientId: 'slack-client', clientSecret: 'slack-secret-000000000001' });
    assert.equal(plain.status, 200);
    assert.equal(plain.json.app.authorizeUrl, template.authorizeUrl);
    assert.equal(plain.json.app.tokenUrl, template.tokenUrl);
    assert.equal(plain.json.app.scopes, template.scopes);
    const echoed = await w.admin.put('/api/v1/admin/oauth-apps/slack', {
      clientId: 'slack-client',
      authorizeUrl: template.authorizeUrl,
      tokenUrl: template.tokenUrl,
      scopes: template.scopes,
      ...(template.revocationUrl ? { revocationUrl: template.revocationUrl } : {}),
      ...(template.apiBaseUrl ? { apiBaseUrl: template.apiBaseUrl } : {}),
    });
    assert.equal(echoed.status, 200);
    const { updatedAt: _a, ...before } = plain.json.app as Record<string, unknown>;
    const { updatedAt: _b, ...afterEcho } = echoed.json.app as Record<string, unknown>;
    assert.deepEqual(afterEcho, before);
  });

  test('GET /actions lists every built-in action with the parameters it reads (any signed-in user)', async () => {
    const res = await bob.get('/api/v1/actions');
    assert.equal(res.status, 200);
    const list = res.body as { name: string; params: { name: string; label: string; kind: string; options?: string[] }[] }[];
    assert.deepEqual(list.map((a) => a.name), Object.keys(actions));
    const http = list.find((a) => a.name === 'http.request');
    assert.deepEqual(http?.params.map((p) => [p.name, p.label]), [
      ['method', 'Method'],
      ['path', 'Path'],
    ]);
    assert.ok(http?.params[0]?.options?.includes('POST'));
    assert.deepEqual(list.find((a) => a.name === 'slack.post_message')?.params.map((p) => p.name), ['channel', 'text']);
    assert.deepEqual(list.find((a) => a.name === 'google.sheets.append_row')?.params.map((p) => p.name), ['spreadsheetId', 'range', 'values']);
    assert.deepEqual(list.find((a) => a.name === 'microsoft.mail.send')?.params.map((p) => p.name), ['to', 'subject', 'body']);
    assert.equal((await new Client(w.t).get('/api/v1/actions')).status, 401);
  });

  test('the parameters the catalog names are enough to build each action request', () => {
    for (const info of actionCatalog) {
      const params = Object.fromEntries(info.params.map((p) => [p.name, p.kind === 'list' ? ['a', 'b'] : (p.options?.[0] ?? 'x')]));
      const build = actions[info.name];
      assert.ok(build, info.name);
      assert.doesNotThrow(() => build(params, undefined), info.name);
      // and a missing required one is refused by name
      const required = info.params.find((p) => p.required && p.kind === 'text');
      if (required) assert.throws(() => build({ ...params, [required.name]: '' }, undefined), new RegExp(required.name));
    }
  });
});
