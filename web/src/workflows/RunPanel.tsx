import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ApiError, api, seg } from '../api.ts';
import { ErrorNote } from '../components/ErrorNote.tsx';
import type { RunResult } from '../types.ts';
import { workflowKey } from './queries.ts';

function outputText(output: unknown): string {
  return typeof output === 'string' ? output : JSON.stringify(output, null, 2);
}

/** Broken nodes from a `409 credential_invalid`. */
function brokenNodes(error: unknown): { nodeId: string; reason: string }[] | null {
  if (!(error instanceof ApiError) || error.code !== 'credential_invalid' || !Array.isArray(error.details.nodes)) return null;
  return (error.details.nodes as unknown[]).flatMap((n) => {
    const { nodeId, reason } = (n ?? {}) as { nodeId?: unknown; reason?: unknown };
    return typeof nodeId === 'string' ? [{ nodeId, reason: typeof reason === 'string' ? reason : 'invalid credential' }] : [];
  });
}

/** Run workflow and the outcome of each step; a refused run lists the broken steps instead. */
export function RunPanel({ workflowId, ws, canRun }: { workflowId: string; ws: string; canRun: boolean }) {
  const queryClient = useQueryClient();
  const run = useMutation({
    mutationFn: () => api.post<RunResult>(`/api/v1/workflows/${seg(workflowId)}/run`, {}),
    onSettled: async () => {
      // A run checks every credential first: statuses may have changed.
      await queryClient.invalidateQueries({ queryKey: workflowKey(workflowId) });
      await queryClient.invalidateQueries({ queryKey: ['workflows', ws] });
    },
  });
  const broken = brokenNodes(run.error);

  return (
    <section className="card wf-run" aria-labelledby="run-title">
      <div className="page-head">
        <h2 id="run-title">Run</h2>
        <button type="button" className="primary" onClick={() => run.mutate()} disabled={!canRun || run.isPending}>
          {run.isPending ? 'Running…' : 'Run workflow'}
        </button>
      </div>
      {!canRun ? <p className="muted">Only the workflow's owner can run it.</p> : null}
      <div role="status" aria-live="polite">
        {run.isPending ? <p>Running…</p> : null}
        {run.data ? (
          <p className={run.data.status === 'succeeded' ? 'success' : 'error'}>
            <strong>{run.data.status === 'succeeded' ? 'Run succeeded' : 'Run failed'}</strong>
          </p>
        ) : null}
        {broken ? (
          <p className="error">
            <strong>Run failed</strong> — nothing ran, because {broken.length === 1 ? 'a step has' : 'steps have'} an invalid credential.
          </p>
        ) : null}
      </div>
      {run.data ? (
        <ol className="wf-steps">
          {run.data.steps.map((s) => (
            <li key={s.nodeId} className={`wf-step-result wf-step-${s.status}`}>
              <span>
                <strong>{s.nodeId}</strong>: {s.status}
              </span>
              {s.error ? <p className="field-error">{s.error}</p> : null}
              {s.output !== undefined ? (
                <details>
                  <summary>Output of {s.nodeId}</summary>
                  <pre className="wf-output">{outputText(s.output)}</pre>
                </details>
              ) : null}
            </li>
          ))}
        </ol>
      ) : null}
      {broken ? (
        <ul className="wf-steps" role="alert">
          {broken.map((b) => (
            <li key={b.nodeId}>
              <strong>{b.nodeId}</strong>: {b.reason}
            </li>
          ))}
        </ul>
      ) : (
        <ErrorNote error={run.error} />
      )}
    </section>
  );
}
