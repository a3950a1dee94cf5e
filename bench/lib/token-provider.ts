import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A minimal loopback OAuth token endpoint for the refresh storm: answers `refresh_token`
 * grants after a fixed latency with a new access token and a rotated refresh token
 * (RFC 6749 §6), refuses a refresh token used before with `invalid_grant`, and counts grants per
 * connection (the key a refresh token was registered under).
 */
export interface LoopbackTokenProvider {
  readonly url: string;
  /** Successful grants per connection key. */
  readonly grants: Map<string, number>;
  /** When each grant was answered (ms since epoch), in order. */
  readonly grantTimes: number[];
  /** Refresh tokens presented a second time (or unknown): answered `invalid_grant`. */
  readonly replays: number;
  readonly requests: number;
  register(refreshToken: string, key: string): void;
  close(): Promise<void>;
}

export async function startLoopbackTokenProvider(options: { latencyMs: number; expiresInS: number }): Promise<LoopbackTokenProvider> {
  const tokens = new Map<string, { key: string; used: boolean }>();
  const grants = new Map<string, number>();
  const grantTimes: number[] = [];
  let replays = 0;
  let requests = 0;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const json = (status: number, body: object) => {
        res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || req.url !== '/token') return json(404, { error: 'not_found' });
      requests += 1;
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      if (form.get('grant_type') !== 'refresh_token') return json(400, { error: 'unsupported_grant_type' });
      const presented = tokens.get(form.get('refresh_token') ?? '');
      if (!presented || presented.used) {
        replays += 1;
        return json(400, { error: 'invalid_grant', error_description: 'refresh token unknown or already used' });
      }
      // Consumed on arrival, so a concurrent second use is caught as a replay.
      presented.used = true;
      const next = `rt_${randomBytes(12).toString('base64url')}`;
      tokens.set(next, { key: presented.key, used: false });
      setTimeout(() => {
        grants.set(presented.key, (grants.get(presented.key) ?? 0) + 1);
        grantTimes.push(Date.now());
        json(200, { access_token: `at_${randomBytes(16).toString('base64url')}`, token_type: 'Bearer', expires_in: options.expiresInS, refresh_token: next, scope: 'read' });
      }, options.latencyMs);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    grants,
    grantTimes,
    get replays() {
      return replays;
    },
    get requests() {
      return requests;
    },
    register(refreshToken, key) {
      tokens.set(refreshToken, { key, used: false });
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
