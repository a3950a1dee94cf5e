import { useQuery } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { ApiError, api } from './api.ts';
import type { Me, Member, Workspace } from './types.ts';

export const meKey = ['me'] as const;

/** The signed-in user and their workspaces; `null` data when signed out (401). */
export function useMe() {
  return useQuery({
    queryKey: meKey,
    queryFn: async () => {
      try {
        return await api.get<Me>('/api/v1/me');
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) return null;
        throw err;
      }
    },
    staleTime: 30_000,
  });
}

/** The workspace named by the `:ws` route parameter, with the signed-in user. */
export function useWorkspace(): { me: Me; workspace: Workspace } | null {
  const { ws } = useParams();
  const { data: me } = useMe();
  if (!me || !ws) return null;
  const workspace = me.workspaces.find((w) => w.id === ws);
  return workspace ? { me, workspace } : null;
}

/** A workspace's members; used to show people by email instead of by id. */
export function useMembers(ws: string) {
  return useQuery({ queryKey: ['members', ws], queryFn: () => api.get<Member[]>(`/api/v1/workspaces/${encodeURIComponent(ws)}/members`) });
}

/** A function that names a user id: "you", their email, or a shortened id. */
export function usePeople(ws: string, meId: string | undefined): (userId: string | null | undefined) => string {
  const { data: members } = useMembers(ws);
  return (userId) => {
    if (!userId) return 'Tether';
    if (userId === meId) return 'you';
    return members?.find((m) => m.userId === userId)?.email ?? `user ${userId.slice(-6)}`;
  };
}
