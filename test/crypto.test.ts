import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { ConfigError, parseEncryptionKeys, type KeyEncryptionKey } from '../src/config.ts';
import { Secret } from '../src/core/secret.ts';
import { createLogger } from '../src/log.ts';
import { Envelope } from '../src/crypto/envelope.ts';
import { DecryptError, type EncryptionContext } from '../src/crypto/errors.ts';
import { Keyring, generateKeyString, loadKeyring } from '../src/crypto/keyring.ts';

const ctx: EncryptionContext = { table: 'oauth_apps', id: 'app_1', field: 'client_secret' };
const PLAINTEXT = 'sk_live_very-secret-value-ü';

function kek(version: number, key: Buffer = randomBytes(32)): KeyEncryptionKey {
  return { version, key: new Secret(key) };
}

function envelopeWith(...keys: KeyEncryptionKey[]): Envelope {
  return new Envelope(new Keyring(keys));
}

/** Flips one bit of the decoded binary part `index` (2..5) of a sealed string, at byte `at` (negative counts from the end). */
function flipBit(sealed: string, index: number, at: number): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[index] ?? '', 'base64url');
  const i = at < 0 ? bytes.length + at : at;
  bytes[i] = (bytes[i] ?? 0) ^ 0x01;
  parts[index] = bytes.toString('base64url');
  return parts.join('.');
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Sets the lowest bit of the last character of unpadded base64url whose byte length is not a
 * multiple of 3: that bit is padding, so Node decodes the same bytes from the altered text.
 */
function setPaddingBit(text: string): string {
  assert.notEqual(Buffer.from(text, 'base64url').length % 3, 0, 'needs a part with padding bits');
  const last = B64URL.indexOf(text.at(-1) ?? '');
  const altered = `${text.slice(0, -1)}${B64URL[last ^ 1] ?? ''}`;
  assert.ok(Buffer.from(altered, 'base64url').equals(Buffer.from(text, 'base64url')), 'same bytes, different spelling');
  return altered;
}

/** Asserts that opening fails with a DecryptError whose message leaks neither the value nor the plaintext. */
function assertDecryptFails(envelope: Envelope, sealed: string, context: EncryptionContext, reason: DecryptError['reason']): DecryptError {
  let caught: unknown;
  try {
    envelope.open(sealed, context);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof DecryptError, `expected a DecryptError, got ${inspect(caught)}`);
  assert.equal(caught.reason, reason, caught.message);
  assert.ok(caught.message.startsWith(`could not decrypt ${context.table}.${context.field} for record ${context.id}: `), caught.message);
  assert.ok(!caught.message.includes(PLAINTEXT), 'message must not contain the plaintext');
  // Real binary parts are at least 16 characters; shorter test fillers (such as "x") could match by accident.
  for (const part of sealed.split('.').slice(2).filter((p) => p.length >= 16)) assert.ok(!caught.message.includes(part), `message must not contain the ciphertext: ${caught.message} / ${part}`);
  assert.ok(!inspect(caught).includes(PLAINTEXT));
  return caught;
}

void test('seal/open round-trips strings and Secrets, including empty and multi-byte text', () => {
  const envelope = envelopeWith(kek(1));
  for (const value of [PLAINTEXT, '', 'x'.repeat(10_000), '🔑 ключ']) {
    const sealed = envelope.seal(value, ctx);
    const opened = envelope.open(sealed, ctx);
    assert.ok(opened instanceof Secret);
    assert.equal(opened.reveal(), value);
  }
  assert.equal(envelope.open(envelope.seal(new Secret(PLAINTEXT), ctx), ctx).reveal(), PLAINTEXT);
});

