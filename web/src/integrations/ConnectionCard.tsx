import { useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { ApiError, api, seg } from '../api.ts';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { ImpactConfirm } from '../components/ImpactConfirm.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { formatDateTime, formatRelative } from '../format.ts';
import type { Connection, ShareLevel } from '../types.ts';
import { PromoteDialog } from './PromoteDialog.tsx';
import { connectionsKey, levelText } from './queries.ts';

type Pending = 'disconnect' | 'promote' | 'unshare' | null;

/** "23 Nov 2026, 14:05 (in 45 minutes)". */
function when(iso: string | null, none: string): string {
  return iso ? `${formatDateTime(iso)} (${formatRelative(iso)})` : none;
}

/**
 * One connection as an article: the facts people check (status, account, token expiry, last
 * refresh, scopes, sharing) and the actions the caller may take. The owner may do everything;
 * a member it is shared with at `manage` level may refresh and reconnect; at `use` level it is
 * read-only here.
 */
export function ConnectionCard(props: {
  connection: Connection;
  ws: string;
  workspaceName: string;
  meId: string;
  providerName: string;
  person: (userId: string | null | undefined) => string;
  /** Says something in the page's status line; null clears it when a new action starts. */
  announce: (text: string | null) => void;
  onReconnect: (connection: Connection) => void;
  reconnectBusy: boolean;
}) {
  const { connection: c, ws, person, announce } = props;
  const queryClient = useQueryClient();
  const headingId = useId();
  const [open, setOpen] = useState<Pending>(null);
  const [refreshing, setRefreshing] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const isOwner = c.ownerId === props.meId;
  const canManage = isOwner || c.shared?.level === 'manage';
  const disconnected = c.status === 'disconnected';
  const needsAttention = c.status === 'reauthorize' || c.status === 'error';
  const path = `/api/v1/connections/${seg(c.id)}`;

  const invalidate = async () => {
    await queryClient.invalidateQueries({ queryKey: connectionsKey(ws) });
    await queryClient.invalidateQueries({ queryKey: ['workflows'] });
  };

  const refreshToken = async () => {
    setRefreshing(true);
    setError(null);
    announce(null);
    try {
      const updated = await api.post<Connection>(`${path}/refresh`);
      announce(`Token refreshed for ${c.name}.${updated.tokenExpiresAt ? ` It expires ${formatRelative(updated.tokenExpiresAt)}.` : ''}`);
    } catch (err) {
      // 409 reauthorize_required: the provider refused for good; the message says why and the
      // refetched connection shows "Needs attention" with its Reconnect button.
      setError(err);
    } finally {
      setRefreshing(false);
      await invalidate();
    }
  };

  const disconnect = async () => {
    await api.del(path);
    let revocation: string | null = null;
    try {
      revocation = (await api.get<Connection>(path)).revocation;
    } catch {
      // the disconnect happened; the outcome of revoking is a detail
    }
    await invalidate();
    announce(`${c.name} disconnected.${revocation ? ` ${revocation}` : ''}`);
  };

  const promote = async (level: ShareLevel) => {
    await api.post<Connection>(`${path}/promote`, { level });
    await invalidate();
    announce(`${c.name} is shared with ${props.workspaceName}: members ${levelText(level)} it.`);
  };

  const unshare = async () => {
    await api.post<Connection>(`${path}/unshare`);
    await invalidate();
    announce(`${c.name} was removed from ${props.workspaceName}. It still works for you.`);
  };

  const openDialog = (kind: Exclude<Pending, null>) => {
    announce(null);
    setError(null);
    setOpen(kind);
  };

  const reconnectButton = (
    <button
      type="button"
      onClick={() => {
        setError(null);
        props.onReconnect(c);
      }}
      disabled={props.reconnectBusy}
    >
      Reconnect
    </button>
  );

  return (
    <article className="card connection" aria-labelledby={headingId}>
      <header className="connection-head">
        <h3 id={headingId}>{c.name}</h3>
        <span className="provider-tag">{props.providerName}</span>
      </header>
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <div className="status-line">
            <StatusBadge status={c.status} />
            {needsAttention && c.statusReason ? <span className="status-reason">{c.statusReason}</span> : null}
            {needsAttention && canManage ? reconnectButton : null}
          </div>
          {disconnected && c.revocation ? <p className="muted small">{c.revocation}</p> : null}
        </dd>
        <dt>Account</dt>
        <dd>
          {c.accountName}
          {c.accountId && c.accountId !== c.accountName ? <span className="muted small"> (ID {c.accountId})</span> : null}
        </dd>
        <dt>Token expiration</dt>
        <dd>{disconnected ? 'No token kept' : when(c.tokenExpiresAt, 'Does not expire')}</dd>
        <dt>Last refreshed</dt>
        <dd>{when(c.lastRefreshedAt, 'Never')}</dd>
        <dt>Scopes</dt>
        <dd>
          {c.scopes.length > 0 ? (
            <ul className="chips" aria-label="Granted scopes">
              {c.scopes.map((s) => (
                <li key={s}>{s}</li>
              ))}
            </ul>
          ) : (
            <span className="muted">None granted</span>
          )}
        </dd>
        <dt>Shared to workspace</dt>
        <dd>
          {c.shared ? (
            <>
              Yes — {levelText(c.shared.level)}
              <span className="muted small">
                {' '}
                (shared by {person(c.shared.sharedBy)}
                {c.shared.sharedAt ? `, ${formatDateTime(c.shared.sharedAt)}` : ''})
              </span>
            </>
          ) : (
            'No'
          )}
        </dd>
        <dt>Owner</dt>
        <dd>{person(c.ownerId)}</dd>
        <dt>Connected</dt>
        <dd>{formatDateTime(c.createdAt)}</dd>
      </dl>

      {!isOwner && !disconnected ? (
        <p className="muted small">
          {canManage
            ? `Shared with you to use and manage: you can refresh and reconnect it. Only ${person(c.ownerId)} can disconnect it or stop sharing it.`
            : `Shared with you to use in workflows. Only ${person(c.ownerId)} can change it.`}
        </p>
      ) : null}

      {!disconnected && (canManage || isOwner) ? (
        <div className="actions connection-actions">
          {canManage ? (
            <button type="button" onClick={() => void refreshToken()} disabled={refreshing}>
              {refreshing ? 'Refreshing…' : 'Refresh Token'}
            </button>
          ) : null}
          {canManage && !needsAttention ? reconnectButton : null}
          {isOwner && !c.shared ? (
            <button type="button" onClick={() => openDialog('promote')}>
              Promote to Workspace
            </button>
          ) : null}
          {isOwner && c.shared ? (
            <button type="button" onClick={() => openDialog('unshare')}>
              Remove from Workspace
            </button>
          ) : null}
          {isOwner ? (
            <button type="button" className="danger" onClick={() => openDialog('disconnect')}>
              Disconnect
            </button>
          ) : null}
        </div>
      ) : null}
      {error instanceof ApiError && error.code === 'reauthorize_required' ? (
        // The reason is shown beside the status; once reconnected the note has nothing left to say.
        needsAttention ? (
          <p className="error" role="alert">
            Refresh failed: {props.providerName} refused it. Reconnect to sign in to {props.providerName} again.
          </p>
        ) : null
      ) : (
        <ErrorNote error={error} />
      )}

      {isOwner ? (
        <>
          <PromoteDialog open={open === 'promote'} connectionName={c.name} workspaceName={props.workspaceName} onPromote={promote} onClose={() => setOpen(null)} />
          <ImpactConfirm
            open={open === 'unshare'}
            title={`Remove ${c.name} from ${props.workspaceName}?`}
            description="Members lose access to this connection. It stays connected for you, but workflow steps that use it through the workspace stop working (yours too, until you pick it as your personal connection)."
            impactPath={`${path}/impact?action=unshare`}
            confirmLabel="Remove from Workspace"
            onConfirm={unshare}
            onClose={() => setOpen(null)}
            person={person}
          />
          <ImpactConfirm
            open={open === 'disconnect'}
            title={`Disconnect ${c.name}?`}
            description={`Tether revokes the access at ${props.providerName} where it can and deletes the tokens. Every workflow step that uses this connection, of every person, stops working.`}
            impactPath={`${path}/impact?action=disconnect`}
            confirmLabel="Disconnect"
            onConfirm={disconnect}
            onClose={() => setOpen(null)}
            person={person}
          />
        </>
      ) : null}
    </article>
  );
}
