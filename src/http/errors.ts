import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from './app.ts';
import { AppError, type ErrorCode } from '../core/errors.ts';

/** The one table from domain error codes to HTTP statuses (STYLE habit 2). */
export const httpStatus: Record<ErrorCode, number> = {
  invalid_request: 400,
  no_api_base_url: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  forbidden: 403,
  origin_not_allowed: 403,
  signup_closed: 403,
  admin_required: 403,
  plan_required: 403,
  insufficient_scope: 403,
  connection_not_allowed: 403,
  not_found: 404,
  user_not_found: 404,
  workspace_not_found: 404,
  api_key_not_found: 404,
  provider_not_configured: 404,
  connection_not_found: 404,
  email_taken: 409,
  already_member: 409,
  last_owner: 409,
  reauthorize_required: 409,
  account_mismatch: 409,
  credential_invalid: 409,
  conflict: 409,
  connection_disconnected: 410,
  rate_limited: 429,
  provider_error: 502,
  response_too_large: 502,
  provider_unavailable: 503,
  internal: 500,
};

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

function body(code: string, message: string, details?: Record<string, unknown>): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

/** Turns Ajv's output into `details.fields`: one entry per offending field, named by its path. */
function validationDetails(error: FastifyError): Record<string, unknown> {
  const issues = (error.validation ?? []) as ValidationIssue[];
  const context = error.validationContext ?? 'body';
  const fields = issues.map((issue) => {
    let path = (issue.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
    const params = issue.params ?? {};
    if (issue.keyword === 'required' && typeof params.missingProperty === 'string') {
      path = path ? `${path}.${params.missingProperty}` : params.missingProperty;
    }
    if (issue.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
      path = path ? `${path}.${params.additionalProperty}` : params.additionalProperty;
      return { field: path, location: context, message: 'is not a known field' };
    }
    return { field: path || context, location: context, message: issue.message ?? 'is invalid' };
  });
  return { fields };
}

/** Answers a browser navigation the API does not own (the UI's client-side routes); `null` = not one. */
export type PageFallback = (request: FastifyRequest, reply: FastifyReply) => FastifyReply | null;

export function registerErrorHandling(app: App): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof AppError) {
      const status = httpStatus[error.code];
      if (status >= 500) request.log.error({ err: error }, 'request failed');
      return reply.status(status).send(body(error.code, error.message, error.details));
    }
    if (error.validation) {
      return reply.status(400).send(body('invalid_request', 'Some fields are missing or invalid.', validationDetails(error)));
    }
    const status = error.statusCode ?? 500;
    if (status === 429) {
      return reply.status(429).send(body('rate_limited', 'Too many attempts. Wait a moment and try again.'));
    }
    if (status >= 400 && status < 500) {
      // Fastify's own client errors: malformed JSON, wrong content type, body too large…
      const code =
        error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? 'unsupported_media_type'
          : error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
            ? 'payload_too_large'
            : 'invalid_request';
      const message = error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError ? 'The request body is not valid JSON.' : 'The request is not acceptable.';
      return reply.status(status).send(body(code, message));
    }
    request.log.error({ err: error }, 'unexpected error');
    return reply.status(500).send(body('internal', 'Something went wrong on our side. The error has been logged.'));
  });

}

/** Unknown paths: the UI's page for a browser navigation, else `404 not_found`. */
export function registerNotFound(app: App, pageFallback?: PageFallback): void {
  app.setNotFoundHandler((request, reply) => {
    const page = pageFallback?.(request, reply);
    if (page) return page;
    return reply.status(404).send(body('not_found', `No such endpoint: ${request.method} ${request.url.split('?')[0] ?? ''}`));
  });
}
