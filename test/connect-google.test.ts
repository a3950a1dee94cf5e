/**
 * Google's quirks, proved through Tether's HTTP API: the admin registers the built-in `google`
 * domain pointed at the loopback emulator, a user starts a connect, the test plays the browser
 * (authorize → 302 to /oauth/callback) and Tether completes the flow. See docs/providers.md.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGoogleEmulator, type GoogleEmulator } from './peers/google.ts';
import { connectWorld, countConnections, deliverCallback, type ConnectWorld } from './helpers/oauth.ts';
import { testDbKind } from './helpers/db.ts';
import { emulatedConnect, REDIRECT } from './helpers/emulated.ts';

const CLIENT_ID = '1234567890-tether.apps.googleusercontent.com';
const CLIENT_SECRET = 'GOCSPX-google-emulator-secret';
const GMAIL = 'https://www.googleapis.com/auth/gmail.readonly';
const SHEETS = 'https://www.googleapis.com/auth/spreadsheets';

describe(`Google quirks through Tether's connect flow on ${testDbKind}`, () => {
  let emu: GoogleEmulator;
  let w: ConnectWorld;
  const { startConnect, browse, connectOnce, connection, sealedTokens } = emulatedConnect(() => w, 'google');

  before(async () => {
    emu = await startGoogleEmulator({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    w = await connectWorld();
    const put = await w.admin.put('/api/v1/admin/oauth-apps/google', {
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      authorizeUrl: emu.endpoints.authorize,
      tokenUrl: emu.endpoints.token,
      revocationUrl: emu.endpoints.revocation,
      userinfoUrl: emu.endpoints.userinfo,
      issuer: emu.issuer,
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
  });
  afterEach(() => {
    emu.scenario.authorizeError = undefined;
    emu.scenario.uncheckedScopes = [];
    emu.scenario.sendIss = true;
  });
  after(async () => {
    await w.t.close();
    await emu.close();
  });

  const codeGrants = () => emu.calls.token['authorization_code'] ?? 0;

  test('access_type=offline, prompt=consent, include_granted_scopes=true and PKCE S256 are in the authorization URL and reach Google', async () => {
    const before = await countConnections(w.t);
    const { url, cookie } = await startConnect();
    assert.equal(url.origin + url.pathname, emu.endpoints.authorize);
    const q = url.searchParams;
    assert.equal(q.get('access_type'), 'offline');
    assert.equal(q.get('prompt'), 'consent');
    assert.equal(q.get('include_granted_scopes'), 'true');
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.match(q.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.equal(q.get('scope'), 'openid email', 'the catalog default scopes, space-separated');
    assert.equal(q.get('client_id'), CLIENT_ID);
    assert.equal(q.get('redirect_uri'), REDIRECT);
    assert.ok(q.get('nonce'), 'OpenID Connect: a nonce');

    const back = await browse(url);
    const seen = emu.calls.lastAuthorize;
    assert.equal(seen?.get('access_type'), 'offline');
    assert.equal(seen?.get('prompt'), 'consent');
    assert.equal(seen?.get('include_granted_scopes'), 'true');
    // The emulator checks S256(code_verifier) against the challenge: the exchange succeeding
    // proves Tether sent the verifier of this very challenge.
    const grants = codeGrants();
    const page = await deliverCallback(w.t, back, cookie);
    assert.equal(page.status, 200, page.html);
    assert.equal(codeGrants(), grants + 1);
    assert.equal(emu.calls.lastClientAuth, 'client_secret_post');
    assert.equal(await countConnections(w.t), before + 1);
  });

  test('the account is the ID token sub, shown by its email (no userinfo call needed)', async () => {
    const previous = emu.user;
    emu.user = { sub: '118230492348712340001', email: 'katherine@example.org', name: 'Katherine Johnson' };
    try {
      const userinfoCalls = emu.calls.userinfo;
      const { id } = await connectOnce();
      const c = await connection(id);
      assert.equal(c.domain, 'google');
      assert.equal(c.status, 'active');
      assert.equal(c.accountId, '118230492348712340001');
      assert.equal(c.accountName, 'katherine@example.org');
      assert.equal(c.name, 'Google – katherine@example.org');
      assert.equal(emu.calls.userinfo, userinfoCalls, 'identity came from the validated ID token');
    } finally {
      emu.user = previous;
    }
  });

  test('scopes unticked on the granular consent screen are not recorded; only the granted ones are', async () => {
    emu.scenario.uncheckedScopes = [SHEETS];
    const { id, url } = await connectOnce({ scopes: [GMAIL, SHEETS] });
    assert.equal(url.searchParams.get('scope'), `openid email ${GMAIL} ${SHEETS}`, 'both were requested');
    const c = await connection(id);
    // Google answers `email` as …/userinfo.email; Tether records the short name it asked for.
    assert.deepEqual(c.scopes, ['openid', 'email', GMAIL]);
  });

  test('a refresh token is stored (sealed), and it is the one Google issued', async () => {
    const { id } = await connectOnce();
    const { row, access, refresh } = await sealedTokens(id);
    assert.match(row.access_token ?? '', /^tv1\./);
    assert.match(row.refresh_token ?? '', /^tv1\./);
    assert.match(refresh ?? '', /^1\/\/0g/);
    assert.equal(row.token_type?.toLowerCase(), 'bearer');
    // Google accepts the stored refresh token and the stored access token.
    const refreshed = await fetch(emu.endpoints.token, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refresh ?? '', client_id: CLIENT_ID, client_secret: CLIENT_SECRET }),
    });
    assert.equal(refreshed.status, 200, await refreshed.clone().text());
    const api = await fetch(emu.endpoints.gmailProfile, { headers: { authorization: `Bearer ${access ?? ''}` } });
    assert.equal(api.status, 200);
    const c = await connection(id);
    const ttl = new Date(c.tokenExpiresAt as string).getTime() - Date.now();
    assert.ok(ttl > 3500_000 && ttl <= 3599_000, `expiry from expires_in 3599 (${ttl} ms)`);
  });

  test('admin_policy_enforced ends on the "administrator must approve" page (400) naming the Admin console step; no connection', async () => {
    emu.scenario.authorizeError = 'admin_policy_enforced';
    const { url, cookie } = await startConnect();
    const back = await browse(url);
    assert.equal(back.searchParams.get('error'), 'admin_policy_enforced');
    const count = await countConnections(w.t);
    const grants = codeGrants();
    const page = await deliverCallback(w.t, back, cookie);
    assert.equal(page.status, 400);
    assert.match(page.html, /An administrator must approve this app first/);
    assert.match(page.html, /Google Workspace administrator must allow this app/);
    assert.match(page.html, /Google Admin console → Security → Access and data control → API controls/);
    assert.match(page.html, /mark the app as Trusted/);
    assert.match(page.html, /Provider code: admin_policy_enforced/);
    assert.equal(await countConnections(w.t), count);
    assert.equal(codeGrants(), grants, 'nothing was redeemed');
  });

  test('access_denied ends on the denied page; no connection', async () => {
    emu.scenario.authorizeError = 'access_denied';
    const { url, cookie } = await startConnect();
    const back = await browse(url);
    const count = await countConnections(w.t);
    const page = await deliverCallback(w.t, back, cookie);
    assert.equal(page.status, 400);
    assert.match(page.html, /Access was not granted/);
    assert.match(page.html, /Google reported that access was declined/);
    assert.doesNotMatch(page.html, /administrator must approve/);
    assert.equal(await countConnections(w.t), count);
  });

  test('the iss Google sends (RFC 9207) is checked: a forged or a missing one is refused before the code is redeemed', async () => {
    const count = await countConnections(w.t);
    const grants = codeGrants();

    const first = await startConnect();
    const genuine = await browse(first.url);
    assert.equal(genuine.searchParams.get('iss'), emu.issuer, 'the emulator sends iss like Google');
    const forged = new URL(genuine);
    forged.searchParams.set('iss', 'https://accounts.google.com.attacker.example');
    const page = await deliverCallback(w.t, forged, first.cookie);
    assert.equal(page.status, 400);
    assert.match(page.html, /did not come from the expected provider/);
    assert.match(page.html, /expected issuer/);

    const second = await startConnect();
    const stripped = await browse(second.url);
    stripped.searchParams.delete('iss');
    const missing = await deliverCallback(w.t, stripped, second.cookie);
    assert.equal(missing.status, 400);
    assert.match(missing.html, /did not come from the expected provider/);

    assert.equal(await countConnections(w.t), count);
    assert.equal(codeGrants(), grants, 'no refused callback reached the token endpoint');

    // The genuine iss still works (the refusals above were about iss, not the flow).
    const third = await startConnect();
    const ok = await deliverCallback(w.t, await browse(third.url), third.cookie);
    assert.equal(ok.status, 200, ok.html);
  });
});
