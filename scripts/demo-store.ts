import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Adapter } from 'oidc-provider';
import { OidcMemoryStore, type StoredEntry } from '../test/peers/oidc-memory-adapter.ts';

interface Snapshot {
  /** Free-form values the demo provider keeps across restarts (signing key, client secret…). */
  settings: Record<string, unknown>;
  models: Record<string, Record<string, StoredEntry>>;
}

/**
 * oidc-provider storage for the demo: the per-instance memory store the tests use
 * (test/peers/oidc-memory-adapter.ts), written to one JSON file after every change when a
 * `file` is given, so grants and refresh tokens survive a restart of `npm run demo` (the
 * connections in Tether keep refreshing). Without a file it is the plain memory store (the
 * end-to-end test). Not for production: the whole state is rewritten each time.
 */
export class DemoProviderStore {
  readonly #file: string | null;
  readonly #settings: Record<string, unknown>;
  readonly #memory: OidcMemoryStore;
  /** The factory to pass as oidc-provider's `adapter` configuration. */
  readonly adapterFactory: (model: string) => Adapter;

  constructor(file: string | null) {
    this.#file = file;
    let loaded: Partial<Snapshot> = {};
    if (file !== null) {
      try {
        loaded = JSON.parse(readFileSync(file, 'utf8')) as Partial<Snapshot>;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read the demo provider state ${file}: ${String(err)}`, { cause: err });
      }
    }
    this.#settings = loaded.settings ?? {};
    this.#memory = new OidcMemoryStore({ initial: loaded.models ?? {}, onChange: () => this.save() });
    this.adapterFactory = this.#memory.adapterFactory;
  }

  /** A value kept across restarts, created by `make` the first time. */
  setting<T>(key: string, make: () => T): T {
    if (!(key in this.#settings)) {
      this.#settings[key] = make();
      this.save();
    }
    return this.#settings[key] as T;
  }

  save(): void {
    if (this.#file === null) return;
    const snapshot: Snapshot = { settings: this.#settings, models: this.#memory.snapshot() };
    mkdirSync(dirname(this.#file), { recursive: true });
    const tmp = `${this.#file}.tmp`;
    writeFileSync(tmp, JSON.stringify(snapshot), { mode: 0o600 });
    renameSync(tmp, this.#file);
  }
}
