import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api.ts';
import type { Impact } from '../types.ts';
import { Dialog } from './Dialog.tsx';
import { ErrorNote } from './ErrorNote.tsx';

/** "3 workflows of 2 people will stop working" — or that nothing breaks. */
export function impactSummary(impact: Impact): string {
  const workflows = impact.workflows.length;
  if (workflows === 0) return 'No workflow uses it: nothing will stop working.';
  const people = new Set(impact.workflows.map((w) => w.ownerId)).size;
  return `${workflows} ${workflows === 1 ? 'workflow' : 'workflows'} of ${people} ${people === 1 ? 'person' : 'people'} will stop working.`;
}

/**
 * Shows what an action would break (fetched from an `…/impact` endpoint) and asks for
 * confirmation; the action runs only after "confirm". Used for Disconnect, Remove from
 * Workspace, member removal and OAuth app deletion.
 */
export function ImpactConfirm(props: {
  open: boolean;
  title: string;
  /** What will happen, in a sentence. */
  description: string;
  impactPath: string;
  confirmLabel: string;
  onConfirm: () => Promise<unknown>;
  onClose: () => void;
  /** Names a user id (e.g. from usePeople). */
  person: (userId: string) => string;
}) {
  const { open, impactPath } = props;
  const impact = useQuery({ queryKey: ['impact', impactPath], queryFn: () => api.get<Impact>(impactPath), enabled: open, staleTime: 0, gcTime: 0 });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const close = () => {
    setError(null);
    props.onClose();
  };
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await props.onConfirm();
      props.onClose();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={open} title={props.title} onClose={close}>
      <p>{props.description}</p>
      {impact.isPending ? <p aria-live="polite">Checking which workflows use it…</p> : null}
      <ErrorNote error={impact.error} />
      {impact.data ? (
        <div className="impact" aria-live="polite">
          <p className={impact.data.workflows.length > 0 ? 'impact-summary impact-bad' : 'impact-summary'}>
            <strong>{impactSummary(impact.data)}</strong>
          </p>
          {impact.data.workflows.length > 0 ? (
            <ul className="impact-list">
              {impact.data.workflows.map((w) => (
                <li key={w.id}>
                  <strong>{w.name}</strong> <span className="muted">(owner: {w.ownerEmail ?? props.person(w.ownerId)})</span> — {w.nodes.length}{' '}
                  {w.nodes.length === 1 ? 'step' : 'steps'}: {w.nodes.map((n) => `${n.id} (${n.action})`).join(', ')}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      <ErrorNote error={error} />
      <div className="dialog-actions">
        <button type="button" onClick={close} disabled={busy}>
          Cancel
        </button>
        <button type="button" className="danger" onClick={() => void confirm()} disabled={busy || !impact.data}>
          {busy ? 'Working…' : props.confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}
