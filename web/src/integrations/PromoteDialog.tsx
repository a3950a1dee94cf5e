import { useId, useState, type FormEvent } from 'react';
import { Dialog } from '../components/Dialog.tsx';
import { ErrorNote } from '../components/ErrorNote.tsx';
import type { ShareLevel } from '../types.ts';

/** Promote to Workspace: pick the share level, then share. */
export function PromoteDialog(props: { open: boolean; connectionName: string; workspaceName: string; onPromote: (level: ShareLevel) => Promise<unknown>; onClose: () => void }) {
  const [level, setLevel] = useState<ShareLevel>('use');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const close = () => {
    setError(null);
    setLevel('use');
    props.onClose();
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await props.onPromote(level);
      close();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open={props.open} title="Promote to Workspace" onClose={close}>
      <form onSubmit={(e) => void submit(e)}>
        <p>
          Every member of <strong>{props.workspaceName}</strong> will be able to select <strong>{props.connectionName}</strong> in their workflows without signing in to the provider. Nobody sees its token. You stay the owner and can remove it from the workspace at any time.
        </p>
        <fieldset className="level-choice">
          <legend>Share level</legend>
          <LevelOption value="use" label="Can use" hint="Members select it and run workflows with it." level={level} onChange={setLevel} />
          <LevelOption value="manage" label="Can manage" hint="Members can also refresh its token and reconnect it." level={level} onChange={setLevel} />
        </fieldset>
        <ErrorNote error={error} />
        <div className="dialog-actions">
          <button type="button" onClick={close} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Working…' : 'Promote'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** A radio whose accessible name is just its label ("Can use"); the explanation describes it. */
function LevelOption(props: { value: ShareLevel; label: string; hint: string; level: ShareLevel; onChange: (level: ShareLevel) => void }) {
  const id = useId();
  return (
    <div className="radio">
      <input id={id} type="radio" name="share-level" value={props.value} checked={props.level === props.value} onChange={() => props.onChange(props.value)} aria-describedby={`${id}-hint`} />
      <div>
        <label htmlFor={id}>{props.label}</label>
        <small id={`${id}-hint`} className="muted block">
          {props.hint}
        </small>
      </div>
    </div>
  );
}
