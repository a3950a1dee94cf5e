import { useEffect, useRef } from 'react';
import { useSearchParams } from 'react-router';
import { api, seg } from '../api.ts';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { ConnectionCard } from '../integrations/ConnectionCard.tsx';
import { Providers, type ConnectRequest } from '../integrations/Providers.tsx';
import { providerName, useConnections, useProviders } from '../integrations/queries.ts';
import { useConnectFlow, type Started } from '../integrations/useConnectFlow.ts';
import { usePeople, useWorkspace } from '../session.ts';
import type { Connection } from '../types.ts';

/**
 * Integrations of a workspace (SPEC §3–§6): connect an account in a popup, and see and manage
 * the connections: your own here plus those shared to this workspace.
 */
export function Integrations() {
  const current = useWorkspace();
  const ws = current?.workspace.id ?? '';
  const meId = current?.me.user.id;
  const providers = useProviders();
  const connections = useConnections(ws);
  const person = usePeople(ws, meId);
  const flow = useConnectFlow(ws);
  const [params, setParams] = useSearchParams();
  const { setNote } = flow;

  // Back from a full-page connect (popup blocked): the callback sent us to ?connected=<id>.
  const connectedId = params.get('connected');
  const handled = useRef<string | null>(null);
  useEffect(() => {
    if (!connectedId || handled.current === connectedId || !connections.data) return;
    handled.current = connectedId;
    const c = connections.data.find((x) => x.id === connectedId);
    setNote({ tone: 'success', text: `${c ? providerName(providers.data, c.domain) : 'Account'} connected` });
    setParams(
      (p) => {
        p.delete('connected');
        return p;
      },
      { replace: true },
    );
  }, [connectedId, connections.data, providers.data, setNote, setParams]);

  if (!current) return null;
  const { workspace, me } = current;

  const connect = (req: ConnectRequest) => {
    const body: { domain: string; name?: string; scopes?: string[] } = { domain: req.provider.domain };
    if (req.name) body.name = req.name;
    if (req.scopes) body.scopes = req.scopes;
    flow.start({ label: req.provider.displayName, request: () => api.post<Started>(`/api/v1/workspaces/${seg(ws)}/connect`, body) });
  };
  const reconnect = (c: Connection) => {
    flow.start({ label: providerName(providers.data, c.domain), reconnectId: c.id, request: () => api.post<Started>(`/api/v1/connections/${seg(c.id)}/reconnect`, {}) });
  };
  const announce = (text: string | null) => setNote(text === null ? null : { tone: 'success', text });

  // Disconnected ones stay visible (with what revoking did), after the live ones.
  const list = [...(connections.data ?? [])].sort((a, b) => Number(a.status === 'disconnected') - Number(b.status === 'disconnected'));
  const live = list.filter((c) => c.status !== 'disconnected');

  return (
    <section aria-labelledby="integrations-title">
      <div className="page-head">
        <h1 id="integrations-title">Integrations</h1>
        <span className="muted">{workspace.name}</span>
      </div>

      <div role="status" className="flow-status">
        {flow.waiting ? (
          <p className="info">
            Waiting for {flow.waiting}… finish signing in in the popup window.{' '}
            <button type="button" onClick={flow.focusPopup}>
              Show window
            </button>{' '}
            <button type="button" onClick={flow.cancel}>
              Cancel
            </button>
          </p>
        ) : flow.note ? (
          <p className={flow.note.tone === 'success' ? 'success' : 'info'}>{flow.note.text}</p>
        ) : null}
      </div>
      <ErrorNote error={flow.error} />

      <Providers providers={providers.data} error={providers.error} busy={flow.waiting !== null} onConnect={connect} />

      <section aria-labelledby="connections-title" className="integrations-section">
        <h2 id="connections-title">Connections</h2>
        <p className="muted small">Your connections in {workspace.name}, and those other members shared with it.</p>
        <ErrorNote error={connections.error} />
        {connections.isPending ? <p className="muted">Loading connections…</p> : null}
        {connections.data && live.length === 0 ? (
          <p className="empty">No connections yet. Connect an account above; you can share it with the workspace afterwards.</p>
        ) : null}
        <div className="connection-list">
          {list.map((c) => (
            <ConnectionCard
              key={c.id}
              connection={c}
              ws={ws}
              workspaceName={workspace.name}
              meId={me.user.id}
              providerName={providerName(providers.data, c.domain)}
              person={person}
              announce={announce}
              onReconnect={reconnect}
              reconnectBusy={flow.waiting !== null}
            />
          ))}
        </div>
      </section>
    </section>
  );
}
