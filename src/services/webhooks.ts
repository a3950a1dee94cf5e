/**
 * Webhooks (API.md "Audit log and webhooks", SPEC §7 and §10): a workspace's owners and admins
 * subscribe a URL to event types; every matching domain event becomes a delivery in the outbox,
 * which the worker sends signed with the Standard Webhooks scheme (`src/worker/webhooks.ts`).
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { AppError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { canManageMembers, type Actor } from '../core/policy.ts';
import { Secret } from '../core/secret.ts';
import type { Envelope } from '../crypto/envelope.ts';
import type { Logger } from '../log.ts';
import { isAllowedProviderUrl } from '../oauth/providers/shared.ts';
import type { Db } from '../store/db.ts';
import { WebhooksRepo, type DeliveryRow, type WebhookRow } from '../store/webhooks.ts';
import { auditActions, auditRecordOf, type AuditAction } from './audit-record.ts';
import type { DomainEvent, Events } from './events.ts';
import type { WorkspacesService } from './workspaces.ts';

/**
 * The event types a workspace can subscribe to: everything that happens to its connections,
 * members and workflows. Not `token.issued` (a token ask is not a change, and it is the hot
 * path) and not the instance-wide OAuth app events (they belong to no workspace).
 */
export type WebhookEvent = Exclude<AuditAction, 'token.issued' | 'oauth_app.created' | 'oauth_app.updated' | 'oauth_app.deleted'>;

export const WEBHOOK_EVENTS: readonly WebhookEvent[] = auditActions.filter((a): a is WebhookEvent => a !== 'token.issued' && !a.startsWith('oauth_app.'));

const SUBSCRIBABLE = new Set<string>(WEBHOOK_EVENTS);

export interface WebhooksDeps {
  db: Db;
  envelope: Envelope;
  clock: Clock;
  logger: Logger;
  workspaces: WorkspacesService;
  /** Subscribed to at construction: matching events become deliveries. */
  events?: Events;
}

export interface WebhookView {
  id: string;
  url: string;
  events: string[];
  createdAt: Date;
}

export interface DeliveryView {
  id: string;
  eventType: string;
  status: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: Date;
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
}

function view(row: WebhookRow): WebhookView {
  return { id: row.id, url: row.url, events: row.events, createdAt: row.created_at };
}

function deliveryView(row: DeliveryRow): DeliveryView {
  return {
    id: row.id,
    eventType: row.event_type,
    status: row.status,
    attempts: row.attempts,
    lastStatus: row.last_status,
    lastError: row.last_error,
    createdAt: row.created_at,
    nextAttemptAt: row.status === 'pending' ? row.next_attempt_at : null,
    deliveredAt: row.delivered_at,
  };
}

/** `https`, or plain `http` to a loopback host; no user name or password in it. */
function checkUrl(value: string): void {
  let problem: string | null = null;
  if (!isAllowedProviderUrl(value)) {
    problem = 'must be an absolute https URL (plain http only for loopback hosts)';
  } else {
    const url = new URL(value);
    if (url.username !== '' || url.password !== '') problem = 'must not carry a user name or password';
    else if (url.hash !== '') problem = 'must not have a fragment';
  }
  if (problem !== null) {
    throw new AppError('invalid_request', `The webhook URL ${problem}.`, { details: { fields: [{ field: 'url', location: 'body', message: problem }] } });
  }
}

/** The JSON body of a delivery: `{type, timestamp, data}` with the event's whitelisted fields. */
export function deliveryPayload(event: DomainEvent): string {
  const r = auditRecordOf(event);
  const data: Record<string, unknown> = { workspaceId: r.workspaceId, actorId: r.actorId };
  if (r.connectionId !== null) data.connectionId = r.connectionId;
  if (r.domain !== null) data.domain = r.domain;
  return JSON.stringify({ type: event.type, timestamp: event.at.toISOString(), data: { ...r.details, ...data } });
}

export class WebhooksService {
  readonly #deps: WebhooksDeps;
  readonly #repo: WebhooksRepo;
  /** Enqueueing runs one event at a time, in emit order. */
  #tail: Promise<void> = Promise.resolve();
  /** Called after deliveries were added (the in-process dispatcher sends them at once). */
  onEnqueued: (() => void) | null = null;

  constructor(deps: WebhooksDeps) {
    this.#deps = deps;
    this.#repo = new WebhooksRepo(deps.db);
    deps.events?.on((event) => this.record(event));
  }

  async #requireManager(actor: Actor, workspaceId: string): Promise<void> {
    const membership = await this.#deps.workspaces.requireMembership(actor, workspaceId, { plan: 'workspace' });
    if (!canManageMembers(membership.role)) throw new AppError('forbidden', 'Only workspace owners and admins can manage webhooks.');
  }

  /** Subscribes `url`; the signing secret is returned here and never again. */
  async create(actor: Actor, workspaceId: string, input: { url: string; events: readonly WebhookEvent[] }): Promise<WebhookView & { secret: Secret<string> }> {
    await this.#requireManager(actor, workspaceId);
    checkUrl(input.url);
    const events = [...new Set(input.events)];
    // Standard Webhooks: `whsec_` and the base64 of the HMAC key (32 random bytes).
    const secret = new Secret(`whsec_${randomBytes(32).toString('base64')}`);
    const id = newId('whk');
    const row = await this.#repo.insert({
      id,
      workspaceId,
      url: input.url,
      events,
      secret: this.#deps.envelope.seal(secret, { table: 'webhooks', id, field: 'secret' }),
      createdBy: actor.userId,
      at: this.#deps.clock.now(),
    });
    return { ...view(row), secret };
  }

  async list(actor: Actor, workspaceId: string): Promise<WebhookView[]> {
    await this.#requireManager(actor, workspaceId);
    return (await this.#repo.listForWorkspace(workspaceId)).map(view);
  }

  async deliveries(actor: Actor, workspaceId: string, id: string): Promise<DeliveryView[]> {
    await this.#requireManager(actor, workspaceId);
    if (!(await this.#repo.find(workspaceId, id))) throw new AppError('not_found', 'No such webhook in this workspace.');
    return (await this.#repo.recentDeliveries(id, 50)).map(deliveryView);
  }

  /** Unsubscribes; deliveries not yet sent are dropped with it. */
  async delete(actor: Actor, workspaceId: string, id: string): Promise<void> {
    await this.#requireManager(actor, workspaceId);
    if (!(await this.#repo.delete(workspaceId, id))) throw new AppError('not_found', 'No such webhook in this workspace.');
  }

  /**
   * Queues a delivery of `event` for each subscription of its workspace. Never throws: the
   * change is committed already. Like the audit log, the outbox is written right after the
   * change commits; a crash in between loses those deliveries.
   */
  record(event: DomainEvent): void {
    if (!SUBSCRIBABLE.has(event.type) || !('workspaceId' in event)) return;
    const workspaceId = event.workspaceId;
    this.#tail = this.#tail
      .then(async () => {
        const subscribers = await this.#repo.subscribers(workspaceId, event.type);
        if (subscribers.length === 0) return;
        const payload = deliveryPayload(event);
        const at = this.#deps.clock.now();
        await this.#repo.enqueue(subscribers.map((w) => ({ id: newId('msg'), webhookId: w.id, eventType: event.type, payload, at })));
        this.onEnqueued?.();
      })
      .catch((err: unknown) => {
        this.#deps.logger.error({ err, event: event.type }, 'webhooks: deliveries could not be queued');
      });
  }

  /** Resolves once every event recorded so far is in the outbox (or given up on). */
  async flush(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.#tail;
      await seen;
    } while (seen !== this.#tail);
  }
}
