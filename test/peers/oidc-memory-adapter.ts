import type { Adapter, AdapterPayload } from 'oidc-provider';

export interface StoredEntry {
  payload: AdapterPayload;
  /** Epoch ms after which the entry is gone; oidc-provider passes `expiresIn` seconds. */
  expiresAt: number;
}

/** Models whose payload carries a `grantId`, so revoking a grant removes them. */
const GRANT_BOUND = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);

/**
 * Storage for one provider instance. oidc-provider's bundled MemoryAdapter keeps a
 * module-wide LRU (so two peers in one test process would share state) and prints a warning;
 * this one is per instance, quiet, and lets the peer list grants by account.
 * Same contract as oidc-provider's lib/adapters/memory_adapter.js.
 */
export class OidcMemoryStore {
  readonly #models = new Map<string, Map<string, StoredEntry>>();
  readonly #onChange: () => void;

  /**
   * `initial` restores a {@link snapshot}; `onChange` runs after every write (the offline demo,
   * scripts/demo-store.ts, persists the store there so grants survive a restart).
   */
  constructor(options: { initial?: Record<string, Record<string, StoredEntry>>; onChange?: () => void } = {}) {
    for (const [model, entries] of Object.entries(options.initial ?? {})) this.#models.set(model, new Map(Object.entries(entries)));
    this.#onChange = options.onChange ?? (() => undefined);
  }

  /** The factory to pass as oidc-provider's `adapter` configuration. */
  readonly adapterFactory = (model: string): Adapter => new ModelAdapter(model, this);

  table(model: string): Map<string, StoredEntry> {
    let table = this.#models.get(model);
    if (!table) {
      table = new Map();
      this.#models.set(model, table);
    }
    return table;
  }

  /** Live entries of one model, e.g. every `Grant`. */
  *entries(model: string): Generator<[id: string, payload: AdapterPayload]> {
    const now = Date.now();
    for (const [id, entry] of this.table(model)) {
      if (entry.expiresAt > now) yield [id, entry.payload];
    }
  }

  clear(): void {
    this.#models.clear();
    this.changed();
  }

  /** The live entries of every model as plain records (what `initial` takes back). */
  snapshot(): Record<string, Record<string, StoredEntry>> {
    const now = Date.now();
    const out: Record<string, Record<string, StoredEntry>> = {};
    for (const [model, table] of this.#models) {
      out[model] = Object.fromEntries([...table].filter(([, entry]) => entry.expiresAt > now));
    }
    return out;
  }

  changed(): void {
    this.#onChange();
  }
}

class ModelAdapter implements Adapter {
  readonly #model: string;
  readonly #store: OidcMemoryStore;

  constructor(model: string, store: OidcMemoryStore) {
    this.#model = model;
    this.#store = store;
  }

  #get(id: string): StoredEntry | undefined {
    const table = this.#store.table(this.#model);
    const entry = table.get(id);
    if (entry && entry.expiresAt <= Date.now()) {
      table.delete(id);
      return undefined;
    }
    return entry;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    this.#store.table(this.#model).set(id, { payload, expiresAt: Date.now() + expiresIn * 1000 });
    this.#store.changed();
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
    this.#store.changed();
  }

  async destroy(id: string): Promise<void> {
    this.#store.table(this.#model).delete(id);
    this.#store.changed();
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    if (!GRANT_BOUND.has(this.#model)) return;
    const table = this.#store.table(this.#model);
    for (const [id, entry] of table) {
      if (entry.payload.grantId === grantId) table.delete(id);
    }
    this.#store.changed();
  }

  #findBy(match: (payload: AdapterPayload) => boolean): AdapterPayload | undefined {
    for (const [, payload] of this.#store.entries(this.#model)) {
      if (match(payload)) return payload;
    }
    return undefined;
  }
}
