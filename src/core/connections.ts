import { AppError } from './errors.ts';
import type { Actor } from './policy.ts';
import type { ConnectionStatus, ShareLevel } from '../store/schema.ts';

/** The facts about a connection that access decisions need. */
export interface ConnectionFacts {
  readonly id: string;
  readonly workspaceId: string;
  readonly ownerId: string;
  readonly status: ConnectionStatus;
  readonly sharedLevel: ShareLevel | null;
}

export type ConnectionAbility = 'view' | 'use' | 'manage' | 'own';

/**
 * What the caller may do with a connection (API.md "Who may call"): the owner everything; a
 * member of the connection's workspace what the share allows (`use` or `manage`); everyone else
 * nothing. `isMember` is whether the caller belongs to the connection's workspace.
 */
export function abilitiesOf(connection: ConnectionFacts, actor: Actor, isMember: boolean): Set<ConnectionAbility> {
  if (connection.ownerId === actor.userId && isMember) return new Set(['view', 'use', 'manage', 'own']);
  if (!isMember || connection.sharedLevel === null) return new Set();
  return connection.sharedLevel === 'manage' ? new Set(['view', 'use', 'manage']) : new Set(['view', 'use']);
}

/**
 * Checks one ability. Someone who cannot even see the connection gets `404` (its existence is not
 * revealed, API.md Conventions); someone who can see it but not do this gets `403`.
 */
export function requireAbility(abilities: Set<ConnectionAbility>, needed: ConnectionAbility, action: string): void {
  if (!abilities.has('view')) throw new AppError('connection_not_found', 'No connection with this id, or it is not shared with you.');
  if (!abilities.has(needed)) {
    throw new AppError('forbidden', needed === 'own' ? `Only the connection's owner can ${action}.` : `Your access to this shared connection does not allow you to ${action}.`);
  }
}
