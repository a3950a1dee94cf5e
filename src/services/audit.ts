/**
 * The audit log (SPEC §8): records domain events as hash-chained entries, lets workspace
 * members read and filter them, and lets instance admins verify the chain.
 */
import { AppError } from '../core/errors.ts';
import { ChainVerifier, type JsonValue } from '../core/audit-chain.ts';
import { GROUP_SPAN_MS, entryCount, expandEntry, firstEntryId, groupEntries, type ExpandedEntry, type PendingEntry } from '../core/audit-groups.ts';
import { randomFillSync } from 'node:crypto';
import { requireInstanceAdmin, type Actor } from '../core/policy.ts';
import type { Logger } from '../log.ts';
import type { Db } from '../store/db.ts';
import { AuditRepo, type AuditQuery, type NewAuditEntry } from '../store/audit.ts';
import { auditRecordOf } from './audit-record.ts';
import type { DomainEvent, Events } from './events.ts';
import type { WorkspacesService } from './workspaces.ts';

export interface AuditDeps {
  db: Db;
  logger: Logger;
  workspaces: WorkspacesService;
  /** Subscribed to at construction: every event emitted there is recorded. */
  events?: Events;
  /** Pause before the one retry of a failed write. */
  retryDelayMs?: number;
  /** Stored rows written per transaction at most. */
  batchSize?: number;
  /**
   * How long `token.issued` entries may wait to be written together (the token endpoint is a hot
   * path: one transaction per batch instead of one per token, and the asks of one user for one
   * connection in a batch share a stored row, see core/audit-groups.ts). Every other event, a
   * long queue, `flush()` and every read of the log write at once.
   */
  lingerMs?: number;
}

export interface AuditFilter {
  domain?: string | undefined;
  connectionId?: string | undefined;
  /** The actor: who did it. */
  userId?: string | undefined;
  action?: string | undefined;
  /** Inclusive. */
  since?: Date | undefined;
  /** Exclusive. */
  until?: Date | undefined;
  cursor?: string | undefined;
  limit?: number | undefined;
}

export interface AuditEntryView {
  id: string;
  at: Date;
  actorId: string | null;
  action: string;
  domain?: string;
  connectionId?: string;
  workspaceId?: string;
  details: Record<string, JsonValue>;
}

export interface AuditPage {
  entries: AuditEntryView[];
  nextCursor: string | null;
}

export interface AuditVerification {
  ok: boolean;
  /** Entries examined: all of them, or up to and including the first broken one. */
  checked: number;
  firstBrokenId?: string;
}

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 200;
const VERIFY_BATCH = 1000;
const DEFAULT_BATCH = 1000;
const DEFAULT_LINGER_MS = 100;
/** Queued entries that are written at once instead of after the linger. */
const MAX_PENDING = 20_000;
/** Cursors: `a1:<seq>` (before grouped rows existed) and `a2:<seq>:<index>`. */
const CURSOR_V1 = 'a1:';
const CURSOR_V2 = 'a2:';

/**
 * Entry ids like `newId('aud')` (128 random bits, base64url), drawn from a pool refilled 256 ids
 * at a time: one entry per token issued makes a `randomBytes` call per entry measurable.
 */
const ID_BYTES = 16;
const idPool = Buffer.alloc(ID_BYTES * 256);
let idOffset = idPool.length;
function auditId(): string {
  if (idOffset >= idPool.length) {
    randomFillSync(idPool);
    idOffset = 0;
  }
  const id = `aud_${idPool.toString('base64url', idOffset, idOffset + ID_BYTES)}`;
  idOffset += ID_BYTES;
  return id;
}

/**
 * A place in the log, newest first: the next page starts with the entries of stored row `seq`
 * whose index is below `index` (asks grouped in one row, see core/audit-groups.ts), then the
 * rows before `seq`.
 */
interface Position {
  seq: number;
  index: number;
}

