import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, repoRoot } from '../helpers/process.ts';

/** `npm run demo` (scripts/demo.ts) as a newcomer starts it, on free ports and a throwaway data folder. */
export class DemoProcess {
  readonly output: string[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;

  private constructor(
    readonly port: number,
    readonly providerPort: number,
    readonly dataDir: string,
  ) {
    this.child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: String(port), DEMO_PROVIDER_PORT: String(providerPort), DEMO_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a failed test can still stop Tether (the demo's child) too.
      detached: true,
    });
    this.child.stdout?.on('data', (d: Buffer) => this.output.push(d.toString('utf8')));
    this.child.stderr?.on('data', (d: Buffer) => this.output.push(d.toString('utf8')));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  static async start(dataDir?: string): Promise<DemoProcess> {
    return new DemoProcess(await freePort(), await freePort(), dataDir ?? mkdtempSync(join(tmpdir(), 'tether-demo-')));
  }

  get log(): string {
    return this.output.join('');
  }

  /** Resolves with the banner once the demo says it is running; throws if it exits or stalls. */
  async waitRunning(timeoutMs = 60_000): Promise<string> {
    const started = Date.now();
    while (Date.now() - started < timeoutMs) {
      if (/Tether demo is running/.test(this.log) && /Data {6}/.test(this.log)) return this.log;
      if (this.child.exitCode !== null) throw new Error(`the demo exited (${this.child.exitCode}):\n${this.log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the demo did not start within ${timeoutMs} ms:\n${this.log}`);
  }

  /** Ctrl-C: SIGINT to the whole group, as a terminal sends it. */
  async interrupt(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.pid !== undefined) process.kill(-this.child.pid, 'SIGINT');
    return this.exited;
  }

  /** Last resort in `after`: nothing of the group survives. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.pid !== undefined) {
      try {
        process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await this.exited;
    }
  }

  removeData(): void {
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
