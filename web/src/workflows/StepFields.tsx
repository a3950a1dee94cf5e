import { useId } from 'react';
import { Field } from '../components/Field.tsx';
import type { ActionInfo, ActionParam, ConnectionOption } from './queries.ts';

/** One step of the builder as typed: parameter values are text until the form is sent. */
export interface StepDraft {
  key: number;
  action: string;
  connection: string;
  params: Record<string, string>;
}

/** The defaults of an action's parameters (the method select starts at GET). */
export function defaultParams(action: ActionInfo | undefined): Record<string, string> {
  return Object.fromEntries((action?.params ?? []).map((p) => [p.name, p.default ?? '']));
}

/** Parameter values as the action reads them: a `list` is comma-separated text. */
export function paramsOf(action: ActionInfo | undefined, values: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of action?.params ?? []) {
    const v = (values[p.name] ?? '').trim();
    if (v === '') continue;
    out[p.name] = p.kind === 'list' ? v.split(',').map((x) => x.trim()) : v;
  }
  return out;
}

/** Problems with a step before it is sent, keyed `action`, `connection` or the parameter name. */
export function checkStep(step: StepDraft, action: ActionInfo | undefined): Record<string, string> {
  const problems: Record<string, string> = {};
  if (!action) problems.action = 'Choose an action.';
  if (step.connection === '') problems.connection = 'Choose a connection.';
  for (const p of action?.params ?? []) if (p.required && (step.params[p.name] ?? '').trim() === '') problems[p.name] = `${p.label} is required.`;
  return problems;
}

function ParamInput({ param, value, onChange, error }: { param: ActionParam; value: string; onChange: (v: string) => void; error?: string | undefined }) {
  const id = useId();
  if (param.kind === 'choice') {
    return (
      <div className="field">
        <label htmlFor={id}>{param.label}</label>
        <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
          {(param.options ?? []).map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      </div>
    );
  }
  return (
    <Field
      label={param.label}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      aria-required={param.required}
      spellCheck={false}
      hint={param.kind === 'list' ? 'Comma-separated values' : undefined}
      error={error}
    />
  );
}

/** The inputs of one step: action, connection, and the action's parameters. */
export function StepFields(props: {
  index: number;
  step: StepDraft;
  actions: ActionInfo[];
  options: ConnectionOption[];
  problems: Record<string, string>;
  onChange: (step: StepDraft) => void;
  onRemove: (() => void) | null;
}) {
  const { step, actions, options, problems } = props;
  const actionId = useId();
  const connectionId = useId();
  const action = actions.find((a) => a.name === step.action);
  const legend = `Step ${props.index + 1}`;
  return (
    <fieldset className="wf-step">
      <legend>{legend}</legend>
      <div className="wf-step-grid">
        <div className={problems.action ? 'field field-invalid' : 'field'}>
          <label htmlFor={actionId}>Action</label>
          <select
            id={actionId}
            value={step.action}
            aria-invalid={problems.action ? true : undefined}
            onChange={(e) => {
              const next = actions.find((a) => a.name === e.target.value);
              props.onChange({ ...step, action: e.target.value, params: defaultParams(next) });
            }}
          >
            <option value="">Choose an action…</option>
            {actions.map((a) => (
              <option key={a.name} value={a.name}>
                {a.name} — {a.displayName}
              </option>
            ))}
          </select>
          {action ? <small className="hint">{action.description}</small> : null}
          {problems.action ? <small className="field-error">{problems.action}</small> : null}
        </div>
        <div className={problems.connection ? 'field field-invalid' : 'field'}>
          <label htmlFor={connectionId}>Connection</label>
          <select id={connectionId} value={step.connection} aria-invalid={problems.connection ? true : undefined} onChange={(e) => props.onChange({ ...step, connection: e.target.value })}>
            <option value="">{options.length === 0 ? 'No usable connection in this workspace' : 'Choose a connection…'}</option>
            {options.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
          {action?.domains ? <small className="hint">Made for {action.domains.join(', ')} connections.</small> : null}
          {problems.connection ? <small className="field-error">{problems.connection}</small> : null}
        </div>
        {(action?.params ?? []).map((p) => (
          <ParamInput key={p.name} param={p} value={step.params[p.name] ?? ''} error={problems[p.name]} onChange={(v) => props.onChange({ ...step, params: { ...step.params, [p.name]: v } })} />
        ))}
      </div>
      {props.onRemove ? (
        <button type="button" onClick={props.onRemove} aria-label={`Remove step ${props.index + 1}`}>
          Remove step
        </button>
      ) : null}
    </fieldset>
  );
}
