import { createServer, type Server } from 'node:http';
import { startOidcProvider, type OidcPeer } from '../peers/oidc-provider.ts';
import type { Client } from './app.ts';
import { signedUp } from './app.ts';
import { connectThroughPeer, connectWorld, registerPeerApp, type ConnectWorld } from './oauth.ts';

export const PEER_SECRET = 'sharing-client-secret-4242';

/** A provider API on loopback that records calls and answers 200 with what it got. */
export interface FakeApi {
  base: string;
  calls: { path: string; authorization: string | undefined; body: string }[];
  close(): Promise<void>;
}

export async function startFakeApi(): Promise<FakeApi> {
  const calls: FakeApi['calls'] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      calls.push({ path: req.url ?? '', authorization: req.headers.authorization, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, path: req.url }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { base: `http://127.0.0.1:${port}/api`, calls, close: () => new Promise((r) => server.close(() => r())) };
}

export interface Person {
  client: Client;
  id: string;
}

/**
 * A workspace with an owner of a connection (`owner`, who is also the instance admin), and
 * members `user` and `other`; a real authorization server and a fake provider API.
 */
export interface SharingWorld extends ConnectWorld {
  peer: OidcPeer;
  api: FakeApi;
  owner: Person;
  user: Person;
  other: Person;
  outsider: Person;
  connect(who?: Person): Promise<string>;
  close(): Promise<void>;
}

export async function sharingWorld(): Promise<SharingWorld> {
  const peer = await startOidcProvider({ clients: [{ clientId: 'tether-test', clientSecret: PEER_SECRET, redirectUris: ['http://localhost:3000/oauth/callback'] }], ttl: { accessToken: 300 } });
  const api = await startFakeApi();
  const w = await connectWorld();
  await registerPeerApp(w, peer.issuer, PEER_SECRET, { apiBaseUrl: api.base });
  const person = async (email: string, member: boolean): Promise<Person> => {
    const p = await signedUp(w.t, email, { admin: w.admin });
    if (member) await w.admin.post(`/api/v1/workspaces/${w.ws}/members`, { email, role: 'member' });
    return { client: p.client, id: p.userId };
  };
  const owner = { client: w.admin, id: w.adminId };
  const user = await person('user@example.com', true);
  const other = await person('other@example.com', true);
  const outsider = await person('outsider@example.com', false);
  return {
    ...w,
    peer,
    api,
    owner,
    user,
    other,
    outsider,
    connect: (who = owner) => connectThroughPeer(w, peer, 'alice', who.client),
    close: async () => {
      await w.t.close();
      await peer.close();
      await api.close();
    },
  };
}

export function httpNode(id: string, connection: { id: string; via: 'personal' | 'workspace' } | null, scopes: string[] = []) {
  return { id, action: 'http.request', scopes, params: { method: 'GET', path: `/items/${id}` }, connection };
}
