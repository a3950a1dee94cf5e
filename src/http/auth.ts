import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from './app.ts';
import { AppError } from '../core/errors.ts';
import type { Actor } from '../core/policy.ts';
import type { Secret } from '../core/secret.ts';
import type { AccountsService } from '../services/accounts.ts';

export const SESSION_COOKIE = 'tether_session';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
  }
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface AuthOptions {
  accounts: AccountsService;
  publicOrigin: string;
  sessionTtlMs: number;
}

/** The origin a browser says the request comes from: `Origin`, else the origin of `Referer`. */
function requestOrigin(request: FastifyRequest): string | null {
  const origin = request.headers.origin;
  if (typeof origin === 'string' && origin !== 'null') return origin;
  const referer = request.headers.referer;
  if (typeof referer === 'string') {
    try {
      return new URL(referer).origin;
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * Resolves the caller from `Authorization: Bearer <apiKey>` or the session cookie, and refuses
 * cross-origin state changes: a request that rides on the session cookie must come from
 * PUBLIC_ORIGIN (CSRF defence on top of SameSite=Lax); any request whose Origin header names
 * another site is refused too. Bearer requests carry their own credential and are not checked.
 */
export function registerAuth(app: App, options: AuthOptions): void {
  app.decorateRequest('actor', null);
  const unauthenticated = (): AppError => new AppError('unauthenticated', 'The API key is missing, malformed, revoked or unknown.');
  // Callback style, so that the hot path (an API key the access cache knows) resolves the caller
  // without a promise; everything else takes the asynchronous path below.
  app.addHook('onRequest', (request, _reply, done) => {
    const header = request.headers.authorization;
    if (typeof header === 'string' && header.length > 0) {
      const key = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
      const cached = key === undefined ? undefined : options.accounts.cachedUserForApiKey(key);
      if (cached !== undefined) {
        request.actor = { userId: cached.id, isAdmin: cached.isAdmin, via: 'api_key' };
        done();
        return;
      }
      (key === undefined ? Promise.resolve(null) : options.accounts.userForApiKey(key)).then(
        (user) => {
          if (!user) return done(unauthenticated());
          request.actor = { userId: user.id, isAdmin: user.isAdmin, via: 'api_key' };
          done();
        },
        (err: Error) => done(err),
      );
      return;
    }
    bySession(request, options).then(
      () => done(),
      (err: Error) => done(err),
    );
  });
}

/** A request without `Authorization`: the session cookie, and the cross-origin refusal. */
async function bySession(request: FastifyRequest, options: AuthOptions): Promise<void> {
  const sessionId = request.cookies[SESSION_COOKIE];
  const stateChanging = STATE_CHANGING.has(request.method);
  if (stateChanging) {
    const origin = requestOrigin(request);
    const foreign = origin !== null && origin !== options.publicOrigin;
    const unproven = sessionId !== undefined && origin === null;
    if (foreign || unproven) {
      throw new AppError('origin_not_allowed', 'Requests that change something must come from the Tether web app itself.');
    }
  }
  if (sessionId) {
    const user = await options.accounts.userForSession(sessionId);
    if (user) request.actor = { userId: user.id, isAdmin: user.isAdmin, via: 'session' };
  }
}

/** The authenticated caller, or `401 unauthenticated`. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new AppError('unauthenticated', 'Sign in or send an API key to use this endpoint.');
  return request.actor;
}

export function setSessionCookie(reply: FastifyReply, sessionId: Secret<string>, options: { publicOrigin: string; sessionTtlMs: number }): void {
  void reply.setCookie(SESSION_COOKIE, sessionId.reveal(), {
    httpOnly: true,
    sameSite: 'lax',
    secure: options.publicOrigin.startsWith('https:'),
    path: '/',
    maxAge: Math.floor(options.sessionTtlMs / 1000),
  });
}

export function clearSessionCookie(reply: FastifyReply, publicOrigin: string): void {
  void reply.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', secure: publicOrigin.startsWith('https:'), path: '/' });
}
