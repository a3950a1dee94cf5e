/**
 * Domain events: what happened, for the audit log, notifications and webhooks to consume.
 * Emitted after the change is committed; a failing listener is logged, never fatal.
 */
import type { Logger } from '../log.ts';
import type { WorkspaceRole } from '../store/schema.ts';

export type DomainEvent =
  | { type: 'token.issued'; at: Date; actorId: string; connectionId: string; domain: string; workspaceId: string; workflowId?: string; nodeId?: string }
  | { type: 'connection.created' | 'connection.reconnected'; at: Date; actorId: string; connectionId: string; domain: string; workspaceId: string }
  | { type: 'connection.refreshed'; at: Date; actorId: string | null; connectionId: string; domain: string; workspaceId: string; rotated: boolean }
  | { type: 'connection.refresh_failed'; at: Date; actorId: string | null; connectionId: string; domain: string; workspaceId: string; kind: string; code: string; reason: string }
  | { type: 'connection.reauthorize_required'; at: Date; actorId: string | null; connectionId: string; domain: string; workspaceId: string; reason: string }
  | { type: 'connection.disconnected'; at: Date; actorId: string; connectionId: string; domain: string; workspaceId: string; revocation: string }
  | { type: 'connection.promoted' | 'connection.unshared' | 'connection.renamed'; at: Date; actorId: string; connectionId: string; domain: string; workspaceId: string; details?: Record<string, unknown> }
  | { type: 'workflow.node_invalidated'; at: Date; actorId: string | null; workspaceId: string; workflowId: string; nodeId: string; connectionId: string; domain: string; reason: string }
  | { type: 'member.added' | 'member.removed'; at: Date; actorId: string; workspaceId: string; userId: string; role: WorkspaceRole }
  /** `changed` names the fields an update changed (API names); the secret only ever as `clientSecret` in that list. */
  | { type: 'oauth_app.created' | 'oauth_app.updated'; at: Date; actorId: string; domain: string; clientId: string; changed: string[] }
  | { type: 'oauth_app.deleted'; at: Date; actorId: string; domain: string };

export type EventListener = (event: DomainEvent) => void | Promise<void>;

export class Events {
  readonly #listeners: EventListener[] = [];
  constructor(private readonly logger: Logger) {}

  on(listener: EventListener): void {
    this.#listeners.push(listener);
  }

  emit(event: DomainEvent): void {
    // Guarded: building the object costs something on the token hot path even when debug is off.
    if (this.logger.isLevelEnabled('debug')) this.logger.debug({ event: event.type, connectionId: 'connectionId' in event ? event.connectionId : undefined }, 'event');
    for (const listener of this.#listeners) {
      try {
        const result = listener(event);
        if (result instanceof Promise) result.catch((err: unknown) => this.logger.error({ err, event: event.type }, 'event listener failed'));
      } catch (err) {
        this.logger.error({ err, event: event.type }, 'event listener failed');
      }
    }
  }
}
