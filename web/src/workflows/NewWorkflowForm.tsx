import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { ApiError, api, seg } from '../api.ts';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { Field } from '../components/Field.tsx';
import type { Workflow } from '../types.ts';
import { workflowsKey, type ActionInfo, type ConnectionOption } from './queries.ts';
import { StepFields, checkStep, paramsOf, type StepDraft } from './StepFields.tsx';

/** The builder: a name and one or more steps; creating it opens the new workflow. */
export function NewWorkflowForm({ ws, actions, options }: { ws: string; actions: ActionInfo[]; options: ConnectionOption[] }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const nextKey = useRef(1);
  const blank = (): StepDraft => ({ key: nextKey.current++, action: '', connection: options.length === 1 ? (options[0]?.value ?? '') : '', params: {} });
  const [name, setName] = useState('');
  const [steps, setSteps] = useState<StepDraft[]>(() => [blank()]);
  const [problems, setProblems] = useState<Record<number, Record<string, string>>>({});
  const [nameProblem, setNameProblem] = useState('');
  const formRef = useRef<HTMLFormElement>(null);

  const create = useMutation({
    mutationFn: () =>
      api.post<Workflow>(`/api/v1/workspaces/${seg(ws)}/workflows`, {
        name: name.trim(),
        nodes: steps.map((s) => {
          const action = actions.find((a) => a.name === s.action);
          return { action: s.action, params: paramsOf(action, s.params), connection: options.find((o) => o.value === s.connection)?.ref ?? null };
        }),
      }),
    onSuccess: async (wf) => {
      await queryClient.invalidateQueries({ queryKey: workflowsKey(ws) });
      void navigate(`/w/${seg(ws)}/workflows/${seg(wf.id)}`);
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found: Record<number, Record<string, string>> = {};
    for (const s of steps) {
      const p = checkStep(s, actions.find((a) => a.name === s.action));
      if (Object.keys(p).length > 0) found[s.key] = p;
    }
    setProblems(found);
    setNameProblem(name.trim() === '' ? 'Give the workflow a name.' : '');
    if (Object.keys(found).length > 0 || name.trim() === '') {
      requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    create.mutate();
  };
  const update = (step: StepDraft) => {
    setSteps((all) => all.map((s) => (s.key === step.key ? step : s)));
    setProblems(({ [step.key]: _gone, ...rest }) => rest);
  };
  const serverName = create.error instanceof ApiError ? create.error.fieldErrors().name : undefined;

  return (
    <form ref={formRef} className="card wf-new" onSubmit={submit} noValidate aria-labelledby="new-workflow-title">
      <h2 id="new-workflow-title">New workflow</h2>
      <p className="muted">Each step runs an action with a connection. Tether makes the call, so nobody building workflows ever sees a token.</p>
      <Field
        label="Workflow name"
        value={name}
        onChange={(e) => {
          setName(e.target.value);
          setNameProblem('');
        }}
        aria-required
        maxLength={200}
        error={nameProblem || serverName}
      />
      {steps.map((s, i) => (
        <StepFields
          key={s.key}
          index={i}
          step={s}
          actions={actions}
          options={options}
          problems={problems[s.key] ?? {}}
          onChange={update}
          onRemove={steps.length > 1 ? () => setSteps((all) => all.filter((x) => x.key !== s.key)) : null}
        />
      ))}
      <ErrorNote error={create.error} />
      <div className="actions">
        <button type="button" onClick={() => setSteps((all) => [...all, blank()])}>
          Add step
        </button>
        <button type="submit" className="primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create workflow'}
        </button>
      </div>
    </form>
  );
}
