import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError, api, seg } from '../api.ts';
import { CopyButton } from '../components/CopyButton.tsx';
import { Dialog } from '../components/Dialog.tsx';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { Field } from '../components/Field.tsx';
import { formatDateTime } from '../format.ts';
import { useWorkspace } from '../session.ts';
import type { WebhookCreated, WebhookDelivery, WebhookSub } from '../types.ts';

/**
 * Webhooks of a workspace (owners and admins): subscribe a URL to events, see the signing
 * secret once, watch the deliveries, unsubscribe.
 */
export function Webhooks() {
  const current = useWorkspace();
  const ws = current?.workspace.id ?? '';
  const canManage = current !== null && (current.workspace.role === 'owner' || current.workspace.role === 'admin');
  const queryClient = useQueryClient();
  const hooks = useQuery({ queryKey: ['webhooks', ws], queryFn: () => api.get<WebhookSub[]>(`/api/v1/workspaces/${seg(ws)}/webhooks`), enabled: canManage });
  const eventTypes = useQuery({ queryKey: ['webhook-events'], queryFn: () => api.get<string[]>('/api/v1/webhook-events'), enabled: canManage, staleTime: Infinity });
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>([]);
  const [created, setCreated] = useState<WebhookCreated | null>(null);
  const [deleting, setDeleting] = useState<WebhookSub | null>(null);
  const [open, setOpen] = useState<string | null>(null);

  const add = useMutation({
    mutationFn: () => api.post<WebhookCreated>(`/api/v1/workspaces/${seg(ws)}/webhooks`, { url: url.trim(), events }),
    onSuccess: async (answer) => {
      setCreated(answer);
      setUrl('');
      setEvents([]);
      await queryClient.invalidateQueries({ queryKey: ['webhooks', ws] });
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => api.del(`/api/v1/workspaces/${seg(ws)}/webhooks/${seg(id)}`),
    onSuccess: async () => {
      setDeleting(null);
      await queryClient.invalidateQueries({ queryKey: ['webhooks', ws] });
    },
  });

  if (!current) return null;
  if (!canManage) {
    return (
      <section aria-labelledby="webhooks-title">
        <h1 id="webhooks-title">Webhooks</h1>
        <p className="card">Only owners and admins of {current.workspace.name} manage its webhooks.</p>
      </section>
    );
  }
  const fields = add.error instanceof ApiError ? add.error.fieldErrors() : {};
  const toggle = (event: string, on: boolean) => setEvents((now) => (on ? [...now, event] : now.filter((e) => e !== event)));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate();
  };

  return (
    <section aria-labelledby="webhooks-title">
      <h1 id="webhooks-title">Webhooks</h1>
      <p className="muted">
        Tether POSTs each event of {current.workspace.name} you subscribe to, signed with the Standard Webhooks headers, and retries failed deliveries for about 8 hours.
      </p>
      <ErrorNote error={hooks.error} />
      {hooks.data && hooks.data.length === 0 ? <p className="card">No webhooks yet.</p> : null}
      {hooks.data && hooks.data.length > 0 ? (
        <table className="table">
          <caption className="sr-only">Webhooks</caption>
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">Events</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {hooks.data.map((h) => (
              <tr key={h.id}>
                <td data-label="URL">
                  <code>{h.url}</code>
                  {open === h.id ? <Deliveries ws={ws} id={h.id} /> : null}
                </td>
                <td data-label="Events">{h.events.join(', ')}</td>
                <td data-label="Created">{formatDateTime(h.createdAt)}</td>
                <td className="row-actions">
                  <button type="button" onClick={() => setOpen(open === h.id ? null : h.id)} aria-expanded={open === h.id} aria-label={`Deliveries to ${h.url}`}>
                    Deliveries
                  </button>
                  <button type="button" className="danger" onClick={() => setDeleting(h)} aria-label={`Delete webhook ${h.url}`}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}

      {current.workspace.plan === 'workspace' ? (
        <form className="card form-inline" onSubmit={submit} aria-labelledby="add-webhook-title">
          <h2 id="add-webhook-title">Add a webhook</h2>
          <Field label="URL" type="url" value={url} onChange={(e) => setUrl(e.target.value)} required placeholder="https://automation.example.com/tether" error={fields.url} />
          <fieldset className="field">
            <legend>Events</legend>
            {(eventTypes.data ?? []).map((event) => (
              <label key={event} className="check">
                <input type="checkbox" checked={events.includes(event)} onChange={(e) => toggle(event, e.target.checked)} /> <code>{event}</code>
              </label>
            ))}
          </fieldset>
          <ErrorNote error={add.error} />
          <button type="submit" className="primary" disabled={add.isPending || url.trim() === '' || events.length === 0}>
            Add webhook
          </button>
        </form>
      ) : (
        <p className="card">Webhooks need a workspace on the Workspace plan.</p>
      )}

      <Dialog open={created !== null} title="Webhook added: copy its signing secret" onClose={() => setCreated(null)}>
        <p>This is the only time the secret is shown. Verify every delivery with it (any Standard Webhooks library).</p>
        <p>
          <code data-testid="webhook-secret">{created?.secret}</code> <CopyButton value={created?.secret ?? ''} label="Copy the signing secret" />
        </p>
        <div className="actions">
          <button type="button" className="primary" onClick={() => setCreated(null)}>
            I have copied it
          </button>
        </div>
      </Dialog>

      <Dialog open={deleting !== null} title="Delete this webhook?" onClose={() => setDeleting(null)}>
        <p>
          <code>{deleting?.url}</code> will get no more deliveries; those not yet sent are dropped.
        </p>
        <ErrorNote error={remove.error} />
        <div className="actions">
          <button type="button" onClick={() => setDeleting(null)}>
            Cancel
          </button>
          <button type="button" className="danger" disabled={remove.isPending} onClick={() => (deleting ? remove.mutate(deleting.id) : undefined)}>
            Delete webhook
          </button>
        </div>
      </Dialog>
    </section>
  );
}

function Deliveries({ ws, id }: { ws: string; id: string }) {
  const deliveries = useQuery({
    queryKey: ['webhook-deliveries', ws, id],
    queryFn: () => api.get<WebhookDelivery[]>(`/api/v1/workspaces/${seg(ws)}/webhooks/${seg(id)}/deliveries`),
    refetchInterval: 2000,
  });
  if (deliveries.error) return <ErrorNote error={deliveries.error} />;
  if (!deliveries.data) return null;
  if (deliveries.data.length === 0) return <p className="muted small">No deliveries yet.</p>;
  return (
    <ul className="deliveries" aria-label="Recent deliveries">
      {deliveries.data.map((d) => (
        <li key={d.id}>
          <code>{d.eventType}</code> — <strong>{d.status}</strong>
          {d.attempts > 1 ? `, ${d.attempts} attempts` : ''}
          {d.lastError ? ` (${d.lastError})` : d.lastStatus !== null ? ` (HTTP ${d.lastStatus})` : ''} <span className="muted small">{formatDateTime(d.deliveredAt ?? d.createdAt)}</span>
        </li>
      ))}
    </ul>
  );
}
