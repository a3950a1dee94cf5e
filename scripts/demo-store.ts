import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Entry {
  payload: AdapterPayload;
  /** Epoch ms after which the entry is gone; oidc-provider passes `expiresIn` seconds. */
  expiresAt: number;
}

interface Snapshot {
  /** Free-form values the demo provider keeps across restarts (signing key, client secret…). */
  settings: Record<string, unknown>;
  models: Record<string, Record<string, Entry>>;
}

/** Models whose payload carries a `grantId`, so revoking a grant removes them. */
const GRANT_BOUND = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

/**
 * oidc-provider storage for the demo: in memory, and written to one JSON file after every
 * change when a `file` is given, so grants and refresh tokens survive a restart of
 * `npm run demo` (the connections in Tether keep refreshing). Without a file it is a plain
 * per-instance memory store (the end-to-end test). Same contract as oidc-provider's
 * lib/adapters/memory_adapter.js. Not for production: the whole state is rewritten each time.
 */
export class DemoProviderStore {
  readonly #file: string | null;
  readonly #snapshot: Snapshot;

  constructor(file: string | null) {
    this.#file = file;
    this.#snapshot = { settings: {}, models: {} };
    if (file !== null) {
      try {
        const loaded = JSON.parse(readFileSync(file, 'utf8')) as Partial<Snapshot>;
        this.#snapshot = { settings: loaded.settings ?? {}, models: loaded.models ?? {} };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read the demo provider state ${file}: ${String(err)}`, { cause: err });
      }
    }
  }

  /** The factory to pass as oidc-provider's `adapter` configuration. */
  readonly adapterFactory = (model: string): Adapter => new ModelAdapter(model, this);

  /** A value kept across restarts, created by `make` the first time. */
  setting<T>(key: string, make: () => T): T {
    if (!(key in this.#snapshot.settings)) {
      this.#snapshot.settings[key] = make();
      this.save();
    }
    return this.#snapshot.settings[key] as T;
  }

  table(model: string): Record<string, Entry> {
    return (this.#snapshot.models[model] ??= {});
  }

  save(): void {
    if (this.#file === null) return;
    const now = Date.now();
    for (const table of Object.values(this.#snapshot.models)) {
      for (const [id, entry] of Object.entries(table)) if (entry.expiresAt <= now) delete table[id];
    }
    mkdirSync(dirname(this.#file), { recursive: true });
    const tmp = `${this.#file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.#snapshot), { mode: 0o600 });
    renameSync(tmp, this.#file);
  }
}

class ModelAdapter implements Adapter {
  readonly #model: string;
  readonly #store: DemoProviderStore;

  constructor(model: string, store: DemoProviderStore) {
    this.#model = model;
    this.#store = store;
  }

  #get(id: string): Entry | undefined {
    const table = this.#store.table(this.#model);
    const entry = table[id];
    if (entry && entry.expiresAt <= Date.now()) {
      delete table[id];
      return undefined;
    }
    return entry;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    this.#store.table(this.#model)[id] = { payload, expiresAt: Date.now() + expiresIn * 1000 };
    this.#store.save();
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.#get(id)?.payload;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.#findBy((payload) => payload.uid === uid);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.#findBy((payload) => payload.userCode === userCode);
  }

  async consume(id: string): Promise<void> {
    const entry = this.#get(id);
    if (!entry) return;
    entry.payload = { ...entry.payload, consumed: Math.floor(Date.now() / 1000) };
    this.#store.save();
  }

  async destroy(id: string): Promise<void> {
    delete this.#store.table(this.#model)[id];
    this.#store.save();
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    if (!GRANT_BOUND.has(this.#model)) return;
    const table = this.#store.table(this.#model);
    for (const [id, entry] of Object.entries(table)) if (entry.payload.grantId === grantId) delete table[id];
    this.#store.save();
  }

  #findBy(match: (payload: AdapterPayload) => boolean): AdapterPayload | undefined {
    const now = Date.now();
    for (const entry of Object.values(this.#store.table(this.#model))) {
      if (entry.expiresAt > now && match(entry.payload)) return entry.payload;
    }
    return undefined;
  }
}