void test('the serialized form is tv1.<version>.<wrapIv>.<wrappedDek>.<iv>.<ciphertext> in ASCII', () => {
  const envelope = envelopeWith(kek(7));
  const sealed = envelope.seal(PLAINTEXT, ctx);
  assert.match(sealed, /^tv1\.7\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{64}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
  const parts = sealed.split('.');
  assert.equal(Buffer.from(parts[5] ?? '', 'base64url').length, Buffer.byteLength(PLAINTEXT) + 16);
  assert.ok(!sealed.includes(PLAINTEXT));
  assert.equal(envelope.keyVersionOf(sealed), 7);
});

void test('every seal uses a fresh data key and IVs', () => {
  const envelope = envelopeWith(kek(1));
  const a = envelope.seal(PLAINTEXT, ctx).split('.');
  const b = envelope.seal(PLAINTEXT, ctx).split('.');
  for (const i of [2, 3, 4, 5]) assert.notEqual(a[i], b[i], `part ${i} repeats`);
});

void test('a flipped bit in any part fails authentication', () => {
  const envelope = envelopeWith(kek(1));
  const sealed = envelope.seal(PLAINTEXT, ctx);
  const cases: [string, number, number][] = [
    ['wrap iv', 2, 0],
    ['wrapped data key', 3, 0],
    ['wrapped data key tag', 3, -1],
    ['iv', 4, 5],
    ['ciphertext', 5, 0],
    ['ciphertext tag', 5, -1],
  ];
  for (const [name, index, at] of cases) {
    const tampered = flipBit(sealed, index, at);
    assert.notEqual(tampered, sealed, name);
    const error = assertDecryptFails(envelope, tampered, ctx, 'authentication_failed');
    assert.equal(error.keyVersion, 1, name);
  }
});

void test('the AAD binds a value to its table, field and record', () => {
  const envelope = envelopeWith(kek(1));
  const sealed = envelope.seal(PLAINTEXT, ctx);
  assertDecryptFails(envelope, sealed, { ...ctx, field: 'access_token' }, 'authentication_failed');
  assertDecryptFails(envelope, sealed, { ...ctx, table: 'connections' }, 'authentication_failed');
  assertDecryptFails(envelope, sealed, { ...ctx, id: 'app_2' }, 'authentication_failed');
  // Canonical encoding: shifting characters between components must not produce the same AAD.
  const split = envelope.seal(PLAINTEXT, { table: 'a', id: 'b.c', field: 'd' });
  assertDecryptFails(envelope, split, { table: 'a.b', id: 'c', field: 'd' }, 'authentication_failed');
});

void test('a payload moved under another record\'s wrapped key fails', () => {
  // Splicing: keep record B's (valid) wrapped DEK but put record A's payload behind it.
  const envelope = envelopeWith(kek(1));
  const a = envelope.seal(PLAINTEXT, ctx).split('.');
  const other = { ...ctx, id: 'app_2' };
  const b = envelope.seal('other', other).split('.');
  const spliced = [...b.slice(0, 4), ...a.slice(4)].join('.');
  assertDecryptFails(envelope, spliced, other, 'authentication_failed');
});

void test('a wrapped key relabelled to another KEK version fails, even when both versions share key bytes', () => {
  const bytes = randomBytes(32);
  const sealed = envelopeWith(kek(1, bytes)).seal(PLAINTEXT, ctx);
  const relabelled = sealed.replace(/^tv1\.1\./, 'tv1.2.');
  const envelope = envelopeWith(kek(2, bytes), kek(1, bytes));
  assert.equal(envelope.open(sealed, ctx).reveal(), PLAINTEXT);
  assertDecryptFails(envelope, relabelled, ctx, 'authentication_failed');
});

void test('after adding a key, old values still open and new values use the newest key', () => {
  const v1 = kek(1);
  const old = envelopeWith(v1).seal(PLAINTEXT, ctx);
  const rotated = envelopeWith(kek(2), v1);
  assert.equal(rotated.open(old, ctx).reveal(), PLAINTEXT);
  const fresh = rotated.seal(PLAINTEXT, ctx);
  assert.equal(rotated.keyVersionOf(fresh), 2);
  assert.equal(rotated.keyVersionOf(old), 1);
  // The keyring sorts, so configuration order does not decide which key encrypts.
  assert.equal(envelopeWith(v1, kek(3)).keyVersionOf(envelopeWith(v1, kek(3)).seal('x', ctx)), 3);
});

void test('an unknown key version fails with an error naming the version', () => {
  const sealed = envelopeWith(kek(3)).seal(PLAINTEXT, ctx);
  const error = assertDecryptFails(envelopeWith(kek(2), kek(1)), sealed, ctx, 'unknown_key_version');
  assert.equal(error.keyVersion, 3);
  assert.match(error.message, /key version 3\b/);
  assert.match(error.message, /configured: 2, 1/);
});

void test('malformed values fail strictly without echoing the input', () => {
  const envelope = envelopeWith(kek(1));
  const good = envelope.seal(PLAINTEXT, ctx);
  const parts = good.split('.');
  const withPart = (i: number, v: string): string => parts.map((p, j) => (j === i ? v : p)).join('.');
  const bad: [string, string, RegExp][] = [
    ['plaintext in the column', PLAINTEXT, /not a sealed value/],
    ['empty', '', /not a sealed value/],
    ['future format', good.replace(/^tv1/, 'tv2'), /unsupported format tv2/],
    ['too few parts', parts.slice(0, 5).join('.'), /expected 6 dot-separated parts, got 5/],
    ['too many parts', `${good}.x`, /got 7/],
    ['version zero', withPart(1, '0'), /key version/],
    ['version with sign', withPart(1, '+1'), /key version/],
    ['padded base64', withPart(5, `${parts[5] ?? ''}=`), /ciphertext is not unpadded base64url/],
    ['standard base64 alphabet', withPart(4, 'AAAAAAAAAAAAAAA+'), /iv is not unpadded base64url/],
    ['non-canonical trailing bits', withPart(5, setPaddingBit(parts[5] ?? '')), /ciphertext is not canonical base64url/],
    ['short iv', withPart(4, Buffer.alloc(8).toString('base64url')), /iv must be 12 bytes, got 8/],
    ['short wrapped key', withPart(3, Buffer.alloc(32).toString('base64url')), /wrapped data key must be 48 bytes/],
    ['ciphertext shorter than a tag', withPart(5, Buffer.alloc(15).toString('base64url')), /at least 16 bytes/],
  ];
  for (const [name, value, message] of bad) {
    const error = assertDecryptFails(envelope, value, ctx, 'malformed');
    assert.match(error.message, message, name);
    if (value !== '') assert.ok(!error.message.includes(value), `${name}: message echoes the input`);
    assert.throws(() => envelope.keyVersionOf(value), (e: unknown) => e instanceof DecryptError && e.reason === 'malformed' && e.message.startsWith('could not read sealed value: '), name);
  }
});

void test('rewrap moves the data key to the newest KEK and leaves the payload byte-identical', () => {
  const v1 = kek(1);
  const sealed = envelopeWith(v1).seal(PLAINTEXT, ctx);
  const v2 = kek(2);
  const rotated = envelopeWith(v2, v1);
  const rewrapped = rotated.rewrap(sealed, ctx);
  assert.ok(rewrapped !== null);
  assert.equal(rotated.keyVersionOf(rewrapped), 2);
  assert.deepEqual(rewrapped.split('.').slice(4), sealed.split('.').slice(4), 'iv and ciphertext unchanged');
  assert.notEqual(rewrapped.split('.')[2], sealed.split('.')[2], 'fresh wrap iv');
  // Proof that v1 is no longer needed.
  assert.equal(envelopeWith(v2).open(rewrapped, ctx).reveal(), PLAINTEXT);
  assert.equal(rotated.rewrap(rewrapped, ctx), null, 'already on the newest key');
  assert.throws(() => rotated.rewrap(sealed, { ...ctx, id: 'app_2' }), (e: unknown) => e instanceof DecryptError && e.reason === 'authentication_failed');
});

void test('Keyring rejects empty, duplicate and wrong-size keys', () => {
  assert.throws(() => new Keyring([]), /at least one key/);
  assert.throws(() => new Keyring([kek(1), kek(1)]), /appears twice/);
  assert.throws(() => new Keyring([kek(1, randomBytes(16))]), /32 bytes/);
  const ring = new Keyring([kek(1), kek(4), kek(2)]);
  assert.deepEqual(ring.versions, [4, 2, 1]);
  assert.equal(ring.current.version, 4);
  assert.equal(ring.get(2)?.version, 2);
  assert.equal(ring.get(3), undefined);
});

void test('generateKeyString produces a parseable version:base64 entry', () => {
  const entry = generateKeyString(5);
  assert.match(entry, /^5:[A-Za-z0-9+/]{43}=$/);
  const [parsed] = parseEncryptionKeys(`${generateKeyString(6)},${entry}`);
  assert.equal(parsed?.version, 6);
  assert.equal(parsed?.key.reveal().length, 32);
  assert.notEqual(generateKeyString(5), entry);
  assert.throws(() => generateKeyString(0), RangeError);
});

function captureLogger(): { logger: ReturnType<typeof createLogger>; lines: () => { level: number; msg: string }[]; raw: () => string } {
  const chunks: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (chunk: string) => void chunks.push(chunk) } });
  const raw = (): string => chunks.join('');
  const lines = (): { level: number; msg: string }[] =>
    raw()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { level: number; msg: string });
  return { logger, lines, raw };
}

