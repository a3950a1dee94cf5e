// Audit log filters and how entries read: the action names of API.md and a compact,
// secret-free rendering of an entry's details (the API never returns a secret anyway).

export const auditActions = [
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
] as const;

/** "connection.refresh_failed" → "Connection refresh failed" (the option value stays the API name). */
export function actionLabel(action: string): string {
  const words = action.replace('oauth_app', 'OAuth app').replace(/[._]/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export interface AuditFilters {
  domain: string;
  connectionId: string;
  userId: string;
  action: string;
  /** `datetime-local` values (local time, no zone). */
  from: string;
  to: string;
}

export const noFilters: AuditFilters = { domain: '', connectionId: '', userId: '', action: '', from: '', to: '' };

/** A `datetime-local` value as the ISO instant the API takes; undefined when blank or invalid. */
export function isoOf(local: string): string | undefined {
  if (local === '') return undefined;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** The API query of the filters (API.md names). */
export function queryOf(f: AuditFilters, cursor: string | undefined): Record<string, string | undefined> {
  return { domain: f.domain, connectionId: f.connectionId, userId: f.userId, action: f.action, since: isoOf(f.from), until: isoOf(f.to), cursor };
}

/** Detail keys that hold a user id: shown as the person. */
const PERSON_KEYS = new Set(['userId', 'actorId', 'ownerId', 'sharedBy']);

/** How ids in details read: people by email, workflows by name; undefined keeps the value. */
export interface DetailNames {
  person: (id: string) => string;
  workflow: (id: string) => string | undefined;
}

function valueText(key: string, value: unknown, names: DetailNames): string {
  if (typeof value === 'string') {
    if (PERSON_KEYS.has(key)) return names.person(value);
    if (key === 'workflowId') return names.workflow(value) ?? value;
    return value;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
  return JSON.stringify(value);
}

/** `workflowId` → "workflow", `affectedNodes` → "affected nodes". */
const label = (key: string): string =>
  key
    .replace(/Id$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase();

/** "level: use · changed: clientId, scopes" — every detail, compact; people and workflows by name where known. */
export function detailsText(details: Record<string, unknown>, names: DetailNames): string {
  return Object.entries(details)
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${label(k)}: ${valueText(k, v, names)}`)
    .join(' · ');
}

/** The problem with a time range, if any. */
export function rangeProblem(f: AuditFilters): string | null {
  const since = isoOf(f.from);
  const until = isoOf(f.to);
  return since && until && since >= until ? '"To" must be later than "From".' : null;
}
