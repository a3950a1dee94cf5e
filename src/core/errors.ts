/**
 * Expected failures are values with stable codes (STYLE habit 2).
 * Domain code never knows HTTP; `src/http/errors.ts` maps each code to a status.
 */
export const errorCodes = [
  'invalid_request',
  'unauthenticated',
  'forbidden',
  'origin_not_allowed',
  'not_found',
  'invalid_credentials',
  'signup_closed',
  'email_taken',
  'rate_limited',
  'admin_required',
  'plan_required',
  'user_not_found',
  'workspace_not_found',
  'already_member',
  'last_owner',
  'api_key_not_found',
  'provider_not_configured',
  'connection_not_found',
  'insufficient_scope',
  'reauthorize_required',
  'connection_disconnected',
  'account_mismatch',
  'no_api_base_url',
  'connection_not_allowed',
  'credential_invalid',
  'conflict',
  'provider_unavailable',
  'provider_error',
  'response_too_large',
  'internal',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export type ErrorDetails = Record<string, unknown>;

/** A domain failure: a stable `code`, a sentence for people, optional details and the cause. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails | undefined;

  constructor(code: ErrorCode, message: string, options: { details?: ErrorDetails; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