void test('loadKeyring generates a 0600 key file with one warning, then reuses it', async () => {
  const root = await mkdtemp(join(tmpdir(), 'tether-keys-'));
  try {
    const dataDir = join(root, 'nested', 'data');
    const { logger, lines, raw } = captureLogger();
    const first = await loadKeyring({ encryptionKeys: null, dataDir, logger });
    const path = join(dataDir, 'encryption-keys');
    const file = await readFile(path, 'utf8');
    assert.match(file, /^1:[A-Za-z0-9+/]{43}=\n$/);
    if (process.platform !== 'win32') assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal(first.current.version, 1);
    assert.equal(first.current.key.reveal().toString('base64'), file.trim().slice(2));

    const second = await loadKeyring({ encryptionKeys: null, dataDir, logger });
    assert.ok(second.current.key.reveal().equals(first.current.key.reveal()), 'the second start reuses the key');

    const warnings = lines().filter((l) => l.level === 40);
    assert.equal(warnings.length, 1, raw());
    const warning = warnings[0]?.msg ?? '';
    assert.match(warning, /generated a new encryption key/i);
    assert.ok(warning.includes(path), 'says where');
    assert.match(warning, /back/i);
    assert.match(warning, /TETHER_ENCRYPTION_KEYS/);
    const key = first.current.key.reveal();
    for (const encoding of ['base64', 'base64url', 'hex'] as const) assert.ok(!raw().includes(key.toString(encoding)), `key material in log (${encoding})`);

    // Data sealed with the generated key survives the restart.
    const sealed = new Envelope(first).seal(PLAINTEXT, ctx);
    assert.equal(new Envelope(second).open(sealed, ctx).reveal(), PLAINTEXT);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

void test('loadKeyring uses configured keys and never touches the data directory', async () => {
  const root = await mkdtemp(join(tmpdir(), 'tether-keys-'));
  try {
    const { logger, raw } = captureLogger();
    const ring = await loadKeyring({ encryptionKeys: [kek(2), kek(1)], dataDir: join(root, 'data'), logger });
    assert.equal(ring.current.version, 2);
    await assert.rejects(stat(join(root, 'data')), { code: 'ENOENT' });
    assert.equal(raw(), '');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

void test('loadKeyring reports a broken key file as a ConfigError naming the file, not its content', async () => {
  const root = await mkdtemp(join(tmpdir(), 'tether-keys-'));
  try {
    const path = join(root, 'encryption-keys');
    await writeFile(path, '1:dG9vLXNob3J0', { mode: 0o600 });
    const { logger } = captureLogger();
    await assert.rejects(loadKeyring({ encryptionKeys: null, dataDir: root, logger }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.ok(e.message.includes(path));
      assert.ok(!e.message.includes('dG9vLXNob3J0'));
      return true;
    });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

void test('concurrent first starts agree on one generated key', async () => {
  const root = await mkdtemp(join(tmpdir(), 'tether-keys-'));
  try {
    const { logger, lines } = captureLogger();
    const rings = await Promise.all(Array.from({ length: 5 }, () => loadKeyring({ encryptionKeys: null, dataDir: root, logger })));
    const keys = new Set(rings.map((r) => r.current.key.reveal().toString('hex')));
    assert.equal(keys.size, 1);
    assert.equal(lines().filter((l) => l.level === 40).length, 1);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
