import { hash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { AppError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { Clock } from '../core/clock.ts';
import type { Actor } from '../core/policy.ts';
import { requireInstanceAdmin } from '../core/policy.ts';
import { Secret } from '../core/secret.ts';
import type { Db } from '../store/db.ts';
import { AccountsRepo, type UserRow, type ApiKeyRow } from '../store/accounts.ts';
import { WorkspacesRepo, type MembershipView } from '../store/workspaces.ts';
import type { Logger } from '../log.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import type { AccessCache } from './access-cache.ts';

export interface User {
  id: string;
  email: string;
  name: string | null;
  isAdmin: boolean;
}

export interface ApiKeyInfo {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface AccountsDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  openSignup: boolean;
  sessionTtlMs: number;
  /** API key → user, so a repeated Bearer request reads nothing from the database. */
  access?: AccessCache;
}

/** Serialises "is this the first user?" across processes (a PostgreSQL advisory lock). */
const FIRST_USER_LOCK = 7_461_001;

const API_KEY_PREFIX = 'tth_';

/** SHA-256, hex: for high-entropy random values (session ids, API keys) a slow hash adds nothing. */
export function sha256(value: string): string {
  // One-shot: no Hash object per call (this runs on every API-key request).
  return hash('sha256', value, 'hex');
}

function toUser(row: UserRow): User {
  return { id: row.id, email: row.email, name: row.name, isAdmin: row.is_admin };
}

function toApiKeyInfo(row: ApiKeyRow): ApiKeyInfo {
  return { id: row.id, name: row.name, prefix: row.prefix, createdAt: row.created_at, lastUsedAt: row.last_used_at, revokedAt: row.revoked_at };
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Sign-up, log-in, sessions, API keys and admin-created users. */
export class AccountsService {
  readonly #deps: AccountsDeps;
  readonly #repo: AccountsRepo;
  #dummyHash: Promise<string> | null = null;
  readonly #touched = new Map<string, number>();

  constructor(deps: AccountsDeps) {
    this.#deps = deps;
    this.#repo = new AccountsRepo(deps.db);
  }

  /**
   * Public sign-up: open for the first user (who becomes instance admin) or when open sign-up
   * is configured. The first-user check and the insert happen under one lock so two racing
   * sign-ups on an empty instance cannot both become admin.
   */
  async signup(input: { email: string; password: Secret<string>; name?: string | undefined }): Promise<User> {
    const email = normalizeEmail(input.email);
    const passwordHash = await hashPassword(input.password);
    return this.#deps.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${FIRST_USER_LOCK})`.execute(trx);
      const repo = new AccountsRepo(trx);
      const first = (await repo.countUsers()) === 0;
      if (!first && !this.#deps.openSignup) {
        throw new AppError('signup_closed', 'Sign-up is closed on this instance. Ask an administrator to create your account.');
      }
      return this.#createUser(trx, { email, name: input.name ?? null, passwordHash, isAdmin: first });
    });
  }

  /** POST /admin/users: an instance admin creates a (non-admin) user, whatever the sign-up setting. */
  async createUserAsAdmin(actor: Actor, input: { email: string; password: Secret<string>; name?: string | undefined }): Promise<User> {
    requireInstanceAdmin(actor);
    const passwordHash = await hashPassword(input.password);
    return this.#deps.db.transaction().execute((trx) =>
      this.#createUser(trx, { email: normalizeEmail(input.email), name: input.name ?? null, passwordHash, isAdmin: false }),
    );
  }

  /** Every user gets a personal workspace (plan `personal`) in the same transaction. */
  async #createUser(trx: Db, input: { email: string; name: string | null; passwordHash: string; isAdmin: boolean }): Promise<User> {
    const repo = new AccountsRepo(trx);
    if (await repo.findUserByEmail(input.email)) {
      throw new AppError('email_taken', 'An account with this email already exists.', { details: { field: 'email' } });
    }
    const row = await repo.insertUser({ id: newId('usr'), ...input });
    const workspaces = new WorkspacesRepo(trx);
    const ws = await workspaces.insertWorkspace({ id: newId('ws'), name: 'Personal', plan: 'personal', personalOwnerId: row.id });
    await workspaces.insertMembership({ workspaceId: ws.id, userId: row.id, role: 'owner' });
    return toUser(row);
  }

  /**
   * Checks the credentials and opens a session. Unknown email and wrong password give the same
   * answer and take the same time (a dummy hash is verified for unknown emails).
   */
  async login(input: { email: string; password: Secret<string> }): Promise<{ user: User; sessionId: Secret<string> }> {
    const row = await this.#repo.findUserByEmail(normalizeEmail(input.email));
    const ok = await verifyPassword(input.password, row?.password_hash ?? (await this.#dummy()));
    if (!row || !ok) throw new AppError('invalid_credentials', 'The email or password is wrong.');
    const sessionId = await this.openSession(row.id);
    return { user: toUser(row), sessionId };
  }

  async openSession(userId: string): Promise<Secret<string>> {
    const id = randomBytes(32).toString('base64url');
    const now = this.#deps.clock.now();
    await this.#repo.insertSession({ idHash: sha256(id), userId, expiresAt: new Date(now.getTime() + this.#deps.sessionTtlMs) });
    return new Secret(id);
  }

  async userForSession(sessionId: string): Promise<User | null> {
    const row = await this.#repo.findUserBySession(sha256(sessionId), this.#deps.clock.now());
    return row ? toUser(row) : null;
  }

  async logout(sessionId: string): Promise<void> {
    await this.#repo.deleteSession(sha256(sessionId));
  }

  async pruneSessions(): Promise<void> {
    await this.#repo.deleteExpiredSessions(this.#deps.clock.now());
  }

  async me(actor: Actor): Promise<{ user: User; workspaces: MembershipView[] }> {
    const row = await this.#repo.findUserById(actor.userId);
    if (!row) throw new AppError('unauthenticated', 'Your account no longer exists.');
    const workspaces = await new WorkspacesRepo(this.#deps.db).listForUser(actor.userId);
    return { user: toUser(row), workspaces };
  }

  /** A new API key: 256 random bits, stored as a SHA-256 hash; the key itself is returned once. */
  async createApiKey(actor: Actor, name: string): Promise<{ info: ApiKeyInfo; key: Secret<string> }> {
    const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const row = await this.#repo.insertApiKey({
      id: newId('key'),
      userId: actor.userId,
      name,
      keyHash: sha256(key),
      prefix: key.slice(0, API_KEY_PREFIX.length + 6),
    });
    return { info: toApiKeyInfo(row), key: new Secret(key) };
  }

  async listApiKeys(actor: Actor): Promise<ApiKeyInfo[]> {
    return (await this.#repo.listApiKeys(actor.userId)).map(toApiKeyInfo);
  }

  async revokeApiKey(actor: Actor, id: string): Promise<void> {
    const revoked = await this.#repo.revokeApiKey(actor.userId, id, this.#deps.clock.now());
    // Committed (one statement): the very next request with that key must be refused.
    this.#deps.access?.invalidateAll();
    if (!revoked) throw new AppError('api_key_not_found', 'No active API key with this id.');
  }

  /**
   * The user of a live API key: from the access cache, or one read. "Last used" is written at
   * most once a minute per key and process, off the request path (the token endpoint is a hot path).
   */
  async userForApiKey(key: string): Promise<User | null> {
    if (!key.startsWith(API_KEY_PREFIX)) return null;
    const cached = this.cachedUserForApiKey(key);
    if (cached !== undefined) return cached;
    const hash = sha256(key);
    const access = this.#deps.access;
    const generation = access?.generation() ?? 0;
    const row = await this.#repo.findUserByApiKey(hash);
    if (!row) return null;
    const now = this.#deps.clock.now();
    const found = { user: toUser(row), keyId: row.key_id };
    access?.rememberPrincipal(hash, found, generation, now.getTime());
    this.#touch(found.keyId, now);
    return found.user;
  }

  /** The user of an API key the access cache knows (no database read, no promise); else undefined. */
  cachedUserForApiKey(key: string): User | undefined {
    const access = this.#deps.access;
    if (access === undefined || !access.enabled || !key.startsWith(API_KEY_PREFIX)) return undefined;
    const now = this.#deps.clock.now();
    const found = access.principal(sha256(key), now.getTime());
    if (found === undefined) return undefined;
    this.#touch(found.keyId, now);
    return found.user;
  }

  /** "Last used", at most once a minute per key and process, off the request path. */
  #touch(keyId: string, now: Date): void {
    const last = this.#touched.get(keyId) ?? 0;
    if (now.getTime() - last < 60_000) return;
    this.#touched.set(keyId, now.getTime());
    this.#repo.touchApiKey(keyId, now).catch((err: unknown) => this.#deps.logger.warn({ err }, 'could not record API key use'));
  }

  #dummy(): Promise<string> {
    this.#dummyHash ??= hashPassword(new Secret(randomBytes(16).toString('hex')));
    return this.#dummyHash;
  }
}
