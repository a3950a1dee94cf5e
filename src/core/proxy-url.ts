import { AppError } from './errors.ts';

/**
 * Resolves a proxy `path` against the provider's API base URL so that no other host (and no
 * path outside the base) can ever receive a token: absolute URLs, scheme-relative `//host`,
 * backslashes, and `.`/`..` segments (also percent-encoded) are refused, and the result is
 * checked again after URL parsing.
 */
export function resolveProxyUrl(baseUrl: string, path: string, query?: Readonly<Record<string, string | number | boolean>>): URL {
  const refuse = (why: string): never => {
    throw new AppError('invalid_request', `The proxy path is not allowed: ${why}. Give a path relative to the provider's API, like /v1/items.`, {
      details: { fields: [{ field: 'path', location: 'body', message: why }] },
    });
  };
  if (!path.startsWith('/')) refuse('it must start with /');
  if (path.startsWith('//')) refuse('it must not name another host');
  // \s covers spaces; char codes below 0x20 are the control characters.
  if (/[\\\s]/.test(path) || [...path].some((ch) => ch.charCodeAt(0) < 0x20)) refuse('it contains backslashes, spaces or control characters');
  const pathOnly = path.split(/[?#]/)[0] ?? '';
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathOnly);
  } catch {
    return refuse('it is not valid percent-encoding');
  }
  if (decoded.split('/').some((seg) => seg === '..' || seg === '.') || /%2f|%5c/i.test(pathOnly)) refuse('it must not contain dot segments or encoded slashes');
  if (path.includes('#')) refuse('it must not contain a fragment');

  const base = new URL(baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  const url = new URL(`${base.origin}${basePath}${path}`);
  if (url.origin !== base.origin || !(url.pathname === basePath || url.pathname.startsWith(`${basePath}/`))) refuse('it leaves the provider API');
  for (const [k, v] of Object.entries(query ?? {})) url.searchParams.append(k, String(v));
  return url;
}
