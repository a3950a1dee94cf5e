import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { api, seg } from '../api.ts';
import { ErrorNote } from '../components/ErrorNote.tsx';
import type { Connection, WorkflowNode } from '../types.ts';
import { describeConnection, refValue, workflowKey, type ConnectionOption } from './queries.ts';
import { CredentialStatus } from './WorkflowStatus.tsx';

/** Compact `key: value` text of a step's parameters. */
function paramsText(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' · ');
}

/** One action node: its connection and credential status, and (for the owner) picking a replacement. */
export function NodeSection(props: { workflowId: string; ws: string; node: WorkflowNode; connections: Connection[] | undefined; options: ConnectionOption[]; canEdit: boolean }) {
  const { node, options } = props;
  const queryClient = useQueryClient();
  const headingId = useId();
  const selectId = useId();
  const current = refValue(node.connection);
  const [choice, setChoice] = useState(() => (options.some((o) => o.value === current) ? current : ''));
  const [saved, setSaved] = useState(false);

  const use = useMutation({
    mutationFn: (ref: ConnectionOption['ref']) => api.patch<WorkflowNode>(`/api/v1/workflows/${seg(props.workflowId)}/nodes/${seg(node.id)}`, { connection: ref }),
    onSuccess: async () => {
      setSaved(true);
      await queryClient.invalidateQueries({ queryKey: workflowKey(props.workflowId) });
      await queryClient.invalidateQueries({ queryKey: ['workflows', props.ws] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const option = options.find((o) => o.value === choice);
    if (option) use.mutate(option.ref);
  };

  return (
    <section className="card wf-node" aria-labelledby={headingId}>
      <h2 id={headingId}>
        Step {node.id}: {node.action}
      </h2>
      <dl className="facts">
        <dt>Connection</dt>
        <dd>{describeConnection(node.connection, props.connections)}</dd>
        <dt>Credential</dt>
        <dd>
          <CredentialStatus status={node.credentialStatus} />
          {node.credentialStatus === 'invalid' && node.invalidReason ? <span className="wf-reason"> {node.invalidReason}</span> : null}
        </dd>
        {Object.keys(node.params).length > 0 ? (
          <>
            <dt>Parameters</dt>
            <dd className="mono">{paramsText(node.params)}</dd>
          </>
        ) : null}
        {node.scopes.length > 0 ? (
          <>
            <dt>Scopes needed</dt>
            <dd>
              <ul className="chips">
                {node.scopes.map((s) => (
                  <li key={s}>{s}</li>
                ))}
              </ul>
            </dd>
          </>
        ) : null}
      </dl>
      {props.canEdit ? (
        <form className="wf-pick" onSubmit={submit}>
          <div className="field">
            <label htmlFor={selectId}>Connection for step {node.id}</label>
            <select
              id={selectId}
              value={choice}
              onChange={(e) => {
                setChoice(e.target.value);
                setSaved(false);
              }}
            >
              <option value="">{options.length === 0 ? 'No usable connection in this workspace' : 'Choose a connection…'}</option>
              {options.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                  {o.value === current ? ' — current' : ''}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" disabled={choice === '' || use.isPending || (choice === current && node.credentialStatus === 'ok')}>
            {use.isPending ? 'Saving…' : 'Use this connection'}
          </button>
        </form>
      ) : null}
      <div aria-live="polite">{saved && !use.isPending ? <p className="success">Step {node.id} now uses the selected connection.</p> : null}</div>
      <ErrorNote error={use.error} />
    </section>
  );
}
