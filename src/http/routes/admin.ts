import { Type } from 'typebox';
import type { App } from '../app.ts';
import { Secret } from '../../core/secret.ts';
import { actorOf } from '../auth.ts';
import { Email, Id, Name, Password, Plan, UserSchema, errors } from '../schemas.ts';

export function adminRoutes(app: App): void {
  const { accounts, workspaces } = app.deps.services;

  app.post(
    '/api/v1/admin/users',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create a user (instance admin only)',
        body: Type.Object({ email: Email, password: Password, name: Type.Optional(Name) }, { additionalProperties: false }),
        response: { 201: Type.Object({ user: UserSchema }), ...errors(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const user = await accounts.createUserAsAdmin(actorOf(request), {
        email: request.body.email,
        password: new Secret(request.body.password),
        name: request.body.name,
      });
      return reply.status(201).send({ user });
    },
  );

  app.patch(
    '/api/v1/admin/workspaces/:ws',
    {
      schema: {
        tags: ['admin'],
        summary: "Change a workspace's plan (instance admin only)",
        params: Type.Object({ ws: Id }),
        body: Type.Object({ plan: Plan }, { additionalProperties: false }),
        response: { 200: Type.Object({ id: Type.String(), name: Type.String(), plan: Plan }), ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => workspaces.setPlan(actorOf(request), request.params.ws, request.body.plan),
  );
}
