/**
 * Slack's quirks, proved through Tether's HTTP API: the admin registers the built-in `slack`
 * domain pointed at the loopback emulator, a user starts an installation, the test plays the
 * browser and Tether completes it through `oauth.v2.access`. See docs/providers.md.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSlackEmulator, type SlackEmulator } from './peers/slack.ts';
import { connectWorld, countConnections, deliverCallback, type ConnectWorld } from './helpers/oauth.ts';
import { testDbKind } from './helpers/db.ts';
import { emulatedConnect } from './helpers/emulated.ts';

const CLIENT_ID = '3336676.569200954261';
const CLIENT_SECRET = 'slack-emulator-client-secret';
const TEAM = { id: 'T04TETHER', name: 'Acme Robotics' };
const USER_ID = 'U07INSTALL';
const BOT_USER_ID = 'U07BOTUSER';

describe(`Slack quirks through Tether's connect flow on ${testDbKind}`, () => {
  let emu: SlackEmulator;
  let w: ConnectWorld;
  const { startConnect, browse, connectOnce, connection, sealedTokens } = emulatedConnect(() => w, 'slack');

  /** Registers (or updates) the `slack` app; `scopes` is Tether's space-separated list. */
  async function registerApp(scopes?: string) {
    const put = await w.admin.put('/api/v1/admin/oauth-apps/slack', {
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      authorizeUrl: emu.endpoints.authorize,
      tokenUrl: emu.endpoints.token,
      revocationUrl: emu.endpoints.revocation,
      ...(scopes === undefined ? {} : { scopes }),
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
  }

  before(async () => {
    emu = await startSlackEmulator({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, team: TEAM, userId: USER_ID, botUserId: BOT_USER_ID });
    w = await connectWorld();
    await registerApp();
  });
  afterEach(async () => {
    emu.scenario.accessError = undefined;
    emu.scenario.tokenRotation = false;
    await registerApp();
  });
  after(async () => {
    await w.t.close();
    await emu.close();
  });

  /** Slack's `auth.test` with a token: says whose token it is (the bot user or the installer). */
  async function authTest(token: string | null): Promise<Record<string, unknown>> {
    const res = await fetch(emu.endpoints.authTest, { method: 'POST', headers: { authorization: `Bearer ${token ?? ''}` } });
    assert.equal(res.status, 200);
    return (await res.json()) as Record<string, unknown>;
  }

  const codeGrants = () => emu.calls.token['authorization_code'] ?? 0;

  test('bot scopes go in scope and user scopes in user_scope, both comma-separated', async () => {
    await registerApp('chat:write channels:read user:search:read user:identify');
    const { id, url } = await connectOnce({ scopes: ['users:read'] });
    assert.equal(url.searchParams.get('scope'), 'chat:write,channels:read,users:read');
    assert.equal(url.searchParams.get('user_scope'), 'search:read,identify');
    assert.equal(emu.calls.lastAuthorize?.get('scope'), 'chat:write,channels:read,users:read');
    assert.equal(emu.calls.lastAuthorize?.get('user_scope'), 'search:read,identify');
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(emu.calls.lastClientAuth, 'client_secret_basic');
    // The connection holds the bot token, so it records the bot scopes Slack granted.
    assert.deepEqual((await connection(id)).scopes, ['chat:write', 'channels:read', 'users:read']);
  });

  test('oauth.v2.access answering HTTP 200 {ok:false, error:invalid_code} ends on a failure page; no connection', async () => {
    emu.scenario.accessError = 'invalid_code';
    const { url, cookie } = await startConnect();
    const back = await browse(url);
    const count = await countConnections(w.t);
    const grants = codeGrants();
    const page = await deliverCallback(w.t, back, cookie);
    assert.equal(codeGrants(), grants + 1, 'the code was sent to oauth.v2.access');
    assert.equal(page.status, 502, page.html);
    assert.match(page.html, /Slack did not complete the connection/);
    assert.match(page.html, /The Slack authorization code was invalid or expired/);
    assert.match(page.html, /Provider code: invalid_code/);
    assert.doesNotMatch(page.html, /tether:connected/);
    assert.equal(await countConnections(w.t), count);
  });

  test('a bot install stores the bot token (not the installer’s user token); the account is team.id:authed_user.id, shown with team.name', async () => {
    // The installer also grants a user scope, so the answer carries both tokens.
    await registerApp('chat:write channels:read user:identify');
    const before = await countConnections(w.t);
    const { id } = await connectOnce();
    assert.equal(await countConnections(w.t), before + 1);
    const { row, access, refresh } = await sealedTokens(id);
    assert.match(row.access_token ?? '', /^tv1\./);
    assert.match(access ?? '', /^xoxb-/, 'the bot token');
    assert.equal(refresh, null);
    const who = await authTest(access);
    assert.equal(who.ok, true, JSON.stringify(who));
    assert.equal(who.user_id, BOT_USER_ID, 'Slack knows the stored token as the bot user’s');
    assert.equal(who.team_id, TEAM.id);
    const c = await connection(id);
    assert.equal(c.accountId, `${TEAM.id}:${USER_ID}`);
    assert.equal(c.accountName, `${TEAM.name} (${USER_ID})`);
    assert.equal(c.name, `Slack – ${TEAM.name} (${USER_ID})`);
    assert.deepEqual(c.scopes, ['chat:write', 'channels:read']);
  });

  test('a user-only install (no top-level access_token) stores the user token from authed_user', async () => {
    await registerApp('user:search:read user:chat:write');
    const { id, url } = await connectOnce();
    assert.equal(url.searchParams.get('scope'), null, 'no bot scopes requested');
    assert.equal(url.searchParams.get('user_scope'), 'search:read,chat:write');
    const { access } = await sealedTokens(id);
    assert.match(access ?? '', /^xoxp-/, 'the user token');
    const who = await authTest(access);
    assert.equal(who.ok, true, JSON.stringify(who));
    assert.equal(who.user_id, USER_ID, 'Slack knows the stored token as the installer’s');
    const c = await connection(id);
    assert.equal(c.accountId, `${TEAM.id}:${USER_ID}`);
    assert.deepEqual(c.scopes, ['user:search:read', 'user:chat:write']);
  });

  test('token rotation on: the refresh token and the 12 h expiry are stored', async () => {
    emu.scenario.tokenRotation = true;
    const { id } = await connectOnce();
    const { row, access, refresh } = await sealedTokens(id);
    assert.match(access ?? '', /^xoxe\.xoxb-1-/);
    assert.match(row.refresh_token ?? '', /^tv1\./);
    assert.match(refresh ?? '', /^xoxe-1-/);
    const c = await connection(id);
    assert.notEqual(c.tokenExpiresAt, null);
    const ttl = new Date(c.tokenExpiresAt as string).getTime() - Date.now();
    assert.ok(ttl > 43_100_000 && ttl <= 43_200_000, `expiry from expires_in 43200 (${ttl} ms)`);
    // Slack accepts the stored refresh token (it is the one it issued for this install).
    const refreshed = await fetch(emu.endpoints.token, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refresh ?? '' }),
    });
    const answer = (await refreshed.json()) as Record<string, unknown>;
    assert.equal(answer.ok, true, JSON.stringify(answer));
  });

  test('token rotation off: no expiry (tokenExpiresAt null) and no refresh token', async () => {
    const { id } = await connectOnce();
    const { row, access } = await sealedTokens(id);
    assert.match(access ?? '', /^xoxb-/);
    assert.equal(row.refresh_token, null);
    assert.equal(row.token_expires_at, null);
    const c = await connection(id);
    assert.equal(c.tokenExpiresAt, null);
    assert.equal(c.status, 'active');
  });
});
