import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { repoRoot } from '../helpers/process.ts';

/**
 * Checks every page of the journey gets: layout at phone and desktop sizes, a name for every
 * control, every control reachable with Tab, no secret in the page, and (with
 * E2E_SCREENSHOTS=1) its screenshot in docs/screenshots/.
 */

export const DESKTOP = { width: 1280, height: 800 } as const;
export const MOBILE = { width: 390, height: 844 } as const;

const SCREENSHOTS = process.env.E2E_SCREENSHOTS === '1';
const screenshotDir = join(repoRoot, 'docs/screenshots');

/** Writes `docs/screenshots/<name>.png` when E2E_SCREENSHOTS=1 (normal runs leave the tree clean). */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  if (!SCREENSHOTS) return;
  mkdirSync(screenshotDir, { recursive: true });
  // No caret or running transitions in the picture.
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: options.fullPage ?? true, animations: 'disabled', caret: 'hide' });
}

/** Nothing wider than the viewport: no sideways scrolling at this size. */
export async function assertNoOverflow(page: Page, label: string): Promise<void> {
  const size = await page.evaluate(
    () =>
      new Promise<{ scrollWidth: number; innerWidth: number; culprits: string[] }>((resolve) => {
        requestAnimationFrame(() => {
          const innerWidth = window.innerWidth;
          const culprits = Array.from(document.querySelectorAll<HTMLElement>('body *'))
            .filter((el) => el.getBoundingClientRect().right > innerWidth + 0.5 && el.getClientRects().length > 0)
            .slice(0, 5)
            .map((el) => `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).split(' ').join('.')}` : ''} (right ${Math.round(el.getBoundingClientRect().right)})`);
          resolve({ scrollWidth: document.documentElement.scrollWidth, innerWidth, culprits });
        });
      }),
  );
  assert.ok(size.scrollWidth <= size.innerWidth, `${label}: the page is ${size.scrollWidth}px wide in a ${size.innerWidth}px viewport; widest: ${size.culprits.join(', ')}`);
}

/** What assistive technology would announce for the page's visible controls, by a simplified accessible-name computation. */
export async function unnamedControls(page: Page): Promise<string[]> {
  return page.locator('button, a[href], input:not([type=hidden]), select, textarea, [role=button], [role=link], [tabindex]:not([tabindex="-1"])').evaluateAll((elements) => {
    const text = (el: Element | null): string => (el?.textContent ?? '').replace(/\s+/g, ' ').trim();
    const visible = (el: Element): boolean => {
      const html = el as HTMLElement;
      if (html.closest('[hidden], [aria-hidden="true"], dialog:not([open])')) return false;
      const style = getComputedStyle(html);
      return style.visibility !== 'hidden' && style.display !== 'none' && html.getClientRects().length > 0;
    };
    const nameOf = (el: Element): string => {
      const labelledBy = el.getAttribute('aria-labelledby');
      if (labelledBy) {
        const joined = labelledBy
          .split(/\s+/)
          .map((id) => text(document.getElementById(id)))
          .join(' ')
          .trim();
        if (joined) return joined;
      }
      const aria = el.getAttribute('aria-label')?.trim();
      if (aria) return aria;
      if (el instanceof HTMLInputElement || el instanceof HTMLSelectElement || el instanceof HTMLTextAreaElement) {
        const labels = Array.from(el.labels ?? [], text).join(' ').trim();
        if (labels) return labels;
        if (el instanceof HTMLInputElement && ['submit', 'button', 'reset'].includes(el.type)) return el.value;
      } else {
        const own = text(el);
        if (own) return own;
        const alt = Array.from(el.querySelectorAll('img[alt]'), (img) => img.getAttribute('alt') ?? '').join(' ').trim();
        if (alt) return alt;
      }
      return el.getAttribute('title')?.trim() ?? '';
    };
    return elements.filter((el) => visible(el) && nameOf(el) === '').map((el) => el.outerHTML.slice(0, 160));
  });
}

/**
 * Presses Tab from the top of the page until focus comes round again, and returns the visible,
 * enabled controls it never reached (a radio group counts as reached through any of its radios).
 */
export async function unreachableByTab(page: Page): Promise<string[]> {
  const total = await page.evaluate(() => {
    const visible = (el: HTMLElement): boolean =>
      !el.closest('[hidden], [aria-hidden="true"], dialog:not([open])') && getComputedStyle(el).visibility !== 'hidden' && el.getClientRects().length > 0;
    const targets = Array.from(document.querySelectorAll<HTMLElement>('button, a[href], input:not([type=hidden]), select, textarea')).filter(
      (el) => visible(el) && !(el as HTMLButtonElement).disabled,
    );
    // While a modal dialog is open, only its controls are reachable, by design.
    const modal = document.querySelector('dialog[open]');
    const scoped = modal ? targets.filter((el) => modal.contains(el)) : targets;
    (window as unknown as { __tabTargets: HTMLElement[]; __tabSeen: Set<number> }).__tabTargets = scoped;
    (window as unknown as { __tabSeen: Set<number> }).__tabSeen = new Set();
    (document.activeElement as HTMLElement | null)?.blur();
    return scoped.length;
  });
  // Two rounds at most: browser chrome takes a few presses between rounds.
  for (let i = 0; i < total * 2 + 10; i += 1) {
    await page.keyboard.press('Tab');
    const done = await page.evaluate(() => {
      const w = window as unknown as { __tabTargets: HTMLElement[]; __tabSeen: Set<number> };
      const active = document.activeElement;
      w.__tabTargets.forEach((el, index) => {
        if (el === active || (el instanceof HTMLInputElement && el.type === 'radio' && active instanceof HTMLInputElement && active.type === 'radio' && active.name === el.name && el.name !== '')) {
          w.__tabSeen.add(index);
        }
      });
      return w.__tabSeen.size === w.__tabTargets.length;
    });
    if (done) return [];
  }
  return page.evaluate(() => {
    const w = window as unknown as { __tabTargets: HTMLElement[]; __tabSeen: Set<number> };
    return w.__tabTargets.filter((_, i) => !w.__tabSeen.has(i)).map((el) => el.outerHTML.slice(0, 160));
  });
}

/** The page's HTML and web storage contain none of `secrets`. */
export async function assertNoSecrets(page: Page, label: string, secrets: readonly string[]): Promise<void> {
  const html = await page.content();
  const storage = await page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } })).catch(() => '');
  for (const secret of secrets) {
    if (secret.length < 8) continue;
    assert.ok(!html.includes(secret), `${label}: the page's HTML contains a secret (…${secret.slice(-4)})`);
    assert.ok(!storage.includes(secret), `${label}: web storage contains a secret (…${secret.slice(-4)})`);
  }
}

export interface PageCheck {
  /** Screenshot name, e.g. `integrations`; also used in messages. */
  readonly name: string;
  readonly secrets: readonly string[];
  /** Also save `<name>-mobile.png` at 390×844. */
  readonly mobileScreenshot?: boolean;
  /** Skip the Tab walk (e.g. pages checked already in another state). */
  readonly skipTab?: boolean;
  /** Check without saving a screenshot (a state of a page pictured elsewhere). */
  readonly noScreenshot?: boolean;
}

/**
 * Every check for the page as it is now: names, Tab reachability and secrets at desktop size,
 * overflow at 390×844 and 1280×800, screenshots. Leaves the page at desktop size.
 */
export async function checkPage(page: Page, check: PageCheck): Promise<void> {
  await page.setViewportSize(DESKTOP);
  assert.deepEqual(await unnamedControls(page), [], `${check.name}: controls without an accessible name`);
  if (!check.skipTab) assert.deepEqual(await unreachableByTab(page), [], `${check.name}: controls Tab never reaches`);
  await assertNoSecrets(page, check.name, check.secrets);
  await assertNoOverflow(page, `${check.name} at 1280×800`);
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  if (!check.noScreenshot) await screenshot(page, check.name);
  await page.setViewportSize(MOBILE);
  await assertNoOverflow(page, `${check.name} at 390×844`);
  assert.deepEqual(await unnamedControls(page), [], `${check.name} at 390×844: controls without an accessible name`);
  if (check.mobileScreenshot) await screenshot(page, `${check.name}-mobile`);
  await page.setViewportSize(DESKTOP);
}
