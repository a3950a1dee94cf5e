import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, seg } from '../api.ts';
import { AppForm } from '../admin/AppForm.tsx';
import type { OAuthApp, OAuthAppsPage, ProviderTemplate } from '../admin/model.ts';
import { CopyButton } from '../components/CopyButton.tsx';
import { Dialog } from '../components/Dialog.tsx';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { ImpactConfirm } from '../components/ImpactConfirm.tsx';
import { formatDateTime } from '../format.ts';
import { useMe } from '../session.ts';

export const oauthAppsKey = ['admin', 'oauth-apps'] as const;

/** Admin → OAuth credentials (SPEC §2): one app per integration domain; secrets only ever as `•••• last4`. */
export function AdminOAuth() {
  const queryClient = useQueryClient();
  const { data: me } = useMe();
  const apps = useQuery({ queryKey: oauthAppsKey, queryFn: () => api.get<OAuthAppsPage>('/api/v1/admin/oauth-apps') });
  const templates = useQuery({ queryKey: ['admin', 'provider-templates'], queryFn: () => api.get<ProviderTemplate[]>('/api/v1/admin/provider-templates'), staleTime: Infinity });
  // null: closed; 'new': adding; an app: editing it.
  const [form, setForm] = useState<'new' | OAuthApp | null>(null);
  const [deleting, setDeleting] = useState<OAuthApp | null>(null);
  const [note, setNote] = useState('');

  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: oauthAppsKey });
    await queryClient.invalidateQueries({ queryKey: ['providers'] });
  };
  // The note appears once the table shows the change, so what it says is what the page shows.
  const saved = async (app: OAuthApp) => {
    setForm(null);
    await refresh();
    setNote(`Credentials for ${app.domain} saved.`);
  };
  const remove = async (app: OAuthApp) => {
    await api.del(`/api/v1/admin/oauth-apps/${seg(app.domain)}`);
    await refresh();
    setNote(`Credentials for ${app.domain} deleted. Its connections need to be reauthorized once new credentials are saved.`);
    await queryClient.invalidateQueries({ queryKey: ['connections'] });
    await queryClient.invalidateQueries({ queryKey: ['workflows'] });
  };
  const editing = form !== null && form !== 'new' ? form : null;

  return (
    <section aria-labelledby="admin-oauth-title">
      <div className="page-head">
        <h1 id="admin-oauth-title">OAuth credentials</h1>
        <button
          type="button"
          className="primary"
          onClick={() => {
            setNote('');
            setForm('new');
          }}
          disabled={!templates.data}
        >
          Add credentials
        </button>
      </div>
      <p className="muted">
        One OAuth app per integration. People in every workspace of this instance connect their accounts through these credentials; only instance administrators see this page.
      </p>

      {apps.data ? (
        <div className="card admin-redirect">
          <h2>Redirect URI</h2>
          <p>Register this redirect URI (also called callback URL) in the OAuth app at each provider. It is the same for every integration.</p>
          <div className="admin-redirect-value">
            <code>{apps.data.redirectUri}</code>
            <CopyButton value={apps.data.redirectUri} label="Copy redirect URI" />
          </div>
        </div>
      ) : null}

      <div aria-live="polite">{note ? <p className="success">{note}</p> : null}</div>
      <ErrorNote error={apps.error ?? templates.error} />
      {apps.isPending ? <p aria-live="polite">Loading credentials…</p> : null}

      {apps.data && apps.data.apps.length === 0 ? (
        <p className="card">No OAuth credentials yet. Add credentials for Google, Microsoft, Slack or any OAuth 2.0 provider so people can connect their accounts.</p>
      ) : null}
      {apps.data && apps.data.apps.length > 0 ? (
        <table className="table admin-apps">
          <caption className="sr-only">OAuth credentials</caption>
          <thead>
            <tr>
              <th scope="col">Provider</th>
              <th scope="col">Client ID</th>
              <th scope="col">Client secret</th>
              <th scope="col">Scopes</th>
              <th scope="col">Updated</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {apps.data.apps.map((app) => (
              <tr key={app.domain}>
                <td data-label="Provider">
                  <strong>{app.displayName}</strong>
                  {app.displayName !== app.domain ? <span className="muted"> ({app.domain})</span> : null}
                  <div className="muted small">{app.builtIn ? 'Built-in' : 'Custom'}</div>
                </td>
                <td data-label="Client ID">
                  <code>{app.clientId}</code>
                </td>
                <td data-label="Client secret">
                  <code aria-label={`Stored secret ending ${app.clientSecret.replace('••••', '').trim() || '(hidden)'}`}>{app.clientSecret}</code>
                </td>
                <td data-label="Scopes">
                  {app.scopes ? (
                    <ul className="chips">
                      {app.scopes.split(' ').map((s) => (
                        <li key={s}>{s}</li>
                      ))}
                    </ul>
                  ) : (
                    <span className="muted">none</span>
                  )}
                </td>
                <td data-label="Updated">{formatDateTime(app.updatedAt)}</td>
                <td className="row-actions">
                  <button
                    type="button"
                    onClick={() => {
                      setNote('');
                      setForm(app);
                    }}
                    aria-label={`Edit ${app.domain}`}
                    disabled={!templates.data}
                  >
                    Edit
                  </button>
                  <button type="button" className="danger" onClick={() => setDeleting(app)} aria-label={`Delete ${app.domain}`}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}

      <Dialog open={form !== null} title={editing ? `Edit ${editing.domain}` : 'Add OAuth credentials'} onClose={() => setForm(null)} wide>
        {form !== null && templates.data ? (
          <AppForm key={editing?.domain ?? 'new'} editing={editing} templates={templates.data} existing={apps.data?.apps ?? []} onSaved={(app) => void saved(app)} onCancel={() => setForm(null)} />
        ) : null}
      </Dialog>

      <ImpactConfirm
        open={deleting !== null}
        title={`Delete the ${deleting?.domain ?? ''} credentials?`}
        description={`People can no longer connect ${deleting?.displayName ?? ''} accounts, and existing ${deleting?.displayName ?? ''} connections stop refreshing and need to be reauthorized.`}
        impactPath={deleting ? `/api/v1/admin/oauth-apps/${seg(deleting.domain)}/impact` : ''}
        confirmLabel="Delete credentials"
        onConfirm={() => (deleting ? remove(deleting) : Promise.resolve())}
        onClose={() => setDeleting(null)}
        person={(id) => (id === me?.user.id ? 'you' : `user ${id.slice(-6)}`)}
      />
    </section>
  );
}
