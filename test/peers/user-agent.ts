/**
 * The least browser a test needs to walk an authorization server's redirects: Node's fetch
 * with manual redirects and a cookie jar. Cookies are kept by name only (no domain, path or
 * expiry bookkeeping beyond deletion) — enough for one authorization server's interaction
 * and session cookies, not a general-purpose jar.
 */
export class UserAgent {
  readonly #cookies = new Map<string, string>();

  /** GET `url` without following redirects, sending and then storing cookies. */
  async get(url: URL): Promise<Response> {
    // Accept stays fetch's `*/*`, so oidc-provider renders errors as JSON, not HTML.
    const headers = new Headers();
    if (this.#cookies.size > 0) {
      headers.set('cookie', [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    }
    const response = await fetch(url, { redirect: 'manual', headers });
    for (const line of response.headers.getSetCookie()) this.#store(line);
    return response;
  }

  /**
   * Follow redirects from `start` until `stop(next)` says the next hop is the destination,
   * and return that URL without requesting it. A non-redirect answer on the way throws, with
   * the status and the start of the body, because it means the flow did not go as planned.
   */
  async followRedirects(start: URL, stop: (next: URL) => boolean, maxHops = 10): Promise<URL> {
    let url = start;
    for (let hop = 0; hop < maxHops; hop++) {
      const response = await this.get(url);
      const location = response.headers.get('location');
      const body = await response.text();
      if (response.status < 300 || response.status >= 400 || location === null) {
        throw new Error(
          `expected a redirect from ${url.origin}${url.pathname}, got ${response.status}: ${body.slice(0, 500)}`,
        );
      }
      const next = new URL(location, url);
      if (stop(next)) return next;
      url = next;
    }
    throw new Error(`more than ${maxHops} redirects starting at ${start.origin}${start.pathname}`);
  }

  #store(setCookie: string): void {
    const [pair = '', ...attributes] = setCookie.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) return;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const expired = attributes.some((attribute) => {
      const eqAt = attribute.indexOf('=');
      const key = attribute.slice(0, eqAt < 0 ? undefined : eqAt).trim().toLowerCase();
      const val = eqAt < 0 ? '' : attribute.slice(eqAt + 1).trim();
      if (key === 'max-age') return Number(val) <= 0;
      if (key === 'expires') return Date.parse(val) <= Date.now();
      return false;
    });
    if (expired || value === '') this.#cookies.delete(name);
    else this.#cookies.set(name, value);
  }
}
