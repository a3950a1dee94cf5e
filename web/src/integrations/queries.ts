import { useQuery } from '@tanstack/react-query';
import { api, seg } from '../api.ts';
import type { Connection, Provider } from '../types.ts';

export const providersKey = ['providers'] as const;
export const connectionsKey = (ws: string) => ['connections', ws] as const;

export const fetchConnections = (ws: string) => api.get<Connection[]>(`/api/v1/workspaces/${seg(ws)}/connections`);

/** The provider catalog: every domain, and whether an instance admin has set it up. */
export function useProviders() {
  return useQuery({ queryKey: providersKey, queryFn: () => api.get<Provider[]>('/api/v1/providers'), staleTime: 60_000 });
}

/** The caller's own connections in a workspace plus those shared to it. */
export function useConnections(ws: string) {
  return useQuery({ queryKey: connectionsKey(ws), queryFn: () => fetchConnections(ws), enabled: ws !== '' });
}

/** "Google" for `google`; the domain itself while the catalog loads or for an unknown domain. */
export function providerName(providers: Provider[] | undefined, domain: string): string {
  return providers?.find((p) => p.domain === domain)?.displayName ?? domain;
}

export const levelText = (level: 'use' | 'manage'): string => (level === 'manage' ? 'can manage' : 'can use');
