/**
 * `npm run demo`: Tether plus a local OAuth provider, offline, with nothing to configure.
 *
 * Starts the demo provider (oidc-provider, scripts/demo-provider.ts) on DEMO_PROVIDER_PORT
 * (default 3001) and Tether (`src/main.ts` in a child process, as `npm start` runs it) on PORT
 * (default 3000) with its embedded database in DEMO_DATA_DIR (default ./data-demo), then makes
 * sure the demo admin, the "Demo team" workspace and the `demo` OAuth app exist, and prints
 * where to go. Running it again reuses all of it. Ctrl-C stops both.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDemoProvider, type DemoProvider } from './demo-provider.ts';
import { DEMO_ADMIN, DEMO_WORKSPACE, demoAppBody, ensureAccount, ensureDemoApp, ensureWorkspace } from './demo-setup.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65_535) {
    process.stderr.write(`${name} must be a port number (1–65535), got "${raw}"\n`);
    process.exit(2);
  }
  return value;
}

async function waitReady(base: string, exited: () => boolean): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < 60_000) {
    if (exited()) throw new Error('Tether exited during start (its output is above)');
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`Tether did not answer ${base}/readyz within 60 s`);
}

async function main(): Promise<void> {
  const tetherPort = port('PORT', 3000);
  const providerPort = port('DEMO_PROVIDER_PORT', 3001);
  const dataDir = resolve(process.env.DEMO_DATA_DIR ?? './data-demo');
  const publicOrigin = process.env.PUBLIC_ORIGIN ?? `http://localhost:${tetherPort}`;
  const local = `http://127.0.0.1:${tetherPort}`;

  let provider: DemoProvider;
  try {
    provider = await startDemoProvider({ port: providerPort, redirectUris: [`${publicOrigin}/oauth/callback`], stateFile: `${dataDir}/provider.json` });
  } catch (err) {
    const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
    throw new Error(inUse ? `port ${providerPort} is in use: set DEMO_PROVIDER_PORT to a free port` : String(err), { cause: err });
  }

  // Only what Tether reads: the demo always runs on its own embedded database, never DATABASE_URL.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      PORT: String(tetherPort),
      HOST: '127.0.0.1',
      PUBLIC_ORIGIN: publicOrigin,
      TETHER_DATA_DIR: `${dataDir}/tether`,
      TETHER_OPEN_SIGNUP: 'true',
      TETHER_LOG_LEVEL: process.env.TETHER_LOG_LEVEL ?? 'warn',
      ...(process.env.TETHER_ENCRYPTION_KEYS ? { TETHER_ENCRYPTION_KEYS: process.env.TETHER_ENCRYPTION_KEYS } : {}),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  let childExited = false;
  const exited = new Promise<number | null>((done) =>
    child.on('exit', (code) => {
      childExited = true;
      done(code);
    }),
  );

  let stopping = false;
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    if (!childExited) child.kill('SIGTERM');
    await exited;
    await provider.close();
    process.exit(code);
  };
  // Ctrl-C reaches the whole process group; Tether shuts itself down on it, we wait for that.
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  void exited.then((code) => {
    if (!stopping) {
      process.stderr.write(`Tether stopped unexpectedly (exit code ${code}); stopping the demo.\n`);
      void stop(1);
    }
  });

  try {
    await waitReady(local, () => childExited);
    const admin = await ensureAccount({ base: local, origin: publicOrigin }, DEMO_ADMIN);
    const ws = await ensureWorkspace(admin, DEMO_WORKSPACE);
    await ensureDemoApp(admin, demoAppBody(provider));
    process.stdout.write(
      [
        '',
        '  Tether demo is running (offline; Ctrl-C stops it)',
        '',
        `  Open      ${publicOrigin}/w/${ws}/integrations`,
        `  Sign in   ${DEMO_ADMIN.email}  /  ${DEMO_ADMIN.password}   (instance admin, workspace "${DEMO_WORKSPACE}")`,
        `  Provider  ${provider.issuer} — the "demo" integration. At its sign-in page any username`,
        '            (e.g. alice, bob) and any password work; then choose Allow.',
        '  Try       Integrations → Connect demo → approve → Refresh Token → Promote to Workspace → Disconnect.',
        '            Access tokens live 5 minutes, so Tether also refreshes them by itself.',
        `  Data      ${dataDir} (delete it to start over)`,
        '',
      ].join('\n') + '\n',
    );
  } catch (err) {
    process.stderr.write(`Demo setup failed: ${err instanceof Error ? err.message : String(err)}\n`);
    await stop(1);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`The demo could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
