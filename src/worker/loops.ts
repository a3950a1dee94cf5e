import type { Logger } from '../log.ts';

/**
 * Runs `task` every `intervalMs` until `signal` aborts. A failing run is logged and the loop
 * goes on; the returned promise settles once the loop has stopped (clean shutdown).
 */
export async function runEvery(name: string, intervalMs: number, task: () => Promise<void>, signal: AbortSignal, logger: Logger): Promise<void> {
  while (!signal.aborted) {
    try {
      await task();
    } catch (err) {
      logger.error({ err, loop: name }, 'background loop failed; retrying on the next tick');
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, intervalMs);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
  }
}
