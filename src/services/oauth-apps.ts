import { AppError } from '../core/errors.ts';
import type { Clock } from '../core/clock.ts';
import { requireInstanceAdmin, type Actor } from '../core/policy.ts';
import { Secret } from '../core/secret.ts';
import type { Envelope } from '../crypto/envelope.ts';
import {
  catalogEntries,
  isBuiltInDomain,
  providerTemplates,
  resolveProvider,
  validateAppConfig,
  type CatalogEntry,
  type OAuthAppConfig,
  type ProviderTemplate,
  type ResolvedProvider,
  type TokenEndpointAuthMethod,
} from '../oauth/providers/index.ts';
import type { Db } from '../store/db.ts';
import { OAuthAppsRepo, type OAuthAppRow } from '../store/oauth-apps.ts';
import type { Events } from './events.ts';

/** What an admin sends (API.md PUT /admin/oauth-apps/:domain); `scopes` is space-separated. */
export interface OAuthAppInput {
  clientId: string;
  clientSecret?: string | undefined;
  authorizeUrl?: string | undefined;
  tokenUrl?: string | undefined;
  scopes?: string | undefined;
  revocationUrl?: string | undefined;
  userinfoUrl?: string | undefined;
  issuer?: string | undefined;
  authorizeParams?: Record<string, string> | undefined;
  apiBaseUrl?: string | undefined;
  tenant?: string | undefined;
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod | undefined;
}

/** An app as shown to admins: effective URLs, the secret only as `•••• last4`. */
export interface OAuthAppView {
  domain: string;
  displayName: string;
  builtIn: boolean;
  clientId: string;
  clientSecret: string;
  authorizeUrl: string;
  tokenUrl: string;
  scopes: string;
  revocationUrl?: string;
  userinfoUrl?: string;
  issuer?: string;
  apiBaseUrl?: string;
  authorizeParams: Record<string, string>;
  tenant?: string;
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  updatedAt: Date;
}

/** The app and its secret, for the connect flow and the refresher. */
export interface LoadedApp {
  provider: ResolvedProvider;
  clientSecret: Secret<string>;
  updatedAt: Date;
}

/** Called in the delete transaction, before the app row goes (connections → reauthorize, etc.). */
export type AppDeletedHook = (trx: Db, event: { domain: string; actorId: string }) => Promise<(() => void) | void>;

export interface OAuthAppsDeps {
  db: Db;
  envelope: Envelope;
  clock: Clock;
  publicOrigin: string;
  onDeleted?: AppDeletedHook[];
  /** Where `oauth_app.created/updated/deleted` go once committed (the audit log); never the secret. */
  events?: Events;
}

const MASK = '•••• ';

/** The last 4 characters, shown to admins to tell secrets apart — but never most of a short secret. */
function lastFour(secret: string): string {
  return secret.length >= 12 ? secret.slice(-4) : '';
}

/** Stored columns by their API names, to say which fields an update changed. */
const AUDITED_FIELDS = {
  clientId: 'client_id',
  authorizeUrl: 'authorize_url',
  tokenUrl: 'token_url',
  revocationUrl: 'revocation_url',
  userinfoUrl: 'userinfo_url',
  issuer: 'issuer',
  scopes: 'scopes',
  authorizeParams: 'authorize_params',
  apiBaseUrl: 'api_base_url',
  tenant: 'tenant',
  tokenEndpointAuthMethod: 'token_endpoint_auth_method',
} as const;

