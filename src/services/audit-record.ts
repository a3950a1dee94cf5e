/**
 * What the audit log keeps of each domain event. Only the fields listed here are copied, one
 * event type at a time, so a token, a client secret or an authorization code can never reach
 * an entry, even if a future event carries one.
 */
import type { JsonValue } from '../core/audit-chain.ts';
import type { DomainEvent } from './events.ts';

export type AuditAction = DomainEvent['type'];

export interface AuditRecord {
  at: Date;
  actorId: string | null;
  action: AuditAction;
  workspaceId: string | null;
  domain: string | null;
  connectionId: string | null;
  details: Record<string, JsonValue>;
}

/** Every action the log records (API.md "Audit log and webhooks"). */
export const auditActions: readonly AuditAction[] = [
  'connection.created',
  'connection.reconnected',
  'connection.renamed',
  'connection.refreshed',
  'connection.refresh_failed',
  'connection.reauthorize_required',
  'connection.promoted',
  'connection.unshared',
  'connection.disconnected',
  'token.issued',
  'member.added',
  'member.removed',
  'oauth_app.created',
  'oauth_app.updated',
  'oauth_app.deleted',
  'workflow.node_invalidated',
];

/**
 * The keys kept from the free-form `details` of sharing events (owned by the sharing service).
 * A key not listed here is dropped; add it here when a new one is worth auditing.
 */
const SHARING_DETAIL_KEYS = ['level', 'name', 'previousName', 'reason', 'userId', 'cause', 'affectedNodes', 'affectedWorkflows'] as const;

const TOKEN_DETAIL_KEYS = ['workflowId', 'nodeId'] as const;

const MAX_STRING = 1000;
const MAX_LIST = 100;

/** A primitive fit for jsonb (no NUL characters, bounded length), or undefined to drop it. */
function scalar(value: unknown): JsonValue | undefined {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string') return value.replaceAll('\u0000', '').slice(0, MAX_STRING);
  return undefined;
}

/** A scalar, or a short list of scalars; objects are never copied (they could hide anything). */
function safeValue(value: unknown): JsonValue | undefined {
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_LIST).map(scalar);
    return items.every((v) => v !== undefined) ? (items) : undefined;
  }
  return scalar(value);
}

/** Copies the listed keys whose values are safe; everything else stays behind. */
function pick(source: Record<string, unknown> | undefined, keys: readonly string[]): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  if (!source) return out;
  for (const key of keys) {
    if (!Object.hasOwn(source, key)) continue;
    const value = safeValue(source[key]);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** The entry for an event: the common columns, plus the whitelisted details of its type. */
export function auditRecordOf(event: DomainEvent): AuditRecord {
  if (event.type === 'token.issued') {
    // The hot path (one entry per token handed out): no intermediate objects.
    return { at: event.at, actorId: event.actorId, action: event.type, workspaceId: event.workspaceId, domain: event.domain, connectionId: event.connectionId, details: pick(event, TOKEN_DETAIL_KEYS) };
  }
  const base = { at: event.at, actorId: event.actorId, action: event.type };
  switch (event.type) {
    case 'connection.created':
    case 'connection.reconnected':
      return { ...base, workspaceId: event.workspaceId, domain: event.domain, connectionId: event.connectionId, details: {} };
    case 'connection.refreshed':
      return { ...base, workspaceId: event.workspaceId, domain: event.domain, connectionId: event.connectionId, details: pick(event, ['rotated']) };
    case 'connection.refresh_failed':
      return { ...base, workspaceId: event.workspaceId, domain: event.domain, connectionId: event.connectionId, details: pick(event, ['kind', 'code', 'reason']) };
    case 'connection.reauthorize_required':
      return { ...base, workspaceId: event.workspaceId, domain: event.domain, connectionId: event.connectionId, details: pick(event, ['reason']) };
    case 'connection.disconnected':
      return { ...base, workspaceId: event.workspaceId, domain: event.domain, connectionId: event.connectionId, details: pick(event, ['revocation']) };
    case 'connection.promoted':
    case 'connection.unshared':
    case 'connection.renamed':
      return { ...base, workspaceId: event.workspaceId, domain: event.domain, connectionId: event.connectionId, details: pick(event.details, SHARING_DETAIL_KEYS) };
    case 'workflow.node_invalidated':
      return { ...base, workspaceId: event.workspaceId, domain: event.domain, connectionId: event.connectionId, details: pick(event, ['workflowId', 'nodeId', 'reason']) };
    case 'member.added':
    case 'member.removed':
      return { ...base, workspaceId: event.workspaceId, domain: null, connectionId: null, details: pick(event, ['userId', 'role']) };
    case 'oauth_app.created':
    case 'oauth_app.updated':
      // Instance-wide: no workspace. `changed` holds field names only, never values.
      return { ...base, workspaceId: null, domain: event.domain, connectionId: null, details: pick(event, ['clientId', 'changed']) };
    case 'oauth_app.deleted':
      return { ...base, workspaceId: null, domain: event.domain, connectionId: null, details: {} };
    default: {
      const unknown: never = event;
      throw new Error(`no audit mapping for ${(unknown as { type: string }).type}`);
    }
  }
}
