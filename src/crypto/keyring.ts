import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { parseEncryptionKeys, type Config, type KeyEncryptionKey } from '../config.ts';
import type { Logger } from '../log.ts';
import { KEY_BYTES } from './format.ts';

/** Name of the key file kept in the data directory when TETHER_ENCRYPTION_KEYS is not set. */
export const KEY_FILE_NAME = 'encryption-keys';

/**
 * The configured key-encryption keys (KEKs). Every version can unwrap; only the newest,
 * {@link Keyring.current}, wraps new data keys. Rotation is: add a higher version, restart,
 * run the rewrap, then drop the old version.
 */
export class Keyring {
  /** The newest key: the one every new value is wrapped under. */
  readonly current: KeyEncryptionKey;
  /** Configured versions, newest first (safe to log: versions are not key material). */
  readonly versions: readonly number[];
  readonly #byVersion: ReadonlyMap<number, KeyEncryptionKey>;

  /** @param keys the configured keys, in any order (config lists them newest first). */
  constructor(keys: readonly KeyEncryptionKey[]) {
    const sorted = [...keys].sort((a, b) => b.version - a.version);
    const byVersion = new Map<number, KeyEncryptionKey>();
    for (const k of sorted) {
      // Config already checks these; a Keyring built elsewhere (tests, tools) gets the same guarantees.
      if (!Number.isSafeInteger(k.version) || k.version < 1) throw new Error(`key version ${k.version} is not a positive whole number`);
      if (byVersion.has(k.version)) throw new Error(`key version ${k.version} appears twice`);
      if (k.key.reveal().length !== KEY_BYTES) throw new Error(`key version ${k.version} must be ${KEY_BYTES} bytes`);
      byVersion.set(k.version, k);
    }
    const newest = sorted[0];
    if (newest === undefined) throw new Error('a keyring needs at least one key');
    this.current = newest;
    this.versions = sorted.map((k) => k.version);
    this.#byVersion = byVersion;
  }

  /** The key with this version, or undefined when it is not configured. */
  get(version: number): KeyEncryptionKey | undefined {
    return this.#byVersion.get(version);
  }
}

/**
 * A fresh key entry in the `version:base64` format of TETHER_ENCRYPTION_KEYS and the key file:
 * 32 random bytes, standard base64. Used to generate the key file; also what docs tell operators
 * to run when rotating.
 */
export function generateKeyString(version: number): string {
  if (!Number.isSafeInteger(version) || version < 1) throw new RangeError(`key version must be a positive whole number, got ${version}`);
  return `${version}:${randomBytes(KEY_BYTES).toString('base64')}`;
}

/**
 * Builds the keyring from configuration. With TETHER_ENCRYPTION_KEYS set, those keys are used
 * and nothing on disk is touched. Otherwise the keys come from `<dataDir>/encryption-keys`
 * (same format), which is generated on first start (version 1, mode 0600) with a warning: the
 * zero-configuration single-binary start must work, but a key nobody backed up means every
 * stored token is lost with the disk.
 *
 * @throws {ConfigError} when the key file exists but does not parse.
 */
export async function loadKeyring(options: { encryptionKeys: Config['encryptionKeys']; dataDir: string; logger: Logger }): Promise<Keyring> {
  if (options.encryptionKeys !== null) return new Keyring(options.encryptionKeys);
  const path = join(options.dataDir, KEY_FILE_NAME);
  let raw = await readKeyFile(path);
  if (raw === null) {
    const created = await createKeyFile(options.dataDir, path);
    if (created) {
      options.logger.warn(
        { path },
        `Generated a new encryption key at ${path} because TETHER_ENCRYPTION_KEYS is not set. ` +
          'Back this file up: without it, stored tokens and client secrets cannot be decrypted. ' +
          'For production, set TETHER_ENCRYPTION_KEYS (version:base64 entries) from your secret manager instead.',
      );
    }
    raw = await readKeyFile(path);
    if (raw === null) throw new Error(`encryption key file ${path} disappeared right after it was created`);
  } else {
    await warnIfReadableByOthers(path, options.logger);
  }
  // The path, not the variable, is what the operator must fix; parse errors never echo key bytes.
  return new Keyring(parseEncryptionKeys(raw, path));
}

async function readKeyFile(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return null;
    throw error;
  }
}

/**
 * Writes a new key file atomically and without ever replacing an existing one: the api and
 * worker processes may start together on the same volume, and overwriting a key that the other
 * already used would make its data unreadable. The content goes to a private temporary file,
 * is flushed to disk, and is then hard-linked into place; link() fails with EEXIST if another
 * process won, and readers never see a half-written file.
 *
 * @returns true when this call created the file, false when another process did.
 */
async function createKeyFile(dataDir: string, path: string): Promise<boolean> {
  await mkdir(dataDir, { recursive: true });
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    // chmod as well: the mode passed to open() is filtered through the umask.
    await handle.chmod(0o600);
    await handle.writeFile(`${generateKeyString(1)}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    if (isErrno(error, 'EEXIST')) return false;
    throw error;
  } finally {
    await unlink(temp);
  }
}

async function warnIfReadableByOthers(path: string, logger: Logger): Promise<void> {
  // Windows reports synthetic permission bits, so the check means nothing there.
  if (process.platform === 'win32') return;
  const { mode } = await stat(path);
  if ((mode & 0o077) !== 0) {
    logger.warn({ path, mode: (mode & 0o777).toString(8) }, `Encryption key file ${path} is accessible to other users; restrict it with chmod 600.`);
  }
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
