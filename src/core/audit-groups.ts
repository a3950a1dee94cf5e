/**
 * How `token.issued` entries are stored (SPEC §8: every token handed out is an entry).
 *
 * A workflow runtime may ask for a token many times a second, and one chained row per ask made
 * the audit log the token endpoint's largest cost (a hash, an index entry and a WAL record per
 * token). So the asks of one actor for one connection that are written together (within
 * {@link GROUP_SPAN_MS}) are stored as one chained row whose details list every ask:
 * `{"issued": [[ms after the row's time, workflowId?, nodeId?], …]}`. Readers never see the row:
 * {@link expandEntry} turns it back into one entry per ask, each with its own id
 * (`<row id>.<n>`), time and details, exactly as a one-row-per-ask log would list them. The row's
 * hash covers every ask in it, so editing, adding or removing one is detected like any other
 * tampering.
 *
 * Pure: no I/O. Rows written before this format (one per ask) are read as they are.
 */
import type { ChainedContent, JsonValue } from './audit-chain.ts';

/** The action whose entries are grouped. */
export const GROUPED_ACTION = 'token.issued';

/** The asks in one stored row lie within this span after the row's time (and never before it). */
export const GROUP_SPAN_MS = 1000;

/** At most this many asks per stored row. */
export const GROUP_MAX = 5000;

const ISSUED = 'issued';

/** An entry as the recorder produces it, before it has an id or a place in the chain. */
export type PendingEntry = Omit<ChainedContent, 'seq' | 'id' | 'prevHash'>;

/** A stored row's content before it is chained (the caller assigns the id). */
export type StoredEntry = Omit<ChainedContent, 'seq' | 'prevHash'>;

/** One entry as readers see it, with its place in the log. */
export interface ExpandedEntry extends StoredEntry {
  /** The stored row. */
  seq: number;
  /** Asks of the same row listed after this one (newest first): those with a smaller index. 0 for an ungrouped row. */
  index: number;
}

interface OpenGroup {
  /** The row's `issued` list itself: the row is final as soon as the last ask is pushed. */
  items: JsonValue[];
  first: number;
}

/** `[ms after the row's time, workflowId, nodeId]`, trailing nulls left out. */
function item(dt: number, details: Record<string, JsonValue>): JsonValue[] {
  const it: JsonValue[] = [dt, details.workflowId ?? null, details.nodeId ?? null];
  while (it.length > 1 && it.at(-1) === null) it.pop();
  return it;
}

/**
 * The rows to store for a batch of entries, in order. Asks (`token.issued`) with the same actor,
 * workspace, domain and connection share a row while they follow one another without another
 * kind of entry between them; any other entry is stored as it is, after the groups opened
 * before it, so the chain keeps the order in which things happened apart from asks of
 * different connections that fell into the same batch.
 */
export function groupEntries(pending: readonly PendingEntry[], newId: () => string): StoredEntry[] {
  const out: StoredEntry[] = [];
  const open = new Map<string, OpenGroup>();
  for (const e of pending) {
    if (e.action !== GROUPED_ACTION) {
      open.clear();
      out.push({ id: newId(), ...e });
      continue;
    }
    const key = `${e.actorId ?? ''}\u0000${e.workspaceId ?? ''}\u0000${e.domain ?? ''}\u0000${e.connectionId ?? ''}`;
    const t = e.at.getTime();
    let g = open.get(key);
    if (g === undefined || t < g.first || t - g.first > GROUP_SPAN_MS || g.items.length >= GROUP_MAX) {
      g = { items: [], first: t };
      open.set(key, g);
      out.push({ id: newId(), at: e.at, actorId: e.actorId, action: e.action, workspaceId: e.workspaceId, domain: e.domain, connectionId: e.connectionId, details: { [ISSUED]: g.items } });
    }
    g.items.push(item(t - g.first, e.details));
  }
  return out;
}

/** What the helpers below need of a stored row (typed loosely: tests pass raw database rows). */
interface RowLike {
  id: string;
  action: string;
  details: Record<string, unknown>;
}

/** The asks a stored row holds, or undefined for a row that is one entry. */
function groupedItems(row: Pick<RowLike, 'action' | 'details'>): unknown[] | undefined {
  if (row.action !== GROUPED_ACTION) return undefined;
  const items = row.details[ISSUED];
  return Array.isArray(items) ? items : undefined;
}

/** How many entries a stored row holds. */
export function entryCount(row: Pick<RowLike, 'action' | 'details'>): number {
  return groupedItems(row)?.length ?? 1;
}

/** The id readers know a stored row's first entry by (what verification names). */
export function firstEntryId(row: RowLike): string {
  return groupedItems(row) === undefined ? row.id : `${row.id}.0`;
}

/**
 * The entries a stored row holds, newest first; of a grouped row only those with an index below
 * `below` (a cursor's position inside it).
 */
export function expandEntry(row: ChainedContent, below = Number.POSITIVE_INFINITY): ExpandedEntry[] {
  const items = groupedItems(row);
  const base = { actorId: row.actorId, action: row.action, workspaceId: row.workspaceId, domain: row.domain, connectionId: row.connectionId, seq: row.seq };
  if (items === undefined) return [{ ...base, id: row.id, at: row.at, details: row.details, index: 0 }];
  const out: ExpandedEntry[] = [];
  const start = row.at.getTime();
  for (let i = Math.min(items.length, below) - 1; i >= 0; i--) {
    const it = items[i];
    const parts: JsonValue[] = Array.isArray(it) ? (it as JsonValue[]) : [];
    const dt = typeof parts[0] === 'number' ? parts[0] : 0;
    const details: Record<string, JsonValue> = {};
    if (parts[1] !== undefined && parts[1] !== null) details.workflowId = parts[1];
    if (parts[2] !== undefined && parts[2] !== null) details.nodeId = parts[2];
    out.push({ ...base, id: `${row.id}.${i}`, at: new Date(start + dt), details, index: i });
  }
  return out;
}
