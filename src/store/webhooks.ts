import type { Selectable } from 'kysely';
import type { Db } from './db.ts';
import type { WebhookDeliveriesTable, WebhooksTable } from './schema.ts';

export type WebhookRow = Selectable<WebhooksTable>;
export type DeliveryRow = Selectable<WebhookDeliveriesTable>;

export interface NewDelivery {
  id: string;
  webhookId: string;
  eventType: string;
  payload: string;
  at: Date;
}

/** Webhook subscriptions and their delivery outbox. */
export class WebhooksRepo {
  constructor(private readonly db: Db) {}

  async insert(row: { id: string; workspaceId: string; url: string; events: readonly string[]; secret: string; createdBy: string; at: Date }): Promise<WebhookRow> {
    return this.db
      .insertInto('webhooks')
      .values({ id: row.id, workspace_id: row.workspaceId, url: row.url, events: JSON.stringify(row.events), secret: row.secret, created_by: row.createdBy, created_at: row.at })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async listForWorkspace(workspaceId: string): Promise<WebhookRow[]> {
    return this.db.selectFrom('webhooks').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at').orderBy('id').execute();
  }

  async find(workspaceId: string, id: string): Promise<WebhookRow | undefined> {
    return this.db.selectFrom('webhooks').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  }

  async findByIds(ids: readonly string[]): Promise<WebhookRow[]> {
    if (ids.length === 0) return [];
    return this.db.selectFrom('webhooks').selectAll().where('id', 'in', ids).execute();
  }

  /** Deletes the subscription and (cascade) its pending deliveries; false when there was none. */
  async delete(workspaceId: string, id: string): Promise<boolean> {
    const res = await this.db.deleteFrom('webhooks').where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
    return res.numDeletedRows > 0n;
  }

  /** The workspace's subscriptions to an event type. */
  async subscribers(workspaceId: string, eventType: string): Promise<WebhookRow[]> {
    const rows = await this.listForWorkspace(workspaceId);
    return rows.filter((r) => r.events.includes(eventType));
  }

  async enqueue(deliveries: readonly NewDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    await this.db
      .insertInto('webhook_deliveries')
      .values(deliveries.map((d) => ({ id: d.id, webhook_id: d.webhookId, event_type: d.eventType, payload: d.payload, status: 'pending' as const, next_attempt_at: d.at, created_at: d.at })))
      .execute();
  }

  /**
   * Claims pending deliveries that are due (`FOR UPDATE SKIP LOCKED` plus a lease): any number
   * of worker processes share the outbox, and a crashed one's claims are taken over once their
   * lease has run out.
   */
  async claimDue(owner: string, now: Date, leaseUntil: Date, limit: number): Promise<DeliveryRow[]> {
    return this.db
      .updateTable('webhook_deliveries')
      .set({ lease_until: leaseUntil, lease_owner: owner })
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('webhook_deliveries')
          .select('id')
          .where('status', '=', 'pending')
          .where('next_attempt_at', '<=', now)
          .where((w) => w.or([w('lease_until', 'is', null), w('lease_until', '<=', now)]))
          .orderBy('next_attempt_at')
          .limit(limit)
          .forUpdate()
          .skipLocked(),
      )
      .returningAll()
      .execute();
  }

  /** Records an attempt's outcome, if this owner still holds the claim. */
  async finish(id: string, owner: string, outcome: { status: 'pending' | 'delivered' | 'failed'; attempts: number; nextAttemptAt: Date; lastStatus: number | null; lastError: string | null; at: Date }): Promise<boolean> {
    const res = await this.db
      .updateTable('webhook_deliveries')
      .set({
        status: outcome.status,
        attempts: outcome.attempts,
        next_attempt_at: outcome.nextAttemptAt,
        last_status: outcome.lastStatus,
        last_error: outcome.lastError,
        lease_until: null,
        lease_owner: null,
        ...(outcome.status === 'delivered' ? { delivered_at: outcome.at } : {}),
      })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return res.numUpdatedRows > 0n;
  }

  /** Forgets delivered and given-up deliveries created before `before` (housekeeping); pending ones stay. */
  async pruneFinished(before: Date): Promise<number> {
    const res = await this.db.deleteFrom('webhook_deliveries').where('status', '!=', 'pending').where('created_at', '<', before).executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  /** The newest deliveries of a subscription (for its owner to see what happened). */
  async recentDeliveries(webhookId: string, limit: number): Promise<DeliveryRow[]> {
    return this.db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhookId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  }
}
