import { useQuery } from '@tanstack/react-query';
import { api, seg } from '../api.ts';
import type { Connection, Workflow, WorkflowNode } from '../types.ts';

/** `GET /api/v1/actions`: a built-in action and the parameters it reads. */
export interface ActionParam {
  name: string;
  label: string;
  required: boolean;
  kind: 'text' | 'list' | 'choice';
  options?: string[];
  default?: string;
}

export interface ActionInfo {
  name: string;
  displayName: string;
  description: string;
  domains: string[] | null;
  params: ActionParam[];
}

export type ConnectionRef = NonNullable<WorkflowNode['connection']>;

export const workflowsKey = (ws: string) => ['workflows', ws] as const;
export const workflowKey = (id: string) => ['workflows', 'one', id] as const;

export function useActions() {
  return useQuery({ queryKey: ['actions'], queryFn: () => api.get<ActionInfo[]>('/api/v1/actions'), staleTime: Infinity });
}

export function useWorkflows(ws: string) {
  return useQuery({ queryKey: workflowsKey(ws), queryFn: () => api.get<Workflow[]>(`/api/v1/workspaces/${seg(ws)}/workflows`), enabled: ws !== '' });
}

export function useWorkflow(id: string) {
  return useQuery({ queryKey: workflowKey(id), queryFn: () => api.get<Workflow>(`/api/v1/workflows/${seg(id)}`), enabled: id !== '' });
}

/** The caller's own connections in the workspace plus those shared to it (same cache as the Integrations page). */
export function useWorkspaceConnections(ws: string) {
  return useQuery({ queryKey: ['connections', ws], queryFn: () => api.get<Connection[]>(`/api/v1/workspaces/${seg(ws)}/connections`), enabled: ws !== '' });
}

/** A connection a step can use, and how: as the owner's own, or through the workspace share. */
export interface ConnectionOption {
  value: string;
  ref: ConnectionRef;
  label: string;
  connection: Connection;
}

const usable = new Set<Connection['status']>(['active', 'refreshing', 'error']);

export const refValue = (ref: ConnectionRef | null): string => (ref ? `${ref.via}:${ref.id}` : '');

/**
 * The selectable connections for a node (SPEC §6): the caller's own (`personal`) plus those
 * shared to the workspace (`workspace`); an owner's shared connection is offered both ways,
 * because only the personal reference survives a Remove from Workspace.
 */
export function connectionOptions(connections: Connection[] | undefined, meId: string, person: (id: string | null | undefined) => string): ConnectionOption[] {
  const out: ConnectionOption[] = [];
  for (const c of connections ?? []) {
    if (!usable.has(c.status)) continue;
    const add = (via: ConnectionRef['via'], how: string) => {
      const ref = { id: c.id, via };
      out.push({ value: refValue(ref), ref, label: `${c.name} (${c.domain}, ${how})`, connection: c });
    };
    if (c.ownerId === meId) add('personal', 'personal');
    if (c.shared) add('workspace', `shared by ${person(c.shared.sharedBy ?? c.ownerId)}`);
  }
  return out;
}

/** "Demo (demo)" for a node's connection, or what is known about one the caller cannot see. */
export function describeConnection(ref: ConnectionRef | null, connections: Connection[] | undefined): string {
  if (!ref) return 'No connection selected';
  const c = connections?.find((x) => x.id === ref.id);
  const via = ref.via === 'workspace' ? 'through the workspace share' : 'as a personal connection';
  return c ? `${c.name} (${c.domain}), ${via}` : `A connection no longer available to you (${ref.id}), ${via}`;
}
