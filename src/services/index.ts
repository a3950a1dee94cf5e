import type { Config } from '../config.ts';
import type { Clock } from '../core/clock.ts';
import type { Envelope } from '../crypto/envelope.ts';
import type { Logger } from '../log.ts';
import { defaultFetch, type FetchFunction } from '../oauth/providers/index.ts';
import type { Db } from '../store/db.ts';
import { ConnectionsRepo } from '../store/connections.ts';
import { AccountsService } from './accounts.ts';
import { ConnectService } from './connect.ts';
import { ConnectionsService } from './connections.ts';
import { OAuthAppsService } from './oauth-apps.ts';
import { WorkspacesService } from './workspaces.ts';
import { Events } from './events.ts';
import { RefreshService } from './refresh.ts';
import { TokenCache, TokensService } from './tokens.ts';
import { LifecycleService } from './lifecycle.ts';
import { ProxyService } from './proxy.ts';
import { AuditService } from './audit.ts';
import { WebhooksService } from './webhooks.ts';
import { AccessCache, type AccessCacheMode } from './access-cache.ts';
import { ImpactService } from './impact.ts';
import { SharingService } from './sharing.ts';
import { WorkflowsService } from './workflows.ts';
import { RunsService } from './runs.ts';
import type { MemberRemovedHook } from './workspaces.ts';
import type { DisconnectedHook } from './lifecycle.ts';

export interface Services {
  accounts: AccountsService;
  workspaces: WorkspacesService;
  oauthApps: OAuthAppsService;
  connect: ConnectService;
  connections: ConnectionsService;
  events: Events;
  refresher: RefreshService;
  tokens: TokensService;
  lifecycle: LifecycleService;
  proxy: ProxyService;
  audit: AuditService;
  webhooks: WebhooksService;
  impact: ImpactService;
  sharing: SharingService;
  workflows: WorkflowsService;
  runs: RunsService;
  access: AccessCache;
}

export interface ServiceDeps {
  db: Db;
  config: Config;
  logger: Logger;
  clock: Clock;
  envelope: Envelope;
  /** Outbound HTTP to providers; global fetch unless a test wraps it. */
  fetch?: FetchFunction;
  /** Refresh lease length (tests shorten it to exercise take-over after a crash). */
  refreshLeaseMs?: number;
  /**
   * `shared` when other processes may change the database (PostgreSQL): the access cache is then
   * bypassed until `store/access-notify.ts` listens for their changes. `local` (the default, for
   * one process on its own database) trusts in-process invalidation alone.
   */
  accessCacheMode?: AccessCacheMode;
}

/** Wires the use cases together; `main.ts` and the tests both build the app through this. */
export function createServices(deps: ServiceDeps): Services {
  const { db, config, logger, clock, envelope } = deps;
  const access = new AccessCache({ mode: deps.accessCacheMode ?? 'local' });
  const accounts = new AccountsService({ db, clock, logger, openSignup: config.openSignup, sessionTtlMs: config.sessionTtlMs, access });
  const events = new Events(logger);
  // In-process invalidation of cached grants, synchronously when the change is announced (after
  // its commit, before its HTTP answer). Registered first, so it runs before anything else hears.
  events.on((event) => {
    switch (event.type) {
      case 'token.issued':
      case 'connection.created':
      case 'connection.renamed':
      case 'workflow.node_invalidated':
      case 'member.added':
      case 'oauth_app.created':
      case 'oauth_app.updated':
        return;
      case 'connection.reconnected':
      case 'connection.refreshed':
      case 'connection.refresh_failed':
      case 'connection.reauthorize_required':
      case 'connection.disconnected':
      case 'connection.promoted':
      case 'connection.unshared':
        access.invalidateConnection(event.connectionId);
        return;
      case 'member.removed':
      case 'oauth_app.deleted':
        access.invalidateAll();
        return;
      default: {
        const unknown: never = event;
        // A new event type: be safe until someone decides what it invalidates.
        access.invalidateAll();
        return unknown;
      }
    }
  });
  // SPEC §6–7: member removal, disconnect and app deletion break workflow nodes in their own
  // transaction; the hooks are filled in below, once the impact service exists.
  const onMemberRemoved: MemberRemovedHook[] = [];
  const onDisconnected: DisconnectedHook[] = [];
  const impact = new ImpactService({ db, clock, events });
  const workspaces = new WorkspacesService({ db, events, clock, onMemberRemoved, access });
  // Subscribes to `events` now, so it records everything emitted from here on (SPEC §8).
  const audit = new AuditService({ db, logger, workspaces, events });
  const webhooks = new WebhooksService({ db, envelope, clock, logger, workspaces, events });
  const oauthApps = new OAuthAppsService({
    db,
    envelope,
    clock,
    publicOrigin: config.publicOrigin,
    events,
    onDeleted: [
      // SPEC §2: without the app nothing can refresh; the connections need a reconnect.
      async (trx, { domain, actorId }) => {
        const after = await impact.invalidate(trx, { kind: 'app_deleted', domain }, actorId);
        await new ConnectionsRepo(trx).markDomainReauthorize(domain, `The OAuth app for ${domain} was removed by an administrator.`, clock.now());
        return after;
      },
    ],
  });
  // Every call to a provider is bounded: a hung provider is a transient failure, not a hung request.
  const baseFetch = deps.fetch ?? defaultFetch;
  const providerFetch: FetchFunction = (url, init) => baseFetch(url, { ...init, signal: init.signal ?? AbortSignal.timeout(config.providerTimeoutMs) });
  const fetchOption = { fetch: providerFetch };
  const connect = new ConnectService({ db, envelope, clock, logger, apps: oauthApps, workspaces, events, ...fetchOption });
  const connections = new ConnectionsService({ db, clock, workspaces, events });
  const refresher = new RefreshService({ db, envelope, clock, logger, apps: oauthApps, events, ...fetchOption, ...(deps.refreshLeaseMs ? { leaseMs: deps.refreshLeaseMs } : {}) });
  const cache = new TokenCache();
  const tokens = new TokensService({ db, envelope, clock, refresher, events, cache, access });
  const lifecycle = new LifecycleService({ db, envelope, clock, logger, apps: oauthApps, connections, connect, refresher, cache, events, onDisconnected, ...fetchOption });
  const proxy = new ProxyService({ apps: oauthApps, tokens, refresher, clock, ...fetchOption });
  const sharing = new SharingService({ db, clock, connections, impact, events, cache });
  onMemberRemoved.push(sharing.onMemberRemoved);
  onDisconnected.push((trx, { connection, actorId }) => impact.invalidate(trx, { kind: 'disconnect', connectionId: connection.id }, actorId));
  const workflows = new WorkflowsService({ db, clock, workspaces });
  const runs = new RunsService({ db, clock, workflows, proxy });
  return { accounts, workspaces, oauthApps, connect, connections, events, refresher, tokens, lifecycle, proxy, audit, webhooks, impact, sharing, workflows, runs, access };
}
