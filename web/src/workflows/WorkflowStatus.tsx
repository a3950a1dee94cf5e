import type { Workflow } from '../types.ts';

/** Green "OK", red "Needs attention"; the text carries the meaning. */
export function WorkflowStatus({ status }: { status: Workflow['status'] }) {
  return status === 'ok' ? <span className="badge badge-ok">OK</span> : <span className="badge badge-bad">Needs attention</span>;
}

/** A node's credential: green "OK" or red "Invalid". */
export function CredentialStatus({ status }: { status: 'ok' | 'invalid' }) {
  return status === 'ok' ? <span className="badge badge-ok">OK</span> : <span className="badge badge-bad">Invalid</span>;
}
