import { ApiError } from '../api.ts';

/** An error as a sentence people can act on, announced to screen readers. */
export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof ApiError ? error.message : error instanceof Error ? error.message : 'Something went wrong.';
  const missing = error instanceof ApiError && Array.isArray(error.details.missing) ? (error.details.missing as string[]) : null;
  return (
    <p className="error" role="alert">
      {message}
      {missing && missing.length > 0 ? ` Missing: ${missing.join(', ')}.` : null}
    </p>
  );
}

export function errorCode(error: unknown): string | null {
  return error instanceof ApiError ? error.code : null;
}
