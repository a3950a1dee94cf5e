/**
 * In-memory authorization cache for the token hot path (`POST /connections/:id/token`): which
 * user an API key belongs to, and the connection row with the caller's membership and the plan,
 * so that a repeated ask needs no database round trip.
 *
 * Only *grants* are cached (a live key, a connection the caller may use); a refusal always
 * reads the database again. A grant must never outlive the change that ends it:
 *
 * - within a process, every change that can affect access invalidates synchronously, after its
 *   commit and before its HTTP answer (domain events and explicit calls; see `services/index.ts`);
 * - across processes sharing PostgreSQL, triggers on the tables involved `NOTIFY` in the same
 *   transaction as the change, and a dedicated listener (`store/access-notify.ts`) invalidates;
 *   while that listener is not connected and listening, a shared cache is bypassed entirely;
 * - entries expire after a short TTL anyway (a backstop, not the mechanism).
 *
 * Races between a database read and an invalidation are closed by a generation counter: a reader
 * notes the generation before it reads, and its result is cached only if no invalidation of any
 * kind happened meanwhile (the row it read may predate the change).
 */
import type { User } from './accounts.ts';
import type { ConnectionWithAccess } from '../store/connections.ts';

export type AccessCacheMode =
  /** One process owns the database (PGlite): in-process invalidation is complete. */
  | 'local'
  /** Other processes may change the database: usable only while the change listener listens. */
  | 'shared';

export interface AccessCacheOptions {
  mode: AccessCacheMode;
  /** Backstop lifetime of an entry. */
  ttlMs?: number;
  /** Most API keys remembered. */
  maxPrincipals?: number;
  /** Most grants remembered (one per connection and user who asked for it). */
  maxGrants?: number;
}

export interface CachedPrincipal {
  user: User;
  keyId: string;
}

interface Entry<T> {
  value: T;
  expiresAt: number;
}

interface GrantEntry extends Entry<ConnectionWithAccess> {
  connectionId: string;
}

export const DEFAULT_ACCESS_TTL_MS = 5_000;

/**
 * A bounded Map evicting the least recently *stored* entry. Reads do not reorder (that costs a
 * delete and an insert per hit on the hot path); an entry in use is stored again at least once
 * per TTL, so what is evicted is what nobody asked for lately.
 */
class Lru<K, V> {
  readonly #map = new Map<K, V>();
  constructor(
    private readonly max: number,
    private readonly onEvict: (key: K, value: V) => void = () => undefined,
  ) {}

  get(key: K): V | undefined {
    return this.#map.get(key);
  }

  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    while (this.#map.size > this.max) {
      const oldest = this.#map.entries().next();
      if (oldest.done) break;
      this.#map.delete(oldest.value[0]);
      this.onEvict(oldest.value[0], oldest.value[1]);
    }
  }

  delete(key: K): void {
    this.#map.delete(key);
  }

  clear(): void {
    this.#map.clear();
  }

  get size(): number {
    return this.#map.size;
  }
}

export class AccessCache {
  readonly mode: AccessCacheMode;
  readonly #ttlMs: number;
  readonly #principals: Lru<string, Entry<CachedPrincipal>>;
  /** By `connection id NUL user id`. */
  readonly #grants: Lru<string, GrantEntry>;
  /** The grant keys of each connection, for invalidating one connection. */
  readonly #byConnection = new Map<string, Set<string>>();
  #generation = 0;
  /** A shared cache starts deaf: nothing is served until the listener says it listens. */
  #listening: boolean;
  #hits = 0;
  #misses = 0;

  constructor(options: AccessCacheOptions) {
    this.mode = options.mode;
    this.#ttlMs = options.ttlMs ?? DEFAULT_ACCESS_TTL_MS;
    this.#principals = new Lru(options.maxPrincipals ?? 10_000);
    this.#grants = new Lru(options.maxGrants ?? 20_000, (key, e) => this.#unindex(e.connectionId, key));
    this.#listening = options.mode === 'local';
  }

  /** Whether entries may be served and stored now. */
  get enabled(): boolean {
    return this.#listening && this.#ttlMs > 0;
  }

  /** Taken before a database read whose result may be cached; see {@link AccessCache}. */
  generation(): number {
    return this.#generation;
  }

  principal(keyHash: string, now: number): CachedPrincipal | undefined {
    if (!this.enabled) return undefined;
    const e = this.#principals.get(keyHash);
    if (e === undefined || e.expiresAt <= now) {
      if (e !== undefined) this.#principals.delete(keyHash);
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    return e.value;
  }

  rememberPrincipal(keyHash: string, value: CachedPrincipal, generation: number, now: number): void {
    if (!this.enabled || generation !== this.#generation) return;
    this.#principals.set(keyHash, { value, expiresAt: now + this.#ttlMs });
  }

  grant(connectionId: string, userId: string, now: number): ConnectionWithAccess | undefined {
    if (!this.enabled) return undefined;
    const key = `${connectionId}\u0000${userId}`;
    const e = this.#grants.get(key);
    if (e === undefined || e.expiresAt <= now) {
      if (e !== undefined) {
        this.#grants.delete(key);
        this.#unindex(connectionId, key);
      }
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    return e.value;
  }

  /** Caches a row the caller was found allowed to use, unless anything changed since `generation`. */
  rememberGrant(row: ConnectionWithAccess, userId: string, generation: number, now: number): void {
    if (!this.enabled || generation !== this.#generation) return;
    const key = `${row.id}\u0000${userId}`;
    let keys = this.#byConnection.get(row.id);
    if (keys === undefined) {
      keys = new Set();
      this.#byConnection.set(row.id, keys);
    }
    keys.add(key);
    this.#grants.set(key, { value: row, expiresAt: now + this.#ttlMs, connectionId: row.id });
  }

  #unindex(connectionId: string, key: string): void {
    const keys = this.#byConnection.get(connectionId);
    if (keys === undefined) return;
    keys.delete(key);
    if (keys.size === 0) this.#byConnection.delete(connectionId);
  }

  /** Something about one connection changed (status, share, tokens, owner…). */
  invalidateConnection(connectionId: string): void {
    this.#generation++;
    const keys = this.#byConnection.get(connectionId);
    if (keys === undefined) return;
    for (const key of keys) this.#grants.delete(key);
    this.#byConnection.delete(connectionId);
  }

  /** Something that may affect many grants changed (membership, plan, API key, OAuth app…). */
  invalidateAll(): void {
    this.#generation++;
    this.#principals.clear();
    this.#grants.clear();
    this.#byConnection.clear();
  }

  /**
   * The cross-process listener's state. Going deaf flushes and stops serving; coming back
   * flushes again (anything may have changed while nobody listened) and serves again.
   */
  setListening(listening: boolean): void {
    if (this.mode === 'local') return;
    this.invalidateAll();
    this.#listening = listening;
  }

  stats(): { hits: number; misses: number; principals: number; grants: number; connections: number; enabled: boolean } {
    return { hits: this.#hits, misses: this.#misses, principals: this.#principals.size, grants: this.#grants.size, connections: this.#byConnection.size, enabled: this.enabled };
  }
}
