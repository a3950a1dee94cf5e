import { useQueries } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, seg } from '../api.ts';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { formatDateTime, formatRelative } from '../format.ts';
import { connectionsKey, fetchConnections, levelText, providerName, useProviders } from '../integrations/queries.ts';
import { useMe } from '../session.ts';
import type { Connection, Member, Workspace } from '../types.ts';

interface Row {
  workspace: Workspace;
  connection: Connection;
}

/**
 * Connections shared to workspaces (SPEC §6 "Shared view"), across every Workspace-plan
 * workspace the user belongs to: where, which account, who shared it, at what level, and
 * when its token was last refreshed.
 */
export function SharedConnections() {
  const { data: me } = useMe();
  const providers = useProviders();
  const workspaces = (me?.workspaces ?? []).filter((w) => w.plan === 'workspace');
  // Same query keys as the Integrations and Members pages, so the caches are shared.
  const connections = useQueries({
    queries: workspaces.map((w) => ({ queryKey: connectionsKey(w.id), queryFn: () => fetchConnections(w.id) })),
  });
  const members = useQueries({
    queries: workspaces.map((w) => ({ queryKey: ['members', w.id], queryFn: () => api.get<Member[]>(`/api/v1/workspaces/${seg(w.id)}/members`) })),
  });

  if (!me) return null;
  const rows: Row[] = workspaces.flatMap((workspace, i) => (connections[i]?.data ?? []).filter((c) => c.shared !== null).map((connection) => ({ workspace, connection })));
  const loading = connections.some((q) => q.isPending);
  const failed = connections.find((q) => q.error)?.error;

  const sharedBy = (i: number, userId: string | null | undefined): string => {
    if (!userId) return 'Tether';
    if (userId === me.user.id) return 'you';
    return members[i]?.data?.find((m) => m.userId === userId)?.email ?? `user ${userId.slice(-6)}`;
  };

  return (
    <section aria-labelledby="shared-title">
      <h1 id="shared-title">Shared connections</h1>
      <p className="muted">
        Connections their owners shared with a workspace. Every member of that workspace can pick them in workflows; nobody but Tether sees their tokens.
      </p>
      <ErrorNote error={failed} />
      {loading ? <p className="muted" aria-live="polite">Loading shared connections…</p> : null}
      {!loading && workspaces.length === 0 ? <p className="empty">You are not in any workspace on the Workspace plan, so nothing can be shared with you.</p> : null}
      {!loading && workspaces.length > 0 && rows.length === 0 ? (
        <div className="empty">
          <p>No connection is shared with your workspaces yet.</p>
          <p className="muted small">Owners share a connection with Promote to Workspace on the Integrations page.</p>
        </div>
      ) : null}
      {rows.length > 0 ? (
        <table className="table shared-table">
          <caption className="sr-only">Connections shared to your workspaces</caption>
          <thead>
            <tr>
              <th scope="col">Workspace</th>
              <th scope="col">Connection</th>
              <th scope="col">Account</th>
              <th scope="col">Shared by</th>
              <th scope="col">Level</th>
              <th scope="col">Last token refresh</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ workspace, connection: c }) => {
              const i = workspaces.indexOf(workspace);
              return (
                <tr key={`${workspace.id}:${c.id}`}>
                  <td data-label="Workspace">
                    <Link to={`/w/${seg(workspace.id)}/integrations`}>{workspace.name}</Link>
                  </td>
                  <td data-label="Connection">
                    {c.name}
                    <span className="muted small block">{providerName(providers.data, c.domain)}</span>
                  </td>
                  <td data-label="Account">{c.accountName}</td>
                  <td data-label="Shared by">
                    {sharedBy(i, c.shared?.sharedBy)}
                    {c.shared?.sharedAt ? <span className="muted small block">{formatDateTime(c.shared.sharedAt)}</span> : null}
                  </td>
                  <td data-label="Level">{c.shared ? levelText(c.shared.level) : ''}</td>
                  <td data-label="Last token refresh">
                    {c.lastRefreshedAt ? (
                      <>
                        {formatDateTime(c.lastRefreshedAt)}
                        <span className="muted small block">{formatRelative(c.lastRefreshedAt)}</span>
                      </>
                    ) : (
                      'Never'
                    )}
                  </td>
                  <td data-label="Status">
                    <StatusBadge status={c.status} />
                    {c.statusReason && c.status !== 'active' ? <span className="muted small block">{c.statusReason}</span> : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
