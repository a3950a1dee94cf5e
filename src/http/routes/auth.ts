import { Type } from 'typebox';
import type { App } from '../app.ts';
import { Secret } from '../../core/secret.ts';
import { clearSessionCookie, SESSION_COOKIE, setSessionCookie } from '../auth.ts';
import { Email, Name, Password, UserSchema, errors } from '../schemas.ts';

export function authRoutes(app: App): void {
  const { accounts } = app.deps.services;
  const cookieOptions = { publicOrigin: app.deps.config.publicOrigin, sessionTtlMs: app.deps.config.sessionTtlMs };

  app.post(
    '/api/v1/auth/signup',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Sign up; the first user becomes instance admin',
        body: Type.Object({ email: Email, password: Password, name: Type.Optional(Name) }, { additionalProperties: false }),
        response: { 201: Type.Object({ user: UserSchema }), ...errors(400, 403, 409) },
      },
    },
    async (request, reply) => {
      const user = await accounts.signup({ email: request.body.email, password: new Secret(request.body.password), name: request.body.name });
      setSessionCookie(reply, await accounts.openSession(user.id), cookieOptions);
      return reply.status(201).send({ user });
    },
  );

  app.post(
    '/api/v1/auth/login',
    {
      config: {
        rateLimit: {
          max: app.deps.config.loginMaxAttempts,
          timeWindow: app.deps.config.loginWindowMs,
          // Per client address and account, after the body is parsed: guessing one account's
          // password is slowed down without one noisy client locking everyone out.
          hook: 'preHandler',
          keyGenerator: (request) => {
            const body = request.body as { email?: unknown } | undefined;
            const email = typeof body?.email === 'string' ? body.email.trim().toLowerCase() : '';
            return `login:${request.ip}:${email}`;
          },
        },
      },
      schema: {
        tags: ['accounts'],
        summary: 'Sign in with email and password',
        body: Type.Object({ email: Email, password: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ user: UserSchema }), ...errors(400, 401, 429) },
      },
    },
    async (request, reply) => {
      const { user, sessionId } = await accounts.login({ email: request.body.email, password: new Secret(request.body.password) });
      setSessionCookie(reply, sessionId, cookieOptions);
      return reply.send({ user });
    },
  );

  app.post(
    '/api/v1/auth/logout',
    { schema: { tags: ['accounts'], summary: 'End the session', response: { 204: Type.Null() } } },
    async (request, reply) => {
      const sessionId = request.cookies[SESSION_COOKIE];
      if (sessionId) await accounts.logout(sessionId);
      clearSessionCookie(reply, app.deps.config.publicOrigin);
      return reply.status(204).send(null);
    },
  );
}
