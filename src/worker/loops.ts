import type { Logger } from '../log.ts';

/**
 * Lets a loop's pause be cut short: `kick()` makes {@link runEvery} run its task again at once
 * (or right after the run in progress, if it came during one).
 */
export class Wakeup {
  #kicked = false;
  #wake: (() => void) | null = null;

  kick(): void {
    this.#kicked = true;
    this.#wake?.();
  }

  /** Forgets earlier kicks: the run about to start covers them. */
  reset(): void {
    this.#kicked = false;
  }

  /** Waits `ms`, or less when kicked (also when kicked since the last reset) or aborted. */
  async pause(ms: number, signal: AbortSignal): Promise<void> {
    if (this.#kicked || signal.aborted) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.#wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/**
 * Runs `task` every `intervalMs` until `signal` aborts; `wakeup`, when given, can cut a pause
 * short. A failing run is logged and the loop goes on; the returned promise settles once the
 * loop has stopped (clean shutdown).
 */
export async function runEvery(name: string, intervalMs: number, task: () => Promise<unknown>, signal: AbortSignal, logger: Logger, wakeup: Wakeup = new Wakeup()): Promise<void> {
  while (!signal.aborted) {
    wakeup.reset();
    try {
      await task();
    } catch (err) {
      logger.error({ err, loop: name }, 'background loop failed; retrying on the next tick');
    }
    await wakeup.pause(intervalMs, signal);
  }
}
