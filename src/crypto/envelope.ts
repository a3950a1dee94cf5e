import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Secret } from '../core/secret.ts';
import type { KeyEncryptionKey } from '../config.ts';
import { DecryptError, type EncryptionContext } from './errors.ts';
import { IV_BYTES, KEY_BYTES, TAG_BYTES, parseSealed, payloadAad, serializeSealed, wrapAad, type SealedParts } from './format.ts';
import type { Keyring } from './keyring.ts';

const ALGORITHM = 'aes-256-gcm';

/**
 * Envelope encryption for values at rest (SPEC §9): each value gets its own random 256-bit data
 * key (DEK) and 96-bit IV, is encrypted with AES-256-GCM, and the DEK is wrapped (AES-256-GCM,
 * own IV) by the keyring's newest key-encryption key (KEK). The AADs bind the payload to its
 * record and field, and the wrapped DEK additionally to its KEK version (see `format.ts`).
 *
 * Per-value DEKs mean a GCM IV is never reused under a data key, and rotating the KEK only
 * re-wraps 48 bytes per value instead of re-encrypting payloads. Random IVs under one KEK stay
 * far below the 2^32 wraps NIST SP 800-38D §8.3 allows per key for a deployment's token count.
 *
 * @see https://nvlpubs.nist.gov/nistpubs/Legacy/SP/nistspecialpublication800-38d.pdf
 */
export class Envelope {
  readonly #keyring: Keyring;

  constructor(keyring: Keyring) {
    this.#keyring = keyring;
  }

  /** Encrypts a value for the given record under the newest KEK; returns the `tv1.…` string. */
  seal(plaintext: string | Secret<string>, context: EncryptionContext): string {
    const text = typeof plaintext === 'string' ? plaintext : plaintext.reveal();
    const dek = randomBytes(KEY_BYTES);
    try {
      const iv = randomBytes(IV_BYTES);
      const ciphertext = gcmEncrypt(dek, iv, payloadAad(context), Buffer.from(text, 'utf8'));
      return serializeSealed({ ...this.#wrap(dek, context), iv, ciphertext });
    } finally {
      // Best effort: the DEK has no business outliving this call in memory.
      dek.fill(0);
    }
  }

  /**
   * Decrypts a value sealed for this record.
   * @throws {DecryptError} when the value is malformed, names an unconfigured key version, or
   *   fails authentication (tampered, or sealed for another record, field or key version).
   */
  open(sealed: string, context: EncryptionContext): Secret<string> {
    const parts = parseSealed(sealed, context);
    const dek = this.#unwrap(parts, context);
    try {
      const plaintext = gcmDecrypt(dek, parts.iv, payloadAad(context), parts.ciphertext);
      if (plaintext === null) throw new DecryptError('authentication_failed', 'authentication failed', { context, keyVersion: parts.kekVersion });
      return new Secret(plaintext.toString('utf8'));
    } finally {
      dek.fill(0);
    }
  }

  /**
   * The KEK version a sealed value is wrapped under, without decrypting it (rotation progress).
   * @throws {DecryptError} with reason `malformed` when the value is not a sealed value.
   */
  keyVersionOf(sealed: string): number {
    return parseSealed(sealed, null).kekVersion;
  }

  /**
   * Re-wraps the value's data key under the newest KEK, leaving the payload IV and ciphertext
   * byte-identical (the plaintext is never decrypted). Only the wrapped DEK is authenticated,
   * which already proves the value belongs to `context`.
   *
   * @returns the new sealed string, or null when the value is already on the newest KEK.
   * @throws {DecryptError} as {@link Envelope.open} for the wrapping layer.
   */
  rewrap(sealed: string, context: EncryptionContext): string | null {
    const parts = parseSealed(sealed, context);
    if (parts.kekVersion === this.#keyring.current.version) return null;
    const dek = this.#unwrap(parts, context);
    try {
      return serializeSealed({ ...parts, ...this.#wrap(dek, context) });
    } finally {
      dek.fill(0);
    }
  }

  #wrap(dek: Buffer, context: EncryptionContext): Pick<SealedParts, 'kekVersion' | 'wrapIv' | 'wrappedDek'> {
    const kek: KeyEncryptionKey = this.#keyring.current;
    const wrapIv = randomBytes(IV_BYTES);
    return { kekVersion: kek.version, wrapIv, wrappedDek: gcmEncrypt(kek.key.reveal(), wrapIv, wrapAad(context, kek.version), dek) };
  }

  #unwrap(parts: SealedParts, context: EncryptionContext): Buffer {
    const kek = this.#keyring.get(parts.kekVersion);
    if (kek === undefined) {
      throw new DecryptError('unknown_key_version', `it is wrapped by key version ${parts.kekVersion}, which is not configured (configured: ${this.#keyring.versions.join(', ')})`, {
        context,
        keyVersion: parts.kekVersion,
      });
    }
    const dek = gcmDecrypt(kek.key.reveal(), parts.wrapIv, wrapAad(context, parts.kekVersion), parts.wrappedDek);
    if (dek === null) throw new DecryptError('authentication_failed', 'authentication failed', { context, keyVersion: parts.kekVersion });
    return dek;
  }
}

/** AES-256-GCM; returns ciphertext followed by the 16-byte tag. */
function gcmEncrypt(key: Buffer, iv: Buffer, aad: Buffer, plaintext: Buffer): Buffer {
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([body, cipher.getAuthTag()]);
}

/**
 * Inverse of {@link gcmEncrypt}; null when the tag does not verify. Node's error for that case
 * ("Unsupported state or unable to authenticate data") carries nothing beyond the fact, so it is
 * replaced by a DecryptError that names the record instead of being chained as a cause.
 */
function gcmDecrypt(key: Buffer, iv: Buffer, aad: Buffer, sealed: Buffer): Buffer | null {
  const body = sealed.subarray(0, sealed.length - TAG_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  decipher.setAuthTag(tag);
  decipher.setAAD(aad);
  const out = decipher.update(body);
  try {
    const plaintext = Buffer.concat([out, decipher.final()]);
    out.fill(0);
    return plaintext;
  } catch {
    // Unauthenticated output must not escape, not even in memory.
    out.fill(0);
    return null;
  }
}
