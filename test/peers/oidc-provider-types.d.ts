/**
 * The slice of oidc-provider 8.x that test/peers uses, typed by hand: the package ships no
 * types and `@types/oidc-provider` is not installed. Read from the library's source
 * (lib/provider.js, lib/models/grant.js, lib/helpers/defaults.js); extend it when a peer
 * needs more. Values we do not inspect stay `unknown`.
 */
declare module 'oidc-provider' {
  import type { EventEmitter } from 'node:events';
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export type ClaimsMap = Record<string, unknown> & { sub: string };

  export interface Account {
    accountId: string;
    /** @param use `id_token` or `userinfo`. */
    claims(use: string, scope: string, claims: unknown, rejected: readonly string[]): Promise<ClaimsMap>;
  }

  /** The Koa context oidc-provider hands to helpers and events; only what we read. */
  export interface KoaContextWithOIDC {
    readonly method: string;
    readonly path: string;
    readonly oidc?: {
      readonly params?: Readonly<Record<string, unknown>>;
      readonly route?: string;
    };
  }

  export interface AdapterPayload {
    readonly [key: string]: unknown;
    readonly accountId?: string;
    readonly grantId?: string;
    readonly uid?: string;
    readonly userCode?: string;
    readonly consumed?: unknown;
  }

  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export interface ClientMetadata {
    client_id: string;
    client_secret?: string;
    redirect_uris: string[];
    grant_types?: string[];
    response_types?: string[];
    token_endpoint_auth_method?: string;
    scope?: string;
    [key: string]: unknown;
  }

  type TtlValue = number | ((ctx: KoaContextWithOIDC, token: unknown, client: unknown) => number);

  export interface Configuration {
    adapter?: (name: string) => Adapter;
    clients?: ClientMetadata[];
    findAccount?: (ctx: KoaContextWithOIDC, sub: string, token?: unknown) => Promise<Account | undefined>;
    jwks?: { keys: object[] };
    cookies?: {
      keys?: string[];
      long?: Record<string, unknown>;
      short?: Record<string, unknown>;
    };
    claims?: Record<string, string[] | null>;
    scopes?: string[];
    features?: Record<string, Record<string, unknown>>;
    pkce?: {
      methods?: string[];
      required?: (ctx: KoaContextWithOIDC, client: unknown) => boolean;
    };
    interactions?: { url?: (ctx: KoaContextWithOIDC, interaction: Interaction) => Promise<string> };
    issueRefreshToken?: (ctx: KoaContextWithOIDC, client: Client, code: unknown) => Promise<boolean>;
    rotateRefreshToken?: boolean | ((ctx: KoaContextWithOIDC) => boolean | Promise<boolean>);
    expiresWithSession?: (ctx: KoaContextWithOIDC, code: unknown) => Promise<boolean>;
    clientBasedCORS?: (ctx: KoaContextWithOIDC, origin: string, client: unknown) => boolean;
    renderError?: (
      ctx: KoaContextWithOIDC & { type: string; body: unknown },
      out: Record<string, string>,
      error: unknown,
    ) => Promise<void>;
    ttl?: Record<string, TtlValue>;
    [key: string]: unknown;
  }

  export interface Client {
    readonly clientId: string;
    grantTypeAllowed(grantType: string): boolean;
  }

  /** What `interactionDetails` resolves to (lib/models/interaction.js). */
  export interface Interaction {
    readonly uid: string;
    readonly jti: string;
    readonly params: Readonly<Record<string, unknown>>;
    readonly prompt: {
      readonly name: string;
      readonly reasons: readonly string[];
      readonly details: Readonly<Record<string, unknown>>;
    };
    readonly session?: { readonly accountId?: string; readonly uid?: string };
    readonly grantId?: string;
    readonly returnTo: string;
  }

  export type InteractionResults =
    | { error: string; error_description?: string }
    | {
        login?: { accountId: string; remember?: boolean };
        consent?: { grantId?: string };
        [key: string]: unknown;
      };

  export interface Grant {
    readonly jti: string;
    accountId?: string;
    clientId?: string;
    addOIDCScope(scope: string): void;
    rejectOIDCScope(scope: string): void;
    getOIDCScope(): string;
    save(): Promise<string>;
    destroy(): Promise<void>;
  }

  export interface GrantClass {
    new (properties: { accountId: string; clientId: string }): Grant;
    find(id: string): Promise<Grant | undefined>;
  }

  export interface TokenClass {
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export class Provider extends EventEmitter {
    constructor(issuer: string, configuration?: Configuration);
    readonly issuer: string;
    readonly Grant: GrantClass;
    readonly Client: { find(id: string): Promise<Client | undefined> };
    readonly AccessToken: TokenClass;
    readonly AuthorizationCode: TokenClass;
    readonly RefreshToken: TokenClass;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionResult(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResults,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<string>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResults,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
  }

  export default Provider;
}
