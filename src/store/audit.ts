import { sql, type Selectable } from 'kysely';
import { GENESIS_HASH, entryHash, type ChainedContent, type JsonValue } from '../core/audit-chain.ts';
import type { StoredEntry } from '../core/audit-groups.ts';
import type { Db } from './db.ts';
import type { AuditEntriesTable } from './schema.ts';

/**
 * Serialises appends across every process sharing the database (transaction-scoped, so it is
 * released by commit or rollback, never leaked). Distinct from the other advisory locks in use.
 */
const AUDIT_APPEND_LOCK = 7_461_005;

/** An entry before it is chained: the caller chooses the id (so a retry cannot duplicate it). */
export type NewAuditEntry = StoredEntry;

export interface AuditEntry extends ChainedContent {
  hash: string;
}

export interface AuditQuery {
  /** Only entries of this workspace; absent means every entry (instance admins). */
  workspaceId?: string;
  /** Only entries this user caused or that concern a connection they own. */
  visibleTo?: string;
  domain?: string;
  connectionId?: string;
  actorId?: string;
  action?: string;
  /** Inclusive. */
  since?: Date;
  /** Exclusive. */
  until?: Date;
  /** Only entries older than this position (the cursor). */
  beforeSeq?: number;
  limit: number;
}

function toEntry(row: Selectable<AuditEntriesTable>): AuditEntry {
  return {
    seq: Number(row.seq),
    id: row.id,
    at: row.at,
    actorId: row.actor_id,
    action: row.action,
    workspaceId: row.workspace_id,
    domain: row.domain,
    connectionId: row.connection_id,
    details: row.details as Record<string, JsonValue>,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** The audit log: append and read, nothing else (there is no update or delete here on purpose). */
export class AuditRepo {
  constructor(private readonly db: Db) {}

  /**
   * Appends entries in order, chained onto the current tail, in one transaction. The lock is
   * taken before the tail is read and the sequence values are drawn, so two appenders can never
   * chain onto the same predecessor.
   */
  async append(entries: readonly NewAuditEntry[]): Promise<AuditEntry[]> {
    if (entries.length === 0) return [];
    return this.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${AUDIT_APPEND_LOCK})`.execute(trx);
      const tail = await trx.selectFrom('audit_entries').select('hash').orderBy('seq', 'desc').limit(1).executeTakeFirst();
      const drawn = await sql<{ seq: number | string }>`
        select nextval(pg_get_serial_sequence('audit_entries', 'seq')) as seq from generate_series(1, ${entries.length})
      `.execute(trx);
      const seqs = drawn.rows.map((r) => Number(r.seq)).sort((a, b) => a - b);
      let prevHash = tail?.hash ?? GENESIS_HASH;
      const chained: AuditEntry[] = entries.map((e, i) => {
        const content: ChainedContent = { ...e, seq: seqs[i] ?? Number.NaN, prevHash };
        if (Number.isNaN(content.seq)) throw new Error('unreachable: one sequence value per entry');
        const hash = entryHash(content);
        prevHash = hash;
        return { ...content, hash };
      });
      // One statement whose only parameter is the batch as JSON (not a VALUES row per entry, nor
      // an array per column): the statement does not grow with the batch, and encoding it is one
      // native JSON.stringify.
      const rows = chained.map((e) => ({
        seq: e.seq,
        id: e.id,
        at: e.at.toISOString(),
        actor_id: e.actorId,
        action: e.action,
        workspace_id: e.workspaceId,
        domain: e.domain,
        connection_id: e.connectionId,
        details: e.details,
        prev_hash: e.prevHash,
        hash: e.hash,
      }));
      await trx
        .insertInto('audit_entries')
        .columns(['seq', 'id', 'at', 'actor_id', 'action', 'workspace_id', 'domain', 'connection_id', 'details', 'prev_hash', 'hash'])
        .expression(
          sql`
            select seq, id, at, actor_id, action, workspace_id, domain, connection_id, details, prev_hash, hash
            from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as t(
              seq bigint, id text, at timestamptz, actor_id text, action text, workspace_id text,
              domain text, connection_id text, details jsonb, prev_hash text, hash text
            )
          `,
        )
        .execute();
      return chained;
    });
  }

  /** Newest first (by chain position). */
  async list(q: AuditQuery): Promise<AuditEntry[]> {
    let query = this.db.selectFrom('audit_entries').selectAll();
    if (q.workspaceId !== undefined) query = query.where('workspace_id', '=', q.workspaceId);
    if (q.visibleTo !== undefined) {
      const userId = q.visibleTo;
      query = query.where((eb) =>
        eb.or([
          eb('actor_id', '=', userId),
          eb('connection_id', 'in', eb.selectFrom('connections').select('connections.id').where('connections.owner_id', '=', userId)),
        ]),
      );
    }
    if (q.domain !== undefined) query = query.where('domain', '=', q.domain);
    if (q.connectionId !== undefined) query = query.where('connection_id', '=', q.connectionId);
    if (q.actorId !== undefined) query = query.where('actor_id', '=', q.actorId);
    if (q.action !== undefined) query = query.where('action', '=', q.action);
    if (q.since !== undefined) query = query.where('at', '>=', q.since);
    if (q.until !== undefined) query = query.where('at', '<', q.until);
    if (q.beforeSeq !== undefined) query = query.where('seq', '<', q.beforeSeq);
    const rows = await query.orderBy('seq', 'desc').limit(q.limit).execute();
    return rows.map(toEntry);
  }

  /** The chain in order, one batch at a time (verification). */
  async after(seq: number, limit: number): Promise<AuditEntry[]> {
    const rows = await this.db.selectFrom('audit_entries').selectAll().where('seq', '>', seq).orderBy('seq', 'asc').limit(limit).execute();
    return rows.map(toEntry);
  }
}
