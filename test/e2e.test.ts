import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { checkPage, screenshot } from './e2e/checks.ts';
import { apiGet, browserDateTime, connectInPopup, connectionCard, createWorkspace, fact, openNav, providerSignIn, signUp, type Person } from './e2e/flows.ts';
import { DemoProcess } from './e2e/demo-process.ts';
import { browserSkipReason, startWorld, type World } from './e2e/world.ts';

/**
 * The web UI end to end, in Debian's Chromium (playwright-core), against a real Tether server
 * process and the demo's real oidc-provider: a newcomer's whole journey as issue 6 describes
 * it, the popup-blocked fallback, and for every page: no sideways scrolling at 390×844 and
 * 1280×800, every control named and reachable with Tab, no token or secret in the page.
 * E2E_SCREENSHOTS=1 also writes docs/screenshots/*.png.
 */

const skip = browserSkipReason();

interface Connection {
  id: string;
  name: string;
  lastRefreshedAt: string | null;
  tokenExpiresAt: string | null;
  accountName: string;
}

const owner: Person = { name: 'Olivia Owner', email: 'olivia@e2e.test', password: 'olivia passphrase 1' };
const member: Person = { name: 'Sam Builder', email: 'sam@e2e.test', password: 'sam passphrase 22' };
const TEAM = 'Acme Ops';
const SHARED_CONNECTION = 'Demo – Ops team';
const OWN_CONNECTION = 'Demo – Sam';
const WORKFLOW = 'Sync profile';

