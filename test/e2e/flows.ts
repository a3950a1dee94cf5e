import assert from 'node:assert/strict';
import type { BrowserContext, Locator, Page } from 'playwright-core';

/** Steps people take in the UI, written once for the journey tests. */

export interface Person {
  readonly name: string;
  readonly email: string;
  readonly password: string;
}

/** The `dd` that follows the `dt` named `term` in a connection article or step section. */
export function fact(scope: Locator, term: string): Locator {
  return scope.locator(`dt:text-is("${term}") + dd`);
}

/** The connection card (an `article` named by its heading). */
export function connectionCard(page: Page, name: string): Locator {
  return page.getByRole('article', { name, exact: true });
}

/** From the sign-in page: "Create an account", fill the form, land signed in. */
export async function signUp(page: Page, person: Person): Promise<void> {
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByRole('heading', { name: 'Create your account' }).waitFor();
  await page.getByLabel('Name (optional)').fill(person.name);
  await page.getByLabel('Email').fill(person.email);
  await page.getByLabel('Password').fill(person.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

export async function createWorkspace(page: Page, name: string): Promise<string> {
  await page.getByRole('button', { name: 'New workspace' }).click();
  const dialog = page.getByRole('dialog', { name: 'New workspace' });
  await dialog.getByLabel('Workspace name').fill(name);
  await dialog.getByRole('button', { name: 'Create workspace' }).click();
  await page.getByRole('heading', { name: 'Integrations', level: 1 }).waitFor();
  const ws = /\/w\/([^/]+)\/integrations/.exec(new URL(page.url()).pathname)?.[1];
  assert.ok(ws, `no workspace in ${page.url()}`);
  return decodeURIComponent(ws);
}

export async function openNav(page: Page, link: string, heading: string | RegExp): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link, exact: true }).click();
  await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
}

/**
 * Connect through the popup: the Connect dialog, the provider's sign-in and consent in the
 * window the UI opens, and back: the popup closes and the new connection's card appears.
 */
export async function connectInPopup(
  context: BrowserContext,
  page: Page,
  options: { provider: string; connectionName: string; login: string; onConsent?: (popup: Page) => Promise<void> },
): Promise<void> {
  await page.getByRole('button', { name: `Connect ${options.provider}`, exact: true }).click();
  const dialog = page.getByRole('dialog', { name: `Connect ${options.provider}` });
  await dialog.getByLabel('Connection name (optional)').fill(options.connectionName);
  const popupOpened = context.waitForEvent('page');
  await dialog.getByRole('button', { name: `Continue to ${options.provider}` }).click();
  const popup = await popupOpened;
  // Listened for now: the callback page closes the popup as soon as it has posted its message.
  const closed = popup.waitForEvent('close', { timeout: 30_000 });
  await providerSignIn(popup, options.login, options.onConsent);
  await closed;
  await connectionCard(page, options.connectionName).waitFor();
}

/** The demo provider's pages: sign in as `login`, then Allow. */
export async function providerSignIn(popup: Page, login: string, onConsent?: (popup: Page) => Promise<void>): Promise<void> {
  await popup.getByRole('heading', { name: /^Sign in to continue/ }).waitFor();
  await popup.getByLabel('Username').fill(login);
  await popup.getByLabel('Password').fill('any password at all');
  await popup.getByRole('button', { name: 'Sign in' }).click();
  await popup.getByRole('heading', { name: /^Allow .* to access your account\?$/ }).waitFor();
  if (onConsent) await onConsent(popup);
  await popup.getByRole('button', { name: 'Allow' }).click();
}

/** GET through the page's own session (same origin, cookie): what the UI's API sees. */
export async function apiGet<T>(page: Page, path: string): Promise<T> {
  return page.evaluate(async (p) => {
    const res = await fetch(p, { headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`${p}: ${res.status}`);
    return (await res.json()) as unknown;
  }, path) as Promise<T>;
}

/** The text `Intl` gives this browser for an ISO time, as the UI's formatDateTime prints it. */
export async function browserDateTime(page: Page, iso: string): Promise<string> {
  return page.evaluate((value) => new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(value)), iso);
}
