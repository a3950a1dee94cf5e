import { useState, type FormEvent, type ReactNode } from 'react';
import type { Connection, Member, Provider } from '../types.ts';
import { actionLabel, auditActions, noFilters, rangeProblem, type AuditFilters } from './model.ts';

function Select(props: { id: string; label: string; value: string; onChange: (v: string) => void; children: ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <select id={props.id} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {props.children}
      </select>
    </div>
  );
}

/** The filters as a form: nothing is asked until "Apply filters" (which starts again at the first page). */
export function AuditFilterForm(props: {
  applied: AuditFilters;
  onApply: (f: AuditFilters) => void;
  providers: Provider[] | undefined;
  connections: Connection[] | undefined;
  members: Member[] | undefined;
  meId: string;
}) {
  const [draft, setDraft] = useState<AuditFilters>(props.applied);
  const [problem, setProblem] = useState<string | null>(null);
  const set = (key: keyof AuditFilters) => (value: string) => setDraft((d) => ({ ...d, [key]: value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const p = rangeProblem(draft);
    setProblem(p);
    if (!p) props.onApply(draft);
  };
  const active = Object.values(props.applied).some((v) => v !== '');

  return (
    <form className="card audit-filters" onSubmit={submit} aria-label="Audit log filters">
      <div className="filters">
        <Select id="audit-domain" label="Integration" value={draft.domain} onChange={set('domain')}>
          <option value="">All integrations</option>
          {(props.providers ?? []).map((p) => (
            <option key={p.domain} value={p.domain}>
              {p.displayName}
              {p.displayName !== p.domain ? ` (${p.domain})` : ''}
            </option>
          ))}
        </Select>
        <Select id="audit-connection" label="Connection" value={draft.connectionId} onChange={set('connectionId')}>
          <option value="">All connections</option>
          {(props.connections ?? []).map((c) => (
            <option key={c.id} value={c.id}>
              {c.name} ({c.domain})
            </option>
          ))}
        </Select>
        <Select id="audit-user" label="User" value={draft.userId} onChange={set('userId')}>
          <option value="">Everyone</option>
          {(props.members ?? []).map((m) => (
            <option key={m.userId} value={m.userId}>
              {m.email}
              {m.userId === props.meId ? ' (you)' : ''}
            </option>
          ))}
        </Select>
        <Select id="audit-action" label="Action" value={draft.action} onChange={set('action')}>
          <option value="">All actions</option>
          {auditActions.map((a) => (
            <option key={a} value={a}>
              {actionLabel(a)}
            </option>
          ))}
        </Select>
        <div className="field">
          <label htmlFor="audit-from">From</label>
          <input id="audit-from" type="datetime-local" value={draft.from} onChange={(e) => set('from')(e.target.value)} aria-invalid={problem ? true : undefined} />
        </div>
        <div className="field">
          <label htmlFor="audit-to">To</label>
          <input
            id="audit-to"
            type="datetime-local"
            value={draft.to}
            onChange={(e) => set('to')(e.target.value)}
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? 'audit-range-error' : undefined}
          />
        </div>
      </div>
      {problem ? (
        <p id="audit-range-error" className="error" role="alert">
          {problem}
        </p>
      ) : null}
      <div className="actions audit-filter-actions">
        <button type="submit" className="primary">
          Apply filters
        </button>
        {active ? (
          <button
            type="button"
            onClick={() => {
              setDraft(noFilters);
              setProblem(null);
              props.onApply(noFilters);
            }}
          >
            Clear filters
          </button>
        ) : null}
      </div>
    </form>
  );
}
