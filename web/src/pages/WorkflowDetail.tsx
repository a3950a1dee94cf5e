import { Link, useParams } from 'react-router';
import { seg } from '../api.ts';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { usePeople, useWorkspace } from '../session.ts';
import { NodeSection } from '../workflows/NodeSection.tsx';
import { connectionOptions, useWorkflow, useWorkspaceConnections } from '../workflows/queries.ts';
import { RunPanel } from '../workflows/RunPanel.tsx';
import { WorkflowStatus } from '../workflows/WorkflowStatus.tsx';

/** One workflow: each step's credential status and reason, picking a replacement connection, and running it. */
export function WorkflowDetail() {
  const { id = '' } = useParams();
  const current = useWorkspace();
  const ws = current?.workspace.id ?? '';
  const workflow = useWorkflow(id);
  const connections = useWorkspaceConnections(ws);
  const person = usePeople(ws, current?.me.user.id);
  if (!current) return null;
  const back = (
    <p>
      <Link to={`/w/${seg(ws)}/workflows`}>← All workflows</Link>
    </p>
  );
  if (workflow.isPending) return <>{back}<p aria-live="polite">Loading workflow…</p></>;
  if (workflow.isError) return <>{back}<ErrorNote error={workflow.error} /></>;
  const wf = workflow.data;
  const isOwner = wf.ownerId === current.me.user.id;
  const options = connectionOptions(connections.data, current.me.user.id, person);
  const invalid = wf.nodes.filter((n) => n.credentialStatus === 'invalid').length;

  return (
    <section aria-labelledby="workflow-title">
      {back}
      <h1 id="workflow-title">{wf.name}</h1>
      <p className="wf-summary">
        <span>
          Status: <WorkflowStatus status={wf.status} />
        </span>
        <span className="muted"> · Owned by {person(wf.ownerId)} · {wf.nodes.length} {wf.nodes.length === 1 ? 'step' : 'steps'}
        {invalid > 0 ? ` · ${invalid} ${invalid === 1 ? 'step needs' : 'steps need'} a working connection` : ''}</span>
      </p>
      {!isOwner ? <p className="notice">Only {person(wf.ownerId)} can change this workflow's connections or run it.</p> : null}
      <ErrorNote error={connections.error} />
      {connections.isPending ? <p aria-live="polite">Loading connections…</p> : null}
      {connections.isPending
        ? null
        : wf.nodes.map((node) => <NodeSection key={node.id} workflowId={wf.id} ws={ws} node={node} connections={connections.data} options={options} canEdit={isOwner} />)}
      <RunPanel workflowId={wf.id} ws={ws} canRun={isOwner} />
    </section>
  );
}