/** The cursor is opaque to callers: a versioned, encoded position. */
function encodeCursor(p: Position): string {
  return Buffer.from(`${CURSOR_V2}${p.seq}:${p.index}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): Position {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  let seq = Number.NaN;
  let index = 0;
  if (text.startsWith(CURSOR_V1)) {
    seq = Number(text.slice(CURSOR_V1.length));
  } else if (text.startsWith(CURSOR_V2)) {
    const [s, i] = text.slice(CURSOR_V2.length).split(':');
    seq = Number(s);
    index = Number(i);
  }
  if (!Number.isSafeInteger(seq) || seq <= 0 || !Number.isSafeInteger(index) || index < 0) {
    throw new AppError('invalid_request', 'The cursor is not one this endpoint handed out.', { details: { fields: [{ field: 'cursor', location: 'querystring', message: 'is not a valid cursor' }] } });
  }
  return { seq, index };
}

function view(e: ExpandedEntry, withWorkspace: boolean): AuditEntryView {
  const v: AuditEntryView = { id: e.id, at: e.at, actorId: e.actorId, action: e.action, details: e.details };
  if (e.domain !== null) v.domain = e.domain;
  if (e.connectionId !== null) v.connectionId = e.connectionId;
  if (withWorkspace && e.workspaceId !== null) v.workspaceId = e.workspaceId;
  return v;
}

export class AuditService {
  readonly #deps: AuditDeps;
  readonly #repo: AuditRepo;
  readonly #queue: PendingEntry[] = [];
  #draining: Promise<void> | null = null;
  #linger: NodeJS.Timeout | null = null;
  /** Something other than a token entry (or a flush) waits: write without lingering. */
  #urgent = false;

  constructor(deps: AuditDeps) {
    this.#deps = deps;
    this.#repo = new AuditRepo(deps.db);
    deps.events?.on((event) => this.record(event));
  }

  /**
   * Queues the entry for an event; written in the background, in emit order, batched. Never
   * throws: the change the event describes is already committed and must not be undone by
   * bookkeeping. Entries still queued when the process stops are written by `flush()` (main.ts
   * and the HTTP app's close hook call it); a crash loses at most what was queued (≤ lingerMs).
   */
  record(event: DomainEvent): void {
    try {
      this.#queue.push(auditRecordOf(event));
    } catch (err) {
      this.#deps.logger.error({ err, event: event.type }, 'audit: event not recordable');
      return;
    }
    if (event.type !== 'token.issued') this.#urgent = true;
    this.#schedule();
  }

  /** Resolves once every entry recorded so far has been written (or given up on). */
  async flush(): Promise<void> {
    for (;;) {
      if (this.#queue.length > 0) {
        this.#urgent = true;
        this.#kick();
      }
      if (!this.#draining) return;
      await this.#draining;
    }
  }

  /** Writes now when something urgent or a full batch waits; otherwise after the linger. */
  #schedule(): void {
    if (this.#draining || this.#queue.length === 0) return;
    if (this.#urgent || this.#queue.length >= MAX_PENDING) {
      this.#kick();
    } else if (this.#linger === null) {
      this.#linger = setTimeout(() => {
        this.#linger = null;
        this.#kick();
      }, this.#deps.lingerMs ?? DEFAULT_LINGER_MS);
      // Never what keeps a process alive: stopping flushes.
      this.#linger.unref();
    }
  }

  get #batchSize(): number {
    return this.#deps.batchSize ?? DEFAULT_BATCH;
  }

  #kick(): void {
    if (this.#linger !== null) {
      clearTimeout(this.#linger);
      this.#linger = null;
    }
    if (this.#draining) return;
    this.#draining = (async () => {
      // Yield first, so that the assignment above happens before this can finish.
      await Promise.resolve();
      try {
        // Under load, token entries keep arriving while a batch is written: keep writing only
        // while much is queued (or something urgent); the rest waits for its linger.
        do {
          const pending = this.#queue.splice(0, MAX_PENDING);
          if (this.#queue.length === 0) this.#urgent = false;
          // Grouped and given ids once, before the first try (see #write).
          const rows = groupEntries(pending, auditId);
          for (let i = 0; i < rows.length; i += this.#batchSize) await this.#write(rows.slice(i, i + this.#batchSize));
        } while (this.#queue.length >= MAX_PENDING || (this.#queue.length > 0 && this.#urgent));
      } finally {
        this.#draining = null;
      }
      this.#schedule();
    })();
  }

  /** One retry after a pause; then the entries are logged (they are secret-free) and dropped. */
  async #write(batch: NewAuditEntry[]): Promise<void> {
    const { logger } = this.#deps;
    try {
      await this.#repo.append(batch);
      return;
    } catch (err) {
      logger.warn({ err, entries: batch.length }, 'audit: writing entries failed; retrying once');
    }
    await new Promise((r) => setTimeout(r, this.#deps.retryDelayMs ?? 250));
    try {
      await this.#repo.append(batch);
    } catch (err) {
      // The ids were fixed before the first try, so a first attempt that did commit makes this
      // one fail on the unique id instead of writing the entries twice.
      logger.error({ err, lost: batch.map((e) => ({ id: e.id, at: e.at, action: e.action, actorId: e.actorId, workspaceId: e.workspaceId, connectionId: e.connectionId })) }, 'audit: entries could not be written');
    }
  }

  /**
   * A workspace's entries, newest first. Owners and admins see every entry of the workspace;
   * members see the entries they caused and those about connections they own.
   */
  async listForWorkspace(actor: Actor, workspaceId: string, filter: AuditFilter): Promise<AuditPage> {
    await this.flush();
    const membership = await this.#deps.workspaces.requireMembership(actor, workspaceId, { plan: 'workspace' });
    const seesAll = membership.role === 'owner' || membership.role === 'admin';
    return this.#page({ workspaceId, ...(seesAll ? {} : { visibleTo: actor.userId }) }, filter, false);
  }

  /** Every entry of the instance, including the instance-wide ones (OAuth apps); instance admins only. */
  async listAll(actor: Actor, filter: AuditFilter & { workspaceId?: string | undefined }): Promise<AuditPage> {
    requireInstanceAdmin(actor);
    await this.flush();
    return this.#page(filter.workspaceId === undefined ? {} : { workspaceId: filter.workspaceId }, filter, true);
  }

  async #page(scope: Pick<AuditQuery, 'workspaceId' | 'visibleTo'>, f: AuditFilter, withWorkspace: boolean): Promise<AuditPage> {
    const limit = Math.min(Math.max(f.limit ?? DEFAULT_PAGE, 1), MAX_PAGE);
    const query: AuditQuery = { ...scope, limit: limit + 1 };
    if (f.domain !== undefined) query.domain = f.domain;
    if (f.connectionId !== undefined) query.connectionId = f.connectionId;
    if (f.userId !== undefined) query.actorId = f.userId;
    if (f.action !== undefined) query.action = f.action;
    // A stored row's time is its first entry's; its other entries follow within GROUP_SPAN_MS.
    // Rows are chosen by that, the entries in them exactly.
    if (f.since !== undefined) query.since = new Date(f.since.getTime() - GROUP_SPAN_MS);
    if (f.until !== undefined) query.until = f.until;
    const from = f.cursor === undefined ? undefined : decodeCursor(f.cursor);
    if (from !== undefined) query.beforeSeq = from.index > 0 ? from.seq + 1 : from.seq;
    const found: ExpandedEntry[] = [];
    for (;;) {
      const rows = await this.#repo.list(query);
      for (const row of rows) {
        const below = from !== undefined && row.seq === from.seq ? from.index : Number.POSITIVE_INFINITY;
        for (const e of expandEntry(row, below)) {
          if ((f.since === undefined || e.at >= f.since) && (f.until === undefined || e.at < f.until)) found.push(e);
        }
        if (found.length > limit) break;
      }
      const last = rows.at(-1);
      if (found.length > limit || last === undefined || rows.length < query.limit) break;
      query.beforeSeq = last.seq;
    }
    const page = found.slice(0, limit);
    const last = page.at(-1);
    return { entries: page.map((e) => view(e, withWorkspace)), nextCursor: found.length > limit && last ? encodeCursor(last) : null };
  }

  /**
   * Recomputes the chain in order. The first entry whose hash does not match its content (an
   * edit) or whose `prev_hash` is not the previous entry's hash (a deletion or insertion before
   * it) is reported. Removing the newest entries leaves no gap to find; export the latest hash
   * elsewhere to catch that too.
   */
  async verify(actor: Actor): Promise<AuditVerification> {
    requireInstanceAdmin(actor);
    await this.flush();
    const verifier = new ChainVerifier();
    let checked = 0;
    let after = 0;
    for (;;) {
      const batch = await this.#repo.after(after, VERIFY_BATCH);
      for (const e of batch) {
        // `checked` counts entries as readers see them (a row of grouped asks holds several).
        if (!verifier.check(e)) return { ok: false, checked: checked + 1, firstBrokenId: firstEntryId(e) };
        checked += entryCount(e);
      }
      const last = batch.at(-1);
      if (!last || batch.length < VERIFY_BATCH) return { ok: true, checked };
      after = last.seq;
    }
  }
}
