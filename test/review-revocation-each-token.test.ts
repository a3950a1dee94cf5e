/**
 * Regression (stop 7 note): `revokeTokens` stopped at the first failed RFC 7009 call, so a
 * provider hiccup on the refresh token's revocation left the access token unrevoked even
 * though revoking it would have worked. Each token is now revoked on its own, and the outcome
 * still says the revocation failed (it is recorded; the local disconnect goes on regardless).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { revokeTokens } from '../src/oauth/lifecycle.ts';
import { resolveProvider } from '../src/oauth/providers/index.ts';
import { Secret } from '../src/core/secret.ts';
import { readForm, sendJson, startLoopbackServer } from './peers/google.ts';

test('a failed refresh-token revocation does not skip the access token, and the outcome says failed', async (t) => {
  const presented: string[] = [];
  const server = await startLoopbackServer(async (req, res, url) => {
    if (url.pathname !== '/revoke') return sendJson(res, 404, { error: 'not_found' });
    const form = await readForm(req);
    const token = form.get('token') ?? '';
    presented.push(token);
    // The provider is briefly unavailable for the first call only.
    if (presented.length === 1) return sendJson(res, 503, { error: 'temporarily_unavailable' });
    res.writeHead(200).end();
  });
  t.after(() => server.close());

  const result = resolveProvider('acme', {
    domain: 'acme',
    clientId: 'client-1',
    authorizeUrl: `${server.baseUrl}/authorize`,
    tokenUrl: `${server.baseUrl}/token`,
    revocationUrl: `${server.baseUrl}/revoke`,
  });
  if (!result.ok) assert.fail(result.error.message);
  const outcome = await revokeTokens(result.provider, new Secret('client-secret'), {
    refreshToken: new Secret('refresh-token-1'),
    accessToken: new Secret('access-token-1'),
  });

  assert.deepEqual(presented, ['refresh-token-1', 'access-token-1'], 'both tokens were presented for revocation, refresh token first');
  assert.equal(outcome.kind, 'failed');
  if (outcome.kind === 'failed') assert.doesNotMatch(outcome.reason, /refresh-token-1|access-token-1|client-secret/);
});
