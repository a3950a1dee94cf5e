import { Link } from 'react-router';
import { seg } from '../api.ts';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { usePeople, useWorkspace } from '../session.ts';
import { NewWorkflowForm } from '../workflows/NewWorkflowForm.tsx';
import { connectionOptions, useActions, useWorkflows, useWorkspaceConnections } from '../workflows/queries.ts';
import { WorkflowStatus } from '../workflows/WorkflowStatus.tsx';

/** The workspace's workflows with their status, and the builder for a new one. */
export function Workflows() {
  const current = useWorkspace();
  const ws = current?.workspace.id ?? '';
  const meId = current?.me.user.id;
  const workflows = useWorkflows(ws);
  const actions = useActions();
  const connections = useWorkspaceConnections(ws);
  const person = usePeople(ws, meId);
  if (!current) return null;
  const options = connectionOptions(connections.data, current.me.user.id, person);

  return (
    <section aria-labelledby="workflows-title">
      <div className="page-head">
        <h1 id="workflows-title">Workflows</h1>
      </div>
      <ErrorNote error={workflows.error} />
      {workflows.isPending ? <p aria-live="polite">Loading workflows…</p> : null}
      {workflows.data && workflows.data.length === 0 ? <p className="card">No workflows in {current.workspace.name} yet. Build one below.</p> : null}
      {workflows.data && workflows.data.length > 0 ? (
        <table className="table">
          <caption className="sr-only">Workflows</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Owner</th>
              <th scope="col">Status</th>
              <th scope="col">Steps</th>
            </tr>
          </thead>
          <tbody>
            {workflows.data.map((wf) => {
              const invalid = wf.nodes.filter((n) => n.credentialStatus === 'invalid').length;
              return (
                <tr key={wf.id}>
                  <td data-label="Name">
                    <Link to={`/w/${seg(ws)}/workflows/${seg(wf.id)}`}>{wf.name}</Link>
                  </td>
                  <td data-label="Owner">{person(wf.ownerId)}</td>
                  <td data-label="Status">
                    <WorkflowStatus status={wf.status} />
                    {invalid > 0 ? (
                      <span className="muted small">
                        {' '}
                        {invalid} {invalid === 1 ? 'step has' : 'steps have'} an invalid credential
                      </span>
                    ) : null}
                  </td>
                  <td data-label="Steps">{wf.nodes.length}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      <ErrorNote error={actions.error ?? connections.error} />
      {actions.data && connections.data ? <NewWorkflowForm ws={ws} actions={actions.data} options={options} /> : null}
    </section>
  );
}