/** Comparable text of a column value (jsonb comes back parsed, possibly with its keys reordered). */
function comparable(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The API names of the fields `next` sets differently from `before` (all set ones on create). */
function changedFields(before: OAuthAppRow | undefined, next: Record<string, unknown>, secretGiven: boolean): string[] {
  const changed: string[] = [];
  for (const [name, column] of Object.entries(AUDITED_FIELDS)) {
    const after = column === 'authorize_params' && typeof next[column] === 'string' ? (JSON.parse(next[column]) as unknown) : next[column];
    if (comparable(before?.[column]) !== comparable(after)) changed.push(name);
  }
  // Only the fact that a secret was supplied: never its value, not even its last characters.
  if (secretGiven) changed.push('clientSecret');
  return changed;
}

function blankToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function splitScopes(scopes: string | null | undefined): string[] | undefined {
  if (scopes === null || scopes === undefined) return undefined;
  const list = scopes.split(/\s+/).filter((s) => s.length > 0);
  return list.length === 0 ? undefined : list;
}

/** The stored row as the catalog's app config. */
export function appConfigOf(row: OAuthAppRow): OAuthAppConfig {
  return {
    domain: row.domain,
    clientId: row.client_id,
    authorizeUrl: row.authorize_url ?? undefined,
    tokenUrl: row.token_url ?? undefined,
    revocationUrl: row.revocation_url ?? undefined,
    userinfoUrl: row.userinfo_url ?? undefined,
    issuer: row.issuer ?? undefined,
    scopes: splitScopes(row.scopes),
    authorizeParams: row.authorize_params ?? undefined,
    apiBaseUrl: row.api_base_url ?? undefined,
    tenant: row.tenant ?? undefined,
    tokenEndpointAuthMethod: row.token_endpoint_auth_method ?? undefined,
  };
}

/** Admin console → OAuth credentials (SPEC §2). */
export class OAuthAppsService {
  readonly #deps: OAuthAppsDeps;
  readonly #repo: OAuthAppsRepo;

  constructor(deps: OAuthAppsDeps) {
    this.#deps = deps;
    this.#repo = new OAuthAppsRepo(deps.db);
  }

  /** The one redirect URI for every domain: `PUBLIC_ORIGIN/oauth/callback`. */
  get redirectUri(): string {
    return `${this.#deps.publicOrigin}/oauth/callback`;
  }

  async catalog(): Promise<CatalogEntry[]> {
    const rows = await this.#repo.list();
    return catalogEntries(rows.map((r) => ({ domain: r.domain, scopes: splitScopes(r.scopes) })));
  }

  /** The built-in catalog's endpoints and default scopes, for the admin form to pre-fill (instance admin). */
  templates(actor: Actor): ProviderTemplate[] {
    requireInstanceAdmin(actor);
    return providerTemplates();
  }

  async list(actor: Actor): Promise<{ redirectUri: string; apps: OAuthAppView[] }> {
    requireInstanceAdmin(actor);
    const rows = await this.#repo.list();
    return { redirectUri: this.redirectUri, apps: rows.map((r) => this.#view(r)) };
  }

  /**
   * Creates or updates the app of a domain. A blank or absent `clientSecret` keeps the stored
   * one; on create it is required. Validation messages never contain the secret.
   */
  async put(actor: Actor, domain: string, input: OAuthAppInput): Promise<{ app: OAuthAppView; created: boolean }> {
    requireInstanceAdmin(actor);
    const secret = blankToUndefined(input.clientSecret);
    const config: OAuthAppConfig = {
      domain,
      clientId: input.clientId.trim(),
      authorizeUrl: blankToUndefined(input.authorizeUrl),
      tokenUrl: blankToUndefined(input.tokenUrl),
      revocationUrl: blankToUndefined(input.revocationUrl),
      userinfoUrl: blankToUndefined(input.userinfoUrl),
      issuer: blankToUndefined(input.issuer),
      scopes: splitScopes(input.scopes),
      authorizeParams: input.authorizeParams,
      apiBaseUrl: blankToUndefined(input.apiBaseUrl),
      tenant: blankToUndefined(input.tenant),
      tokenEndpointAuthMethod: input.tokenEndpointAuthMethod,
    };
    const result = await this.#deps.db.transaction().execute(async (trx) => {
      const repo = new OAuthAppsRepo(trx);
      const existing = await repo.findForUpdate(domain);
      const problems = validateAppConfig(domain, config);
      if (!existing && secret === undefined) problems.push({ field: 'clientSecret', message: 'clientSecret is required when registering an app' });
      if (problems.length > 0) {
        throw new AppError('invalid_request', 'Some fields of the OAuth app are missing or invalid.', {
          details: { fields: problems.map((p) => ({ field: p.field, location: 'body', message: p.message })) },
        });
      }
      const now = this.#deps.clock.now();
      const row = {
        client_id: config.clientId,
        ...(secret === undefined
          ? {}
          : { client_secret: this.#deps.envelope.seal(new Secret(secret), { table: 'oauth_apps', id: domain, field: 'client_secret' }), secret_last4: lastFour(secret) }),
        authorize_url: config.authorizeUrl ?? null,
        token_url: config.tokenUrl ?? null,
        revocation_url: config.revocationUrl ?? null,
        userinfo_url: config.userinfoUrl ?? null,
        issuer: config.issuer ?? null,
        scopes: config.scopes?.join(' ') ?? null,
        authorize_params: config.authorizeParams === undefined ? null : JSON.stringify(config.authorizeParams),
        api_base_url: config.apiBaseUrl ?? null,
        tenant: config.tenant ?? null,
        token_endpoint_auth_method: config.tokenEndpointAuthMethod ?? null,
        updated_at: now,
      };
      const changed = changedFields(existing, row, secret !== undefined);
      if (existing) return { app: this.#view(await repo.update(domain, row)), created: false, changed };
      if (row.client_secret === undefined || row.secret_last4 === undefined) throw new Error('unreachable: secret checked above');
      const inserted = await repo.insert({ domain, ...row, client_secret: row.client_secret, secret_last4: row.secret_last4, created_at: now });
      return { app: this.#view(inserted), created: true, changed };
    });
    this.#deps.events?.emit({
      type: result.created ? 'oauth_app.created' : 'oauth_app.updated',
      at: this.#deps.clock.now(),
      actorId: actor.userId,
      domain,
      clientId: result.app.clientId,
      changed: result.changed,
    });
    return { app: result.app, created: result.created };
  }

  /** Deletes the app; hooks (connections → reauthorize, nodes invalidated) run in the same transaction. */
  async delete(actor: Actor, domain: string): Promise<void> {
    requireInstanceAdmin(actor);
    const afterCommit: (() => void)[] = [];
    await this.#deps.db.transaction().execute(async (trx) => {
      const repo = new OAuthAppsRepo(trx);
      if (!(await repo.findForUpdate(domain))) throw new AppError('provider_not_configured', `No OAuth app is registered for ${domain}.`);
      for (const hook of this.#deps.onDeleted ?? []) {
        const after = await hook(trx, { domain, actorId: actor.userId });
        if (after) afterCommit.push(after);
      }
      await repo.delete(domain);
    });
    for (const after of afterCommit) after();
    this.#deps.events?.emit({ type: 'oauth_app.deleted', at: this.#deps.clock.now(), actorId: actor.userId, domain });
  }

  /** The resolved provider and decrypted secret of a configured domain, or `404 provider_not_configured`. */
  async load(domain: string): Promise<LoadedApp> {
    const row = await this.#repo.find(domain);
    if (!row) {
      throw new AppError('provider_not_configured', `${domain} is not set up on this Tether instance yet. An instance administrator registers its OAuth app under Admin → OAuth credentials.`, {
        details: { domain },
      });
    }
    const resolved = resolveProvider(domain, appConfigOf(row));
    if (!resolved.ok) throw resolved.error;
    const clientSecret = this.#deps.envelope.open(row.client_secret, { table: 'oauth_apps', id: domain, field: 'client_secret' });
    return { provider: resolved.provider, clientSecret, updatedAt: row.updated_at };
  }

  #view(row: OAuthAppRow): OAuthAppView {
    const resolved = resolveProvider(row.domain, appConfigOf(row));
    const p = resolved.ok ? resolved.provider : undefined;
    const view: OAuthAppView = {
      domain: row.domain,
      displayName: p?.displayName ?? row.domain,
      builtIn: isBuiltInDomain(row.domain),
      clientId: row.client_id,
      clientSecret: `${MASK}${row.secret_last4}`,
      authorizeUrl: p?.authorizeUrl ?? row.authorize_url ?? '',
      tokenUrl: p?.tokenUrl ?? row.token_url ?? '',
      scopes: (p?.scopes ?? splitScopes(row.scopes) ?? []).join(' '),
      authorizeParams: row.authorize_params ?? {},
      tokenEndpointAuthMethod: p?.tokenEndpointAuthMethod ?? row.token_endpoint_auth_method ?? 'client_secret_basic',
      updatedAt: row.updated_at,
    };
    const revocationUrl = p?.revocationUrl ?? row.revocation_url ?? undefined;
    const userinfoUrl = p?.userinfoUrl ?? row.userinfo_url ?? undefined;
    const issuer = p?.hasIssuer ? p.issuer : (row.issuer ?? undefined);
    const apiBaseUrl = p?.apiBaseUrl ?? row.api_base_url ?? undefined;
    if (revocationUrl !== undefined) view.revocationUrl = revocationUrl;
    if (userinfoUrl !== undefined) view.userinfoUrl = userinfoUrl;
    if (issuer !== undefined) view.issuer = issuer;
    if (apiBaseUrl !== undefined) view.apiBaseUrl = apiBaseUrl;
    if (p?.tenant !== undefined) view.tenant = p.tenant;
    return view;
  }
}
