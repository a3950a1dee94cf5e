import { randomBytes } from 'node:crypto';
import { AppError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { Clock } from '../core/clock.ts';
import type { Actor } from '../core/policy.ts';
import type { Secret } from '../core/secret.ts';
import type { Envelope } from '../crypto/envelope.ts';
import type { Logger } from '../log.ts';
import { buildAuthorizationRequest, completeAuthorization, FlowError, type ExchangedTokens } from '../oauth/flow.ts';
import { requestedScopes, type ErrorClassification, type FetchFunction } from '../oauth/providers/index.ts';
import type { Db } from '../store/db.ts';
import { ConnectionsRepo, type ConnectSessionRow } from '../store/connections.ts';
import { sha256 } from './accounts.ts';
import { abilitiesOf } from '../core/connections.ts';
import { WorkspacesRepo } from '../store/workspaces.ts';
import { refreshDueAt } from '../core/tokens.ts';
import type { OAuthAppsService } from './oauth-apps.ts';
import type { WorkspacesService } from './workspaces.ts';
import type { Events } from './events.ts';

/** SPEC §3: a connect session lives 10 minutes. */
export const CONNECT_SESSION_TTL_MS = 10 * 60_000;

/** Why a callback did not end in a connection; the callback page words each one for people. */
export type CallbackFailureKind =
  | 'missing_state'
  | 'unknown_state'
  | 'used_state'
  | 'expired_state'
  | 'missing_binding'
  | 'denied'
  | 'admin_approval'
  | 'issuer_mismatch'
  | 'token_exchange'
  | 'provider_unavailable'
  | 'misconfigured'
  | 'account_mismatch'
  | 'access_revoked'
  | 'workspace_access';

export interface CallbackFailure {
  readonly kind: CallbackFailureKind;
  readonly providerName: string | null;
  /** The provider's reason in plain words (from the catalog), when there is one. */
  readonly reason: string | null;
  /** The provider's error code, for support; never a secret. */
  readonly code: string | null;
}

export type CallbackResult =
  | { ok: true; connectionId: string; workspaceId: string; providerName: string; reconnected: boolean }
  | { ok: false; failure: CallbackFailure };

export interface ConnectDeps {
  db: Db;
  envelope: Envelope;
  clock: Clock;
  logger: Logger;
  apps: OAuthAppsService;
  workspaces: WorkspacesService;
  /** Outbound HTTP to providers (tests may wrap it; production uses global fetch). */
  fetch?: FetchFunction;
  events?: Events;
}

/** A new browser binding: the value of the HttpOnly flow cookie. */
export function newBindingId(): string {
  return randomBytes(32).toString('base64url');
}

function failure(kind: CallbackFailureKind, providerName: string | null = null, c?: ErrorClassification): CallbackResult {
  return { ok: false, failure: { kind, providerName, reason: c?.reason ?? null, code: c?.code ?? null } };
}

function failureKindOf(err: FlowError): CallbackFailureKind {
  if (err.stage === 'issuer') return 'issuer_mismatch';
  switch (err.classification.kind) {
    case 'denied':
      return 'denied';
    case 'admin_approval':
      return 'admin_approval';
    case 'transient':
      return 'provider_unavailable';
    case 'misconfigured':
      return err.stage === 'token' ? 'token_exchange' : 'misconfigured';
    case 'permanent':
      return 'token_exchange';
  }
}

/** The connect flow (SPEC §3): start it for a workspace, complete it at the callback. */
export class ConnectService {
  readonly #deps: ConnectDeps;

  constructor(deps: ConnectDeps) {
    this.#deps = deps;
  }

  /**
   * Starts a connect: checks membership and plan, creates a one-time session bound to the caller,
   * the workspace and this browser (`bindingId`), and returns the provider's authorization URL.
   */
  async start(
    actor: Actor,
    workspaceId: string,
    input: { domain: string; name?: string | undefined; scopes?: readonly string[] | undefined; connectionId?: string | undefined; allowAccountChange?: boolean },
    bindingId: string,
  ): Promise<{ authorizationUrl: string; expiresAt: Date }> {
    await this.#deps.workspaces.requireMembership(actor, workspaceId, { plan: 'workspace' });
    const app = await this.#deps.apps.load(input.domain);
    const scopes = requestedScopes(app.provider, input.scopes ?? []);
    let request;
    try {
      request = await buildAuthorizationRequest(app.provider, { redirectUri: this.#deps.apps.redirectUri, scopes }, this.#options());
    } catch (err) {
      if (err instanceof FlowError) {
        throw new AppError('provider_not_configured', `${app.provider.displayName} cannot be reached or is not set up correctly: ${err.classification.reason}`, { cause: err });
      }
      throw err;
    }
    const id = newId('cs');
    const now = this.#deps.clock.now();
    const expiresAt = new Date(now.getTime() + CONNECT_SESSION_TTL_MS);
    await new ConnectionsRepo(this.#deps.db).insertSession({
      id,
      state_hash: sha256(request.state.reveal()),
      binding_hash: sha256(bindingId),
      user_id: actor.userId,
      workspace_id: workspaceId,
      domain: input.domain,
      name: input.name ?? null,
      scopes: JSON.stringify(scopes),
      code_verifier: request.codeVerifier === null ? null : this.#deps.envelope.seal(request.codeVerifier, { table: 'connect_sessions', id, field: 'code_verifier' }),
      nonce: request.nonce,
      redirect_uri: this.#deps.apps.redirectUri,
      connection_id: input.connectionId ?? null,
      allow_account_change: input.allowAccountChange ?? false,
      expires_at: expiresAt,
      created_at: now,
    });
    return { authorizationUrl: request.url.toString(), expiresAt };
  }

  /**
   * Completes a connect at `/oauth/callback`. The session must exist, be unused, unexpired and
   * belong to this browser; it is consumed before the code is redeemed, so a replay never
   * reaches the provider. A connection is written only when every step succeeded.
   */
  async callback(params: URLSearchParams, bindingId: string | undefined): Promise<CallbackResult> {
    const state = params.get('state');
    if (!state) return failure('missing_state');
    const repo = new ConnectionsRepo(this.#deps.db);
    const session = await repo.findSessionByStateHash(sha256(state));
    if (!session) return failure('unknown_state');
    const now = this.#deps.clock.now();
    if (session.used_at !== null) return failure('used_state');
    if (session.expires_at.getTime() <= now.getTime()) return failure('expired_state');
    if (bindingId === undefined || sha256(bindingId) !== session.binding_hash) return failure('missing_binding');
    if (!(await repo.consumeSession(session.id, now))) return failure('used_state');
    // Access is checked again now, not only at the start: within the session's 10 minutes the
    // person may have left the workspace, or it may have moved to the personal plan.
    const membership = await new WorkspacesRepo(this.#deps.db).findMembership(session.workspace_id, session.user_id);
    if (membership?.plan !== 'workspace') {
      this.#deps.logger.warn({ workspaceId: session.workspace_id, domain: session.domain }, 'connect refused at the callback: no longer a member, or not on the Workspace plan');
      return failure('workspace_access', session.domain);
    }

    let app;
    try {
      app = await this.#deps.apps.load(session.domain);
    } catch (err) {
      if (err instanceof AppError) return failure('misconfigured', session.domain);
      throw err;
    }
    let tokens: ExchangedTokens;
    try {
      tokens = await completeAuthorization(
        app.provider,
        app.clientSecret,
        {
          callbackParams: params,
          expectedState: state,
          codeVerifier: this.#openVerifier(session),
          nonce: session.nonce,
          redirectUri: session.redirect_uri,
          requestedScopes: session.scopes,
          now: () => this.#deps.clock.now(),
        },
        this.#options(),
      );
    } catch (err) {
      if (err instanceof FlowError) {
        this.#deps.logger.warn({ domain: session.domain, stage: err.stage, kind: err.classification.kind, providerCode: err.classification.code }, 'connect callback failed');
        return failure(failureKindOf(err), app.provider.displayName, err.classification);
      }
      throw err;
    }
    if (session.connection_id !== null) return this.#reconnect(session, tokens, app.provider.displayName);
    const connectionId = await this.#save(session, tokens, app.provider.displayName);
    this.#deps.events?.emit({ type: 'connection.created', at: this.#deps.clock.now(), actorId: session.user_id, connectionId, domain: session.domain, workspaceId: session.workspace_id });
    return { ok: true, connectionId, workspaceId: session.workspace_id, providerName: app.provider.displayName, reconnected: false };
  }

  /**
   * Reconnect (SPEC §5): new tokens and scopes on the same connection id, so workflows need no
   * change. Another provider account is refused unless the person confirmed the change.
   */
  async #reconnect(session: ConnectSessionRow, tokens: ExchangedTokens, providerName: string): Promise<CallbackResult> {
    const id = session.connection_id ?? '';
    const repo = new ConnectionsRepo(this.#deps.db);
    const existing = await repo.find(id);
    if (!existing || existing.status === 'disconnected') return failure('misconfigured', providerName);
    // Access is checked again now, not only when the reconnect started: within those 10 minutes
    // the share may have ended or the person may have left the workspace.
    const membership = await new WorkspacesRepo(this.#deps.db).findMembership(existing.workspace_id, session.user_id);
    const abilities = abilitiesOf(
      { id, workspaceId: existing.workspace_id, ownerId: existing.owner_id, status: existing.status, sharedLevel: existing.shared_level },
      { userId: session.user_id, isAdmin: false, via: 'session' },
      membership !== undefined,
    );
    if (!abilities.has('manage')) {
      this.#deps.logger.warn({ connectionId: id }, 'reconnect refused: the starter no longer may manage the connection');
      return failure('access_revoked', providerName);
    }
    if (existing.account_id !== tokens.identity.accountId && !session.allow_account_change) {
      this.#deps.logger.warn({ connectionId: id, domain: session.domain }, 'reconnect refused: different provider account');
      return failure('account_mismatch', providerName);
    }
    const now = this.#deps.clock.now();
    const seal = (value: Secret<string>, field: string): string => this.#deps.envelope.seal(value, { table: 'connections', id, field });
    // Conditional: a disconnect that lands while this callback ran stays a disconnect.
    const updated = await repo.updateUnlessDisconnected(id, {
      account_id: tokens.identity.accountId,
      account_display: tokens.identity.displayName,
      scopes: JSON.stringify(tokens.scopes),
      access_token: seal(tokens.accessToken, 'access_token'),
      // A reconnect without a new refresh token keeps the old one (it may still be valid).
      ...(tokens.refreshToken === null ? {} : { refresh_token: seal(tokens.refreshToken, 'refresh_token') }),
      token_type: tokens.tokenType,
      token_expires_at: tokens.expiresAt,
      last_refreshed_at: now,
      refresh_due_at: refreshDueAt(now, tokens.expiresAt),
      status: 'active',
      status_reason: null,
      refresh_failures: 0,
      refresh_retry_at: null,
      last_error: null,
      // Any refresh still in flight loses its lease: its result must not overwrite these tokens.
      refresh_lease_until: null,
      refresh_lease_owner: null,
      updated_at: now,
    });
    if (!updated) return failure('misconfigured', providerName);
    this.#deps.events?.emit({ type: 'connection.reconnected', at: now, actorId: session.user_id, connectionId: id, domain: session.domain, workspaceId: session.workspace_id });
    return { ok: true, connectionId: id, workspaceId: session.workspace_id, providerName, reconnected: true };
  }

  #openVerifier(session: ConnectSessionRow): Secret<string> | null {
    if (session.code_verifier === null) return null;
    return this.#deps.envelope.open(session.code_verifier, { table: 'connect_sessions', id: session.id, field: 'code_verifier' });
  }

  /** One insert, with the tokens sealed to the new row's id. */
  async #save(session: ConnectSessionRow, tokens: ExchangedTokens, providerName: string): Promise<string> {
    const id = newId('conn');
    const now = this.#deps.clock.now();
    const seal = (value: Secret<string>, field: string): string => this.#deps.envelope.seal(value, { table: 'connections', id, field });
    await new ConnectionsRepo(this.#deps.db).insert({
      id,
      workspace_id: session.workspace_id,
      owner_id: session.user_id,
      domain: session.domain,
      name: session.name ?? `${providerName} – ${tokens.identity.displayName}`,
      status: 'active',
      status_reason: null,
      account_id: tokens.identity.accountId,
      account_display: tokens.identity.displayName,
      scopes: JSON.stringify(tokens.scopes),
      access_token: seal(tokens.accessToken, 'access_token'),
      refresh_token: tokens.refreshToken === null ? null : seal(tokens.refreshToken, 'refresh_token'),
      token_type: tokens.tokenType,
      token_expires_at: tokens.expiresAt,
      last_refreshed_at: now,
      refresh_due_at: refreshDueAt(now, tokens.expiresAt),
      created_at: now,
      updated_at: now,
    });
    this.#deps.logger.info({ connectionId: id, domain: session.domain, workspaceId: session.workspace_id }, 'connection created');
    return id;
  }

  #options(): { fetch?: FetchFunction } {
    return this.#deps.fetch === undefined ? {} : { fetch: this.#deps.fetch };
  }
}
