/** The record a ciphertext belongs to; bound into the AAD so a value cannot be moved. */
export interface EncryptionContext {
  /** Table the value is stored in, e.g. `oauth_apps`. */
  readonly table: string;
  /** Primary key of the row, as a string. */
  readonly id: string;
  /** Logical field name, e.g. `client_secret`; distinct fields of one row never share a key. */
  readonly field: string;
}

/**
 * Why a sealed value could not be used:
 * - `malformed`: not a value this module produced (wrong shape, bad base64url, wrong lengths);
 * - `unknown_key_version`: wrapped by a key-encryption key that is not configured;
 * - `authentication_failed`: the GCM tag did not verify, meaning the value was altered, moved to
 *   another record or field, relabelled to another key version, or the key is wrong.
 */
export type DecryptFailure = 'malformed' | 'unknown_key_version' | 'authentication_failed';

/**
 * A sealed value could not be parsed, unwrapped or decrypted.
 *
 * The message names the record (table, field, id) and the reason, and NEVER includes the sealed
 * value or the plaintext: this error ends up in logs and, via `cause` chains, in error reports.
 * It is thrown rather than returned because a value Tether wrote that it cannot read is a broken
 * deployment (missing key) or tampering, not a condition callers can handle (STYLE habit 2).
 */
export class DecryptError extends Error {
  readonly reason: DecryptFailure;
  /** The record being decrypted, when known (`keyVersionOf` has none). */
  readonly context: EncryptionContext | null;
  /** The key-encryption key version named by the value, once it could be parsed. */
  readonly keyVersion: number | null;

  constructor(
    reason: DecryptFailure,
    detail: string,
    options: { context?: EncryptionContext | null; keyVersion?: number | null; cause?: unknown } = {},
  ) {
    const context = options.context ?? null;
    const subject = context === null ? 'could not read sealed value' : `could not decrypt ${context.table}.${context.field} for record ${context.id}`;
    super(`${subject}: ${detail}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DecryptError';
    this.reason = reason;
    this.context = context;
    this.keyVersion = options.keyVersion ?? null;
  }
}
