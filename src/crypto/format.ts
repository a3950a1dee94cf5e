import { DecryptError, type EncryptionContext } from './errors.ts';

/**
 * The serialized form of an envelope-encrypted value, one ASCII string for a `text` column:
 *
 * ```text
 * tv1.<kekVersion>.<wrapIv>.<wrappedDek>.<iv>.<ciphertext>
 * ```
 *
 * - `tv1`: format version 1 (bumped if the layout or the AAD encoding ever changes);
 * - `kekVersion`: decimal version of the key-encryption key (KEK) that wrapped the data key;
 * - `wrapIv`: 12 bytes, the AES-256-GCM IV used to wrap the data key;
 * - `wrappedDek`: 48 bytes, the 32-byte data key (DEK) encrypted under the KEK, then its 16-byte tag;
 * - `iv`: 12 bytes, the AES-256-GCM IV of the payload;
 * - `ciphertext`: the payload encrypted under the DEK, then its 16-byte tag (so at least 16 bytes).
 *
 * Binary parts are unpadded base64url, which never contains `.`, so splitting on `.` is exact.
 * The KEK version sits in clear text so rotation can find stale values without a key, and so a
 * rewrap can replace the first four parts while leaving the payload byte-identical.
 */
export interface SealedParts {
  readonly kekVersion: number;
  readonly wrapIv: Buffer;
  /** Wrapped data key followed by its GCM tag. */
  readonly wrappedDek: Buffer;
  readonly iv: Buffer;
  /** Payload ciphertext followed by its GCM tag. */
  readonly ciphertext: Buffer;
}

export const FORMAT_PREFIX = 'tv1';
/** The format version as bound into the AAD (the number in {@link FORMAT_PREFIX}). */
export const FORMAT_VERSION = 1;
export const IV_BYTES = 12;
export const TAG_BYTES = 16;
export const KEY_BYTES = 32;

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const VERSION = /^[1-9][0-9]{0,8}$/;

export function serializeSealed(parts: SealedParts): string {
  return [
    FORMAT_PREFIX,
    String(parts.kekVersion),
    parts.wrapIv.toString('base64url'),
    parts.wrappedDek.toString('base64url'),
    parts.iv.toString('base64url'),
    parts.ciphertext.toString('base64url'),
  ].join('.');
}

/**
 * Parses a sealed value strictly: exact part count, canonical base64url, exact lengths.
 * Leniency here would let two strings decode to the same bytes, and a tolerant parser is where
 * confusion bugs live. Errors describe the shape only; the input itself is never echoed because
 * it may be a plaintext secret written to the wrong column.
 */
export function parseSealed(sealed: string, context: EncryptionContext | null): SealedParts {
  const malformed = (detail: string): DecryptError => new DecryptError('malformed', detail, { context });
  const parts = sealed.split('.');
  const prefix = parts[0] ?? '';
  if (prefix !== FORMAT_PREFIX) {
    // Echo the prefix only when it has the shape of one of ours (e.g. a future `tv2`).
    throw malformed(/^tv[0-9]{1,3}$/.test(prefix) ? `unsupported format ${prefix} (this build reads ${FORMAT_PREFIX})` : `not a sealed value (expected the ${FORMAT_PREFIX} format)`);
  }
  if (parts.length !== 6) throw malformed(`expected 6 dot-separated parts, got ${parts.length}`);
  const [, versionText = '', wrapIv = '', wrappedDek = '', iv = '', ciphertext = ''] = parts;
  if (!VERSION.test(versionText)) throw malformed('key version is not a positive whole number');
  return {
    kekVersion: Number(versionText),
    wrapIv: decodePart(wrapIv, 'wrap iv', (n) => n === IV_BYTES, `${IV_BYTES} bytes`, malformed),
    wrappedDek: decodePart(wrappedDek, 'wrapped data key', (n) => n === KEY_BYTES + TAG_BYTES, `${KEY_BYTES + TAG_BYTES} bytes`, malformed),
    iv: decodePart(iv, 'iv', (n) => n === IV_BYTES, `${IV_BYTES} bytes`, malformed),
    ciphertext: decodePart(ciphertext, 'ciphertext', (n) => n >= TAG_BYTES, `at least ${TAG_BYTES} bytes`, malformed),
  };
}

function decodePart(text: string, name: string, lengthOk: (n: number) => boolean, expected: string, malformed: (detail: string) => DecryptError): Buffer {
  if (!BASE64URL.test(text)) throw malformed(`${name} is not unpadded base64url`);
  const bytes = Buffer.from(text, 'base64url');
  // Node ignores stray trailing bits; re-encoding rejects the non-canonical spellings.
  if (bytes.toString('base64url') !== text) throw malformed(`${name} is not canonical base64url`);
  if (!lengthOk(bytes.length)) throw malformed(`${name} must be ${expected}, got ${bytes.length}`);
  return bytes;
}

/**
 * AAD of the payload: binds the ciphertext to its format version and record, so a value copied
 * to another row, field or table fails authentication. JSON arrays of strings are unambiguous
 * (`["a.b","c"]` and `["a","b.c"]` differ), unlike joining with a separator.
 */
export function payloadAad(context: EncryptionContext): Buffer {
  return Buffer.from(JSON.stringify(['tether/payload', FORMAT_VERSION, context.table, context.id, context.field]), 'utf8');
}

/**
 * AAD of the wrapped data key: the record plus the KEK version, so a wrapped key relabelled to
 * another version fails even if two versions were (wrongly) given the same key bytes.
 */
export function wrapAad(context: EncryptionContext, kekVersion: number): Buffer {
  return Buffer.from(JSON.stringify(['tether/dek', FORMAT_VERSION, kekVersion, context.table, context.id, context.field]), 'utf8');
}
