import { useId, type InputHTMLAttributes, type ReactNode } from 'react';

/** A labelled input with its hint and its validation message wired up for assistive tech. */
export function Field(
  props: { label: string; hint?: ReactNode; error?: string | undefined } & Omit<InputHTMLAttributes<HTMLInputElement>, 'id'>,
) {
  const { label, hint, error, ...input } = props;
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={error ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-invalid={error ? true : undefined} aria-describedby={describedBy} {...input} />
      {hint ? (
        <small id={hintId} className="hint">
          {hint}
        </small>
      ) : null}
      {error ? (
        <small id={errorId} className="field-error">
          {error}
        </small>
      ) : null}
    </div>
  );
}
