import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { generateKeyString } from '../../src/crypto/keyring.ts';
import { startDemoProvider, type DemoProvider } from '../../scripts/demo-provider.ts';
import { createTestStore, testDbKind, type TestStore } from '../helpers/db.ts';
import { freePort, repoRoot, ServerProcess } from '../helpers/process.ts';

/**
 * What the end-to-end tests run against: a real Tether server process (as `npm start` runs it,
 * on PGlite in a temporary data folder, or on a fresh PostgreSQL database when DATABASE_URL is
 * set), the demo's real oidc-provider (scripts/demo-provider.ts, the same one `npm run demo`
 * starts), and Debian's Chromium driven by playwright-core.
 */

export const CHROMIUM = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Why the browser tests cannot run here, or null. Without Chromium they are skipped with this
 * message on a developer machine; under CI (`CI` set) a missing Chromium is a failure instead.
 */
export function browserSkipReason(): string | null {
  if (existsSync(CHROMIUM)) return null;
  const reason = `Chromium not found at ${CHROMIUM}: install it (apt-get install chromium) or set E2E_CHROMIUM to run the browser tests`;
  if (process.env.CI) throw new Error(`${reason} (CI is set, so this is a failure, not a skip)`);
  return reason;
}

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/**
 * The server serves `web/dist` (built by `npm ci` through `prepare`). Rebuild it when a UI
 * source is newer, so the test never drives a stale bundle while the UI is being worked on.
 */
export function ensureUiBuilt(): void {
  const index = join(repoRoot, 'web/dist/index.html');
  const sources = ['web/src', 'web/index.html', 'web/public', 'web/vite.config.ts'].map((p) => join(repoRoot, p)).filter((p) => existsSync(p));
  if (existsSync(index) && statSync(index).mtimeMs >= Math.max(...sources.map(newestMtime))) return;
  execFileSync(process.execPath, [join(repoRoot, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { cwd: repoRoot, stdio: 'inherit' });
}

export interface World {
  /** Tether's URL, also its PUBLIC_ORIGIN (the browser must use exactly this origin). */
  readonly base: string;
  readonly tether: ServerProcess;
  readonly provider: DemoProvider;
  readonly browser: Browser;
  /** A fresh browser profile: one per person. */
  newContext(options?: { viewport?: { width: number; height: number } }): Promise<BrowserContext>;
  /** Every open page's URL and the start of its text, for failure messages. */
  describePages(): Promise<string>;
  close(): Promise<void>;
}

export async function startWorld(): Promise<World> {
  ensureUiBuilt();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const provider = await startDemoProvider({ redirectUris: [`${base}/oauth/callback`], stateFile: null });
  let store: TestStore | null = null;
  let dataDir: string | null = null;
  const env: Record<string, string> = {
    PUBLIC_ORIGIN: base,
    HOST: '127.0.0.1',
    TETHER_OPEN_SIGNUP: 'true',
    TETHER_ENCRYPTION_KEYS: generateKeyString(1),
    TETHER_LOG_LEVEL: 'info',
  };
  if (testDbKind === 'postgres') {
    store = await createTestStore({ migrate: false });
    Object.assign(env, store.env);
  } else {
    dataDir = mkdtempSync(join(tmpdir(), 'tether-e2e-'));
    env.TETHER_DATA_DIR = dataDir;
  }
  const tether = new ServerProcess(port, env);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const contexts: BrowserContext[] = [];
  try {
    await tether.waitReady(60_000);
  } catch (err) {
    await browser.close();
    await provider.close();
    throw err;
  }
  return {
    base,
    tether,
    provider,
    browser,
    async newContext(options = {}) {
      const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 }, baseURL: base, locale: 'en-GB', timezoneId: 'UTC' });
      context.setDefaultTimeout(15_000);
      // tsx (esbuild, keepNames) wraps functions declared inside our page.evaluate callbacks in
      // __name(fn, "name"); the page has no such helper, so give it a no-op one.
      await context.addInitScript({ content: 'globalThis.__name = (fn) => fn;' });
      contexts.push(context);
      return context;
    },
    async describePages() {
      const lines: string[] = [];
      for (const [i, c] of contexts.entries()) {
        for (const p of c.pages()) {
          const text = await p.evaluate(() => document.body?.innerText ?? '').catch((err: unknown) => `(unreadable: ${String(err)})`);
          lines.push(`[browser ${i + 1}] ${p.url()}\n    ${text.replace(/\s+/g, ' ').slice(0, 400)}`);
        }
      }
      return lines.join('\n');
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close();
      await tether.stop();
      await provider.close();
      if (store) await store.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
