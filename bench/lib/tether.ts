import { parseEncryptionKeys } from '../../src/config.ts';
import { Envelope } from '../../src/crypto/envelope.ts';
import { generateKeyString, Keyring } from '../../src/crypto/keyring.ts';
import { connectOverHttp, httpCall, signUpOverHttp, type HttpTenant } from '../../test/helpers/process.ts';
import { startOidcProvider, type OidcPeer } from '../../test/peers/oidc-provider.ts';

/** One key ring for every process of a benchmark, as a real deployment shares it. */
export const KEYS = generateKeyString(1);
export const envelope = new Envelope(new Keyring(parseEncryptionKeys(KEYS)));

export const CLIENT_ID = 'tether-bench';
export const CLIENT_SECRET = 'bench-client-secret-42';

/** oidc-provider (a real authorization server) accepting callbacks at each of `origins`. */
export async function startPeer(origins: readonly string[], accessTokenTtlS: number): Promise<OidcPeer> {
  return startOidcProvider({
    clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: origins.map((o) => `${o}/oauth/callback`) }],
    ttl: { accessToken: accessTokenTtlS },
  });
}

/**
 * Over HTTP on the server at `base` (its PUBLIC_ORIGIN): the first user signs up, registers the
 * peer as custom domain `acme`, and connects alice. Returns the tenant and the connection id.
 */
export async function connectedTenant(base: string, peer: OidcPeer): Promise<{ tenant: HttpTenant; connectionId: string }> {
  const tenant = await signUpOverHttp(base);
  const put = await httpCall(base, 'PUT', '/api/v1/admin/oauth-apps/acme', {
    bearer: tenant.apiKey,
    body: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, authorizeUrl: `${peer.issuer}/auth`, tokenUrl: `${peer.issuer}/token`, issuer: peer.issuer, scopes: 'openid email offline_access api:read' },
  });
  if (put.status !== 200) throw new Error(`registering the app failed: ${put.status} ${put.text}`);
  const connectionId = await connectOverHttp(base, tenant, (url) => peer.authorize(url, { accountId: 'alice' }));
  return { tenant, connectionId };
}

export const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
