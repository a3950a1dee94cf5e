/**
 * The audit log's hash chain (SPEC §8: tampering with stored entries is detectable).
 *
 * Every entry's `hash` is SHA-256 over a canonical encoding of its content and the previous
 * entry's hash, so editing an entry breaks its own hash and deleting one breaks the next
 * entry's link. Pure: no I/O, the same bytes on every process and database.
 */
import { createHash } from 'node:crypto';

/** The `prev_hash` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** Bumped if the encoding ever changes; part of every hashed payload. */
export const CHAIN_VERSION = 'tether.audit.v1';

/** A JSON value as jsonb stores and returns it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface ChainedContent {
  seq: number;
  id: string;
  at: Date;
  actorId: string | null;
  action: string;
  workspaceId: string | null;
  domain: string | null;
  connectionId: string | null;
  details: Record<string, JsonValue>;
  prevHash: string;
}

/**
 * JSON with object keys sorted (recursively), no whitespace. Numbers use JavaScript's shortest
 * round-trip form, which is also what `JSON.parse` of jsonb's output gives back, so an entry
 * hashes the same before it is written and after it is read.
 */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k] ?? null)}`).join(',')}}`;
}

/**
 * The bytes that are hashed: a JSON array in a fixed order,
 * `[version, seq, id, at, actorId, action, workspaceId, domain, connectionId, details, prevHash]`
 * with `seq` as a decimal string, `at` as ISO-8601 UTC (milliseconds) and `details` as its
 * canonical JSON text.
 */
export function canonicalEntry(e: ChainedContent): string {
  return JSON.stringify([
    CHAIN_VERSION,
    String(e.seq),
    e.id,
    e.at.toISOString(),
    e.actorId,
    e.action,
    e.workspaceId,
    e.domain,
    e.connectionId,
    canonicalJson(e.details),
    e.prevHash,
  ]);
}

export function entryHash(e: ChainedContent): string {
  return createHash('sha256').update(canonicalEntry(e), 'utf8').digest('hex');
}

/** Walks entries in `seq` order; remembers the previous hash across batches. */
export class ChainVerifier {
  #prevHash = GENESIS_HASH;

  /** Checks one entry; false when its content or its link to the previous entry does not match. */
  check(e: ChainedContent & { hash: string }): boolean {
    const ok = e.prevHash === this.#prevHash && entryHash(e) === e.hash;
    this.#prevHash = e.hash;
    return ok;
  }
}
