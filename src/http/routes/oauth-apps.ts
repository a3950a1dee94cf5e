import { Type } from 'typebox';
import type { App } from '../app.ts';
import { actorOf } from '../auth.ts';
import { DateTime, errors } from '../schemas.ts';
import { ImpactSchema } from './sharing.ts';
import { requireInstanceAdmin } from '../../core/policy.ts';

const HttpUrl = Type.String({ maxLength: 2048 });
const DomainParam = Type.Object({ domain: Type.String({ minLength: 1, maxLength: 63 }) });

const AppView = Type.Object({
  domain: Type.String(),
  displayName: Type.String(),
  builtIn: Type.Boolean(),
  clientId: Type.String(),
  clientSecret: Type.String({ description: 'never the secret: "•••• " and its last 4 characters' }),
  authorizeUrl: Type.String(),
  tokenUrl: Type.String(),
  scopes: Type.String({ description: 'space-separated default scopes' }),
  revocationUrl: Type.Optional(Type.String()),
  userinfoUrl: Type.Optional(Type.String()),
  issuer: Type.Optional(Type.String()),
  apiBaseUrl: Type.Optional(Type.String()),
  authorizeParams: Type.Record(Type.String(), Type.String()),
  tenant: Type.Optional(Type.String()),
  tokenEndpointAuthMethod: Type.Union([Type.Literal('client_secret_basic'), Type.Literal('client_secret_post')]),
  updatedAt: DateTime,
});

export function oauthAppRoutes(app: App): void {
  const { oauthApps } = app.deps.services;

  app.get(
    '/api/v1/providers',
    {
      schema: {
        tags: ['oauth apps'],
        summary: 'The provider catalog: built-in domains and configured custom ones',
        response: {
          200: Type.Array(
            Type.Object({ domain: Type.String(), displayName: Type.String(), builtIn: Type.Boolean(), configured: Type.Boolean(), defaultScopes: Type.Array(Type.String()) }),
          ),
          ...errors(401),
        },
      },
    },
    async (request) => {
      actorOf(request);
      return (await oauthApps.catalog()).map((entry) => ({ ...entry, defaultScopes: [...entry.defaultScopes] }));
    },
  );

  app.get(
    '/api/v1/admin/provider-templates',
    {
      schema: {
        tags: ['oauth apps'],
        summary: "The built-in providers' endpoints and default scopes, for pre-filling the admin form (instance admin only)",
        description: 'URLs may contain `{tenant}`, which the tenant setting fills. Saving an app needs none of them for a built-in domain: send only overridden fields.',
        response: {
          200: Type.Array(
            Type.Object({
              domain: Type.String(),
              displayName: Type.String(),
              authorizeUrl: Type.String(),
              tokenUrl: Type.String(),
              revocationUrl: Type.Optional(Type.String()),
              userinfoUrl: Type.Optional(Type.String()),
              issuer: Type.Optional(Type.String()),
              apiBaseUrl: Type.Optional(Type.String()),
              scopes: Type.String({ description: 'space-separated default scopes' }),
              tenant: Type.Optional(Type.String({ description: 'the default value of `{tenant}`' })),
            }),
          ),
          ...errors(401, 403),
        },
      },
    },
    async (request) => oauthApps.templates(actorOf(request)),
  );

  app.get(
    '/api/v1/admin/oauth-apps',
    {
      schema: {
        tags: ['oauth apps'],
        summary: 'OAuth credentials (instance admin only); secrets masked',
        response: { 200: Type.Object({ redirectUri: Type.String(), apps: Type.Array(AppView) }), ...errors(401, 403) },
      },
    },
    async (request) => oauthApps.list(actorOf(request)),
  );

  app.put(
    '/api/v1/admin/oauth-apps/:domain',
    {
      schema: {
        tags: ['oauth apps'],
        summary: 'Register or update the OAuth app of a domain; a blank clientSecret keeps the stored one',
        params: DomainParam,
        body: Type.Object(
          {
            clientId: Type.String({ minLength: 1, maxLength: 512 }),
            clientSecret: Type.Optional(Type.String({ maxLength: 4096, description: 'write-only' })),
            authorizeUrl: Type.Optional(HttpUrl),
            tokenUrl: Type.Optional(HttpUrl),
            scopes: Type.Optional(Type.String({ maxLength: 4096, description: 'space-separated' })),
            revocationUrl: Type.Optional(HttpUrl),
            userinfoUrl: Type.Optional(HttpUrl),
            issuer: Type.Optional(HttpUrl),
            authorizeParams: Type.Optional(Type.Record(Type.String({ maxLength: 100 }), Type.String({ maxLength: 1000 }))),
            apiBaseUrl: Type.Optional(HttpUrl),
            tenant: Type.Optional(Type.String({ maxLength: 200 })),
            tokenEndpointAuthMethod: Type.Optional(Type.Union([Type.Literal('client_secret_basic'), Type.Literal('client_secret_post')])),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ app: AppView }), ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const { app: view } = await oauthApps.put(actorOf(request), request.params.domain, request.body);
      return { app: view };
    },
  );

  app.get(
    '/api/v1/admin/oauth-apps/:domain/impact',
    {
      schema: {
        tags: ['oauth apps'],
        summary: 'Which workflows and nodes deleting this OAuth app would break (instance admin only)',
        params: DomainParam,
        response: { 200: ImpactSchema, ...errors(401, 403) },
      },
    },
    async (request) => {
      requireInstanceAdmin(actorOf(request));
      return { workflows: await app.deps.services.impact.preview({ kind: 'app_deleted', domain: request.params.domain }) };
    },
  );

  app.delete(
    '/api/v1/admin/oauth-apps/:domain',
    {
      schema: {
        tags: ['oauth apps'],
        summary: "Delete a domain's OAuth app; its connections move to reauthorize",
        params: DomainParam,
        response: { 204: Type.Null(), ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await oauthApps.delete(actorOf(request), request.params.domain);
      return reply.status(204).send(null);
    },
  );
}