describe('web UI in Chromium', { skip: skip ?? false }, () => {
  let world: World;
  /** Everything that must never appear in a page: the client secret, and each token the provider issued (read at check time). */
  const secrets = (): string[] => [world.provider.clientSecret, ...world.provider.issuedTokens];

  before(async () => {
    world = await startWorld();
  });

  after(async () => {
    await world?.close();
  });

  /** The owner signs in again (a later test, a new browser context); answers the journey's workspace id. */
  async function signInToTeam(page: Page): Promise<string> {
    await page.goto('/login');
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill(owner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    const ws = (await apiGet<{ workspaces: { id: string; name: string }[] }>(page, '/api/v1/me')).workspaces.find((w) => w.name === TEAM)?.id;
    assert.ok(ws, 'the journey created the workspace');
    return ws;
  }

  /** Runs one step of a journey; a failure names the step and carries the server log's tail. */
  async function step(name: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (err) {
      const log = world.tether.log.split('\n').slice(-15).join('\n');
      const pages = await world.describePages();
      throw new Error(`step "${name}" failed: ${err instanceof Error ? err.message : String(err)}\n--- open pages ---\n${pages}\n--- last server log lines ---\n${log}`, { cause: err });
    }
  }

  test("a newcomer's journey: sign up, register the app, connect in a popup, refresh, promote, a teammate's workflow breaks and is repaired", async () => {
    const ownerContext = await world.newContext();
    const page = await ownerContext.newPage();
    let ws = '';
    let connection: Connection | undefined;

    await step('sign in page', async () => {
      await page.goto('/');
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await checkPage(page, { name: 'sign-in', secrets: [] });
    });

    await step('sign up: the first account is the instance admin', async () => {
      await signUp(page, owner);
      await page.getByRole('link', { name: 'Admin → OAuth credentials' }).waitFor();
    });

    await step('create a workspace', async () => {
      ws = await createWorkspace(page, TEAM);
      await page.getByText('No connections yet').waitFor();
    });

    await step('Admin → OAuth credentials: register the demo provider through the form', async () => {
      await openNav(page, 'Admin → OAuth credentials', 'OAuth credentials');
      await page.getByRole('button', { name: 'Add credentials' }).click();
      await page.getByLabel('Provider').selectOption({ label: 'Custom provider' });
      const issuer = world.provider.issuer;
      await page.getByLabel('Domain').fill('demo');
      await page.getByLabel('Client ID').fill(world.provider.clientId);
      await page.getByLabel('Client secret').fill(world.provider.clientSecret);
      await page.getByLabel('Scopes').fill('openid email profile api:read');
      await page.getByLabel('Authorize URL').fill(`${issuer}/auth`);
      await page.getByLabel('Token URL').fill(`${issuer}/token`);
      await page.getByLabel('Revocation URL').fill(`${issuer}/token/revocation`);
      await page.getByLabel('Userinfo URL').fill(`${issuer}/me`);
      await page.getByLabel('Issuer').fill(issuer);
      await page.getByLabel('API base URL').fill(issuer);
      await page.getByRole('button', { name: 'Save credentials' }).click();
      await page.getByRole('button', { name: 'Edit demo' }).waitFor();
      // Write-only: the stored secret shows as its last four characters, never in full.
      await page.getByText(`•••• ${world.provider.clientSecret.slice(-4)}`).waitFor();
      await page.getByText(`${world.base}/oauth/callback`).waitFor();
      await page.getByRole('button', { name: 'Copy redirect URI' }).waitFor();
      await checkPage(page, { name: 'admin-oauth-credentials', secrets: secrets() });
    });

    await step('Integrations: Connect through the popup, signing in and consenting at the provider', async () => {
      await openNav(page, 'Integrations', 'Integrations');
      await connectInPopup(ownerContext, page, {
        provider: 'demo',
        connectionName: SHARED_CONNECTION,
        login: 'olivia',
        onConsent: async (popup) => {
          await popup.setViewportSize({ width: 520, height: 680 });
          await screenshot(popup, 'connect-popup-consent');
          await assertNoSecretsIn(popup, 'provider consent');
        },
      });
      await page.getByText('demo connected').waitFor();
    });

    await step('the connection shows every field', async () => {
      const card = connectionCard(page, SHARED_CONNECTION);
      const list = await apiGet<Connection[]>(page, `/api/v1/workspaces/${ws}/connections`);
      connection = list.find((c) => c.name === SHARED_CONNECTION);
      assert.ok(connection?.tokenExpiresAt && connection.lastRefreshedAt);
      assert.equal(await fact(card, 'Status').innerText().then((t) => t.trim().split('\n')[0]), 'Active');
      assert.match(await fact(card, 'Account').innerText(), /olivia@demo\.example/);
      const expires = await fact(card, 'Token expiration').innerText();
      assert.ok(expires.includes(await browserDateTime(page, connection.tokenExpiresAt)), `Token expiration: ${expires}`);
      assert.match(expires, /in [45] minutes/, 'the demo provider issues 5-minute access tokens');
      assert.ok((await fact(card, 'Last refreshed').innerText()).includes(await browserDateTime(page, connection.lastRefreshedAt)));
      const scopes = await fact(card, 'Scopes').getByRole('listitem').allInnerTexts();
      assert.deepEqual(scopes.sort(), ['api:read', 'email', 'openid', 'profile']);
      assert.equal((await fact(card, 'Shared to workspace').innerText()).trim(), 'No');
      await checkPage(page, { name: 'integrations', secrets: secrets(), mobileScreenshot: true });
    });

    await step('Refresh Token: a new token, Last refreshed moves', async () => {
      assert.ok(connection);
      const before = connection;
      const card = connectionCard(page, SHARED_CONNECTION);
      const grantsBefore = world.provider.refreshGrants;
      await card.getByRole('button', { name: 'Refresh Token' }).click();
      await page.getByText(`Token refreshed for ${SHARED_CONNECTION}.`).waitFor();
      assert.equal(world.provider.refreshGrants, grantsBefore + 1, 'one refresh_token grant at the provider');
      const after = (await apiGet<Connection[]>(page, `/api/v1/workspaces/${ws}/connections`)).find((c) => c.id === before.id);
      assert.ok(after?.lastRefreshedAt && before.lastRefreshedAt && after.lastRefreshedAt > before.lastRefreshedAt, 'lastRefreshedAt moved forward');
      await card.locator('dt:text-is("Last refreshed") + dd').filter({ hasText: await browserDateTime(page, after.lastRefreshedAt) }).waitFor();
      connection = after;
    });

    await step('Promote to Workspace at the "Can use" level', async () => {
      const card = connectionCard(page, SHARED_CONNECTION);
      await card.getByRole('button', { name: 'Promote to Workspace' }).click();
      const dialog = page.getByRole('dialog', { name: 'Promote to Workspace' });
      await dialog.getByRole('radio', { name: 'Can use' }).check();
      await checkPage(page, { name: 'promote-dialog', secrets: secrets() });
      await dialog.getByRole('button', { name: 'Promote' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await fact(card, 'Shared to workspace').filter({ hasText: /^Yes — can use/ }).waitFor();
      await card.getByRole('button', { name: 'Remove from Workspace' }).waitFor();
    });

    // The teammate: signs up in a browser of their own; the owner adds them on Members.
    const memberContext = await world.newContext();
    const sam = await memberContext.newPage();

    await step('a second person signs up; the owner adds them on Members', async () => {
      await sam.goto('/');
      await signUp(sam, member);
      await openNav(page, 'Members', `Members of ${TEAM}`);
      await page.getByLabel('Email').fill(member.email);
      await page.getByLabel('Role').selectOption('member');
      await page.getByRole('button', { name: 'Add member' }).click();
      await page.getByRole('button', { name: `Remove ${member.email}` }).waitFor();
      await checkPage(page, { name: 'members', secrets: secrets() });
    });

    await step('Shared connections: the teammate sees the promoted connection', async () => {
      await sam.goto(`/w/${ws}/shared`);
      await sam.getByRole('heading', { name: 'Shared connections', level: 1 }).waitFor();
      const row = sam.getByRole('row').filter({ hasText: SHARED_CONNECTION });
      await row.waitFor();
      const cells = await row.getByRole('cell').allInnerTexts();
      const text = cells.join(' | ');
      assert.match(text, new RegExp(TEAM));
      assert.match(text, /olivia@demo\.example/);
      assert.match(text, /olivia@e2e\.test|Olivia/);
      assert.match(text, /can use/);
      assert.match(text, /Active/);
      await checkPage(sam, { name: 'shared-connections', secrets: secrets() });
    });

    let workflowUrl = '';
    await step('the teammate builds a workflow on the shared connection and runs it', async () => {
      await openNav(sam, 'Workflows', 'Workflows');
      await sam.getByLabel('Workflow name').fill(WORKFLOW);
      await sam.getByLabel('Action').selectOption('http.request');
      const connectionSelect = sam.getByLabel('Connection', { exact: true });
      const sharedOption = await connectionSelect.locator('option', { hasText: `${SHARED_CONNECTION} (demo, shared by` }).getAttribute('value');
      assert.ok(sharedOption, 'the shared connection is selectable');
      await connectionSelect.selectOption(sharedOption);
      await sam.getByLabel('Method').selectOption('GET');
      await sam.getByLabel('Path').fill('/me');
      await checkPage(sam, { name: 'workflow-new', secrets: secrets(), noScreenshot: true });
      await sam.getByRole('button', { name: 'Create workflow' }).click();
      await sam.getByRole('heading', { name: WORKFLOW, level: 1 }).waitFor();
      workflowUrl = new URL(sam.url()).pathname;
      await sam.getByRole('button', { name: 'Run workflow' }).click();
      await sam.getByRole('status').getByText('Run succeeded').waitFor();
    });

    await step('the owner removes the connection from the workspace after seeing the impact', async () => {
      await openNav(page, 'Integrations', 'Integrations');
      const card = connectionCard(page, SHARED_CONNECTION);
      await card.getByRole('button', { name: 'Remove from Workspace' }).click();
      const dialog = page.getByRole('dialog', { name: new RegExp(`^Remove ${SHARED_CONNECTION} from ${TEAM}`) });
      await dialog.getByText('1 workflow of 1 person will stop working.').waitFor();
      await dialog.getByText(WORKFLOW).waitFor();
      await checkPage(page, { name: 'remove-from-workspace-impact', secrets: secrets() });
      await dialog.getByRole('button', { name: 'Remove from Workspace' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await fact(card, 'Shared to workspace').filter({ hasText: /^No$/ }).waitFor();
    });

    await step('the teammate sees the broken step with its reason', async () => {
      await openNav(sam, 'Workflows', 'Workflows');
      const row = sam.getByRole('row').filter({ has: sam.getByRole('link', { name: WORKFLOW }) });
      await row.getByText('Needs attention').waitFor();
      await row.getByText('1 step has an invalid credential').waitFor();
      await checkPage(sam, { name: 'workflows', secrets: secrets() });
      // A fresh load: within its 5 s staleTime the client would show the detail it cached before the
      // removal (reported; the list above is already right).
      await sam.goto(workflowUrl);
      await sam.getByRole('heading', { name: WORKFLOW, level: 1 }).waitFor();
      const node = sam.getByRole('region', { name: /^Step .+: http\.request$/ });
      await fact(node, 'Credential').filter({ hasText: /Invalid/ }).waitFor();
      const reason = await fact(node, 'Credential').innerText();
      assert.match(reason, new RegExp(`${owner.name} removed the connection .${SHARED_CONNECTION}. from the workspace`), `the reason says what happened: ${reason}`);
      await sam.getByRole('button', { name: 'Run workflow' }).click();
      await sam.getByRole('status').getByText('Run failed').waitFor();
      await checkPage(sam, { name: 'workflow-detail-broken', secrets: secrets(), mobileScreenshot: true });
    });

    await step('the teammate connects their own account and picks it as the replacement', async () => {
      await openNav(sam, 'Integrations', 'Integrations');
      await connectInPopup(memberContext, sam, { provider: 'demo', connectionName: OWN_CONNECTION, login: 'sam' });
      await sam.goto(workflowUrl);
      const node = sam.getByRole('region', { name: /^Step .+: http\.request$/ });
      const select = node.getByLabel(/^Connection for step /);
      const own = await select.locator('option', { hasText: `${OWN_CONNECTION} (demo, personal)` }).getAttribute('value');
      assert.ok(own, 'their own connection is selectable');
      await select.selectOption(own);
      await node.getByRole('button', { name: 'Use this connection' }).click();
      await fact(node, 'Credential').filter({ hasText: /^OK/ }).waitFor();
    });

    await step('the run succeeds again', async () => {
      await sam.getByRole('button', { name: 'Run workflow' }).click();
      await sam.getByRole('status').getByText('Run succeeded').waitFor();
      await checkPage(sam, { name: 'workflow-detail', secrets: secrets() });
    });

    await step('Audit log: the story is recorded', async () => {
      await openNav(page, 'Audit log', 'Audit log');
      const table = page.getByRole('table');
      for (const action of ['connection.created', 'connection.refreshed', 'connection.promoted', 'member.added', 'connection.unshared']) {
        await table.getByRole('cell', { name: action, exact: true }).first().waitFor();
      }
      await checkPage(page, { name: 'audit-log', secrets: secrets() });
      // Filtered by action: only those entries remain.
      await page.getByLabel('Action', { exact: true }).selectOption('connection.promoted');
      await page.getByRole('form', { name: 'Audit log filters' }).getByRole('button', { name: 'Apply filters' }).click();
      await page.getByText('Page 1: 1 entry.').waitFor();
      await table.getByRole('cell', { name: 'connection.promoted', exact: true }).waitFor();
    });

    await step('no page ever showed a token: every token the provider issued is absent from every open page', async () => {
      for (const p of [page, sam]) await assertNoSecretsIn(p, p === page ? 'owner' : 'teammate');
    });
  });

  test('popup blocked: Connect falls back to a full-page redirect and comes back to Integrations', async () => {
    const context = await world.newContext();
    // A browser that blocks the popup: window.open answers null, as Chromium's blocker does.
    await context.addInitScript(() => {
      window.open = () => null;
    });
    const page = await context.newPage();
    const ws = await signInToTeam(page);
    await page.goto(`/w/${ws}/integrations`);
    await page.getByRole('button', { name: 'Connect demo', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Connect demo' });
    await dialog.getByLabel('Connection name (optional)').fill('Demo – full page');
    await dialog.getByRole('button', { name: 'Continue to demo' }).click();
    await page.waitForURL((url) => url.origin === world.provider.issuer);
    await providerSignIn(page, 'olivia');
    await page.waitForURL((url) => url.origin === world.base && url.pathname === `/w/${ws}/integrations`);
    await connectionCard(page, 'Demo – full page').waitFor();
    await page.getByText('demo connected').waitFor();
    assert.equal(new URL(page.url()).search, '', 'the ?connected= marker is consumed');
  });

  test('webhooks: the owner subscribes a receiver, sees the secret once, a refresh is delivered signed and listed; delete', async () => {
    const received: { headers: IncomingHttpHeaders; body: string }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const address = receiver.address();
    const receiverUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/tether-hook`;
    const context = await world.newContext();
    const page = await context.newPage();
    let secret = '';
    try {
      await step('sign in and open Webhooks', async () => {
        const ws = await signInToTeam(page);
        await page.goto(`/w/${ws}/integrations`);
        await openNav(page, 'Webhooks', 'Webhooks');
        await page.getByText('No webhooks yet.').waitFor();
      });

      await step('add a webhook: a bad URL is refused at the field, then the secret is shown once', async () => {
        await page.getByLabel('URL').fill('http://example.com/hook');
        await page.getByRole('checkbox', { name: 'connection.refreshed' }).check();
        await page.getByRole('button', { name: 'Add webhook' }).click();
        await page.getByText('must be an absolute https URL (plain http only for loopback hosts)', { exact: true }).waitFor();
        await page.getByLabel('URL').fill(receiverUrl);
        await page.getByRole('checkbox', { name: 'connection.refreshed' }).check();
        await page.getByRole('button', { name: 'Add webhook' }).click();
        const dialog = page.getByRole('dialog', { name: 'Webhook added: copy its signing secret' });
        secret = (await dialog.getByTestId('webhook-secret').textContent()) ?? '';
        assert.match(secret, /^whsec_/);
        await dialog.getByRole('button', { name: 'I have copied it' }).click();
        await page.getByRole('cell', { name: receiverUrl, exact: true }).waitFor();
        assert.equal(await page.getByText(secret).count(), 0, 'the secret is gone once the dialog is closed');
      });

      await step('a token refresh on Integrations is delivered, signed, and listed as delivered', async () => {
        await openNav(page, 'Integrations', 'Integrations');
        await connectionCard(page, 'Demo – full page').getByRole('button', { name: 'Refresh Token' }).click();
        await page.getByText(/Token refreshed/).first().waitFor();
        for (let i = 0; i < 100 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
        assert.equal(received.length, 1);
        const got = received[0];
        assert.ok(got);
        const payload = new Webhook(secret).verify(got.body, got.headers as Record<string, string>) as { type: string };
        assert.equal(payload.type, 'connection.refreshed');
        await openNav(page, 'Webhooks', 'Webhooks');
        await page.getByRole('button', { name: `Deliveries to ${receiverUrl}` }).click();
        await page.getByRole('list', { name: 'Recent deliveries' }).getByText('delivered').waitFor();
        await checkPage(page, { name: 'webhooks', secrets: [...secrets(), secret] });
      });

      await step('delete the webhook', async () => {
        await page.getByRole('button', { name: `Delete webhook ${receiverUrl}` }).click();
        await page.getByRole('dialog', { name: 'Delete this webhook?' }).getByRole('button', { name: 'Delete webhook' }).click();
        await page.getByText('No webhooks yet.').waitFor();
      });
    } finally {
      await context.close();
      await new Promise((r) => receiver.close(r));
    }
  });

  test('npm run demo: a newcomer connects, refreshes, shares and disconnects; Ctrl-C stops it; a restart reuses everything', async () => {
    const demo = await DemoProcess.start();
    try {
      const banner = await demo.waitRunning();
      const open = /Open +(\S+)/.exec(banner)?.[1];
      const login = /Sign in +(\S+) +\/ +(\S+)/.exec(banner);
      assert.ok(open && login?.[1] && login[2], `the banner says where to go and how to sign in:\n${banner}`);
      assert.match(banner, /any username/, 'the banner explains the provider login');
      const context = await world.newContext();
      const page = await context.newPage();
      await page.goto(open);
      await page.getByLabel('Email').fill(login[1]);
      await page.getByLabel('Password').fill(login[2]);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Integrations', level: 1 }).waitFor();
      assert.equal(await page.getByLabel('Workspace').evaluate((s: HTMLSelectElement) => s.selectedOptions[0]?.text), 'Demo team');

      await connectInPopup(context, page, { provider: 'demo', connectionName: 'My demo account', login: 'alice' });
      const card = connectionCard(page, 'My demo account');
      await fact(card, 'Status').getByText('Active').waitFor();
      await fact(card, 'Account').getByText('alice@demo.example').waitFor();

      await card.getByRole('button', { name: 'Refresh Token' }).click();
      await page.getByText('Token refreshed for My demo account.').waitFor();

      await card.getByRole('button', { name: 'Promote to Workspace' }).click();
      const promote = page.getByRole('dialog', { name: 'Promote to Workspace' });
      await promote.getByRole('radio', { name: 'Can manage' }).check();
      await promote.getByRole('button', { name: 'Promote' }).click();
      await fact(card, 'Shared to workspace').filter({ hasText: /^Yes — can manage/ }).waitFor();

      await card.getByRole('button', { name: 'Disconnect' }).click();
      const confirm = page.getByRole('dialog', { name: 'Disconnect My demo account?' });
      await confirm.getByText('No workflow uses it: nothing will stop working.').waitFor();
      await confirm.getByRole('button', { name: 'Disconnect' }).click();
      await page.getByText('My demo account disconnected.').waitFor();
      await fact(card, 'Status').getByText('Disconnected').waitFor();
      await context.close();

      assert.equal(await demo.interrupt(), 0, `Ctrl-C stops the demo cleanly:\n${demo.log}`);
      await assert.rejects(fetch(`http://127.0.0.1:${demo.port}/readyz`), 'Tether stopped with it');

      // Started again on the same data: same admin, same workspace (the Open link names it), same app.
      const again = await DemoProcess.start(demo.dataDir);
      try {
        const second = await again.waitRunning();
        assert.equal(/Open +(\S+)/.exec(second)?.[1]?.replace(`:${again.port}`, ''), open.replace(`:${demo.port}`, ''), 'the same workspace is reused');
        assert.equal(await again.interrupt(), 0);
      } finally {
        await again.kill();
      }
    } finally {
      await demo.kill();
      demo.removeData();
    }
  });

  async function assertNoSecretsIn(p: Page, label: string): Promise<void> {
    const html = await p.content();
    for (const secret of secrets()) assert.ok(!html.includes(secret), `${label}: a token or the client secret is in the page (…${secret.slice(-4)})`);
  }
});
