import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, qs, seg } from '../api.ts';
import { AuditFilterForm } from '../audit/AuditFilterForm.tsx';
import { detailsText, noFilters, queryOf, type AuditFilters } from '../audit/model.ts';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { formatDateTime } from '../format.ts';
import { useMembers, usePeople, useWorkspace } from '../session.ts';
import type { AuditPage, Provider } from '../types.ts';
import { useWorkflows, useWorkspaceConnections } from '../workflows/queries.ts';

/** The workspace's audit log, newest first, filtered and paged by the server's cursor. */
export function AuditLog() {
  const current = useWorkspace();
  const ws = current?.workspace.id ?? '';
  const meId = current?.me.user.id ?? '';
  const [filters, setFilters] = useState<AuditFilters>(noFilters);
  // Cursors of the pages before this one; the last is this page's (undefined: the first page).
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const page = useQuery({
    queryKey: ['audit', ws, filters, cursor],
    queryFn: () => api.get<AuditPage>(`/api/v1/workspaces/${seg(ws)}/audit${qs(queryOf(filters, cursor))}`),
    enabled: ws !== '',
    placeholderData: keepPreviousData,
  });
  const providers = useQuery({ queryKey: ['providers'], queryFn: () => api.get<Provider[]>('/api/v1/providers'), staleTime: 60_000 });
  const connections = useWorkspaceConnections(ws);
  const members = useMembers(ws);
  const workflows = useWorkflows(ws);
  const person = usePeople(ws, meId);
  if (!current) return null;

  const connectionName = (id: string | undefined): string => {
    if (!id) return '';
    const c = connections.data?.find((x) => x.id === id);
    return c ? c.name : id;
  };
  const providerName = (domain: string | undefined): string => (domain ? (providers.data?.find((p) => p.domain === domain)?.displayName ?? domain) : '');
  const names = { person: (id: string) => person(id), workflow: (id: string) => workflows.data?.find((w) => w.id === id)?.name };
  const apply = (f: AuditFilters) => {
    setFilters(f);
    setCursors([undefined]);
  };
  const pageNumber = cursors.length;
  const entries = page.data?.entries ?? [];
  const seesAll = current.workspace.role === 'owner' || current.workspace.role === 'admin';

  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <p className="muted">
        Every access to the connections of {current.workspace.name}, newest first. Entries cannot be edited or deleted.
        {seesAll ? '' : ' As a member you see the entries you caused and those about connections you own.'}
      </p>
      <AuditFilterForm applied={filters} onApply={apply} providers={providers.data} connections={connections.data} members={members.data} meId={meId} />
      <ErrorNote error={page.error} />
      <p className="muted small" aria-live="polite">
        {page.isFetching ? 'Loading entries…' : page.data ? `Page ${pageNumber}: ${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}.` : ''}
      </p>
      {page.data && entries.length === 0 ? <p className="card">No audit entries match these filters.</p> : null}
      {entries.length > 0 ? (
        <table className="table audit-table">
          <caption className="sr-only">Audit entries, page {pageNumber}</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Integration</th>
              <th scope="col">Connection</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id}>
                <td data-label="Time">
                  <time dateTime={e.at}>{formatDateTime(e.at)}</time>
                </td>
                <td data-label="Actor">{person(e.actorId)}</td>
                <td data-label="Action">
                  <code>{e.action}</code>
                </td>
                <td data-label="Integration">{providerName(e.domain)}</td>
                <td data-label="Connection">{connectionName(e.connectionId)}</td>
                <td data-label="Details" className="audit-details">
                  {detailsText(e.details, names)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <nav className="actions audit-paging" aria-label="Audit log pages">
        <button type="button" onClick={() => setCursors((c) => c.slice(0, -1))} disabled={cursors.length <= 1 || page.isFetching}>
          Previous page
        </button>
        <button
          type="button"
          onClick={() => {
            const next = page.data?.nextCursor;
            if (next) setCursors((c) => [...c, next]);
          }}
          disabled={!page.data?.nextCursor || page.isFetching}
        >
          Next page
        </button>
      </nav>
    </section>
  );
}
