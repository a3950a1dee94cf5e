import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from '../../test/helpers/process.ts';

/**
 * A child process for a benchmark: Tether (`src/main.ts`) or another script, with its output
 * going to a file rather than through a pipe into the process generating the load.
 */
export class BenchProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  readonly logFile: string;

  constructor(
    readonly name: string,
    readonly port: number,
    script: string,
    env: Record<string, string>,
    logDir: string,
    nodeArgs: readonly string[] = [],
  ) {
    this.logFile = join(logDir, `${name}.log`);
    const fd = openSync(this.logFile, 'a');
    this.child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: String(port), ...env },
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  static tether(name: string, port: number, env: Record<string, string>, logDir: string, nodeArgs: readonly string[] = []): BenchProcess {
    return new BenchProcess(name, port, 'src/main.ts', env, logDir, nodeArgs);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  async waitReady(timeoutMs = 60_000): Promise<void> {
    const started = Date.now();
    while (Date.now() - started < timeoutMs) {
      if (this.child.exitCode !== null) throw new Error(`${this.name} exited with ${this.child.exitCode}:\n${this.log()}`);
      try {
        if ((await fetch(`${this.url}/readyz`)).status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`${this.name} not ready after ${timeoutMs} ms:\n${this.log()}`);
  }

  async waitForLog(pattern: RegExp, timeoutMs = 60_000): Promise<void> {
    const started = Date.now();
    while (Date.now() - started < timeoutMs) {
      if (this.child.exitCode !== null) throw new Error(`${this.name} exited with ${this.child.exitCode}:\n${this.log()}`);
      if (pattern.test(await readFile(this.logFile, 'utf8').catch(() => ''))) return;
      await sleep(100);
    }
    throw new Error(`${this.name}: no ${pattern} after ${timeoutMs} ms:\n${this.log()}`);
  }

  /** User + system CPU seconds the process has used so far (Linux /proc). */
  cpuSeconds(): number {
    const stat = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 Hz on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}
