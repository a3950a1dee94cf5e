import { useMutation } from '@tanstack/react-query';
import { useId, useRef, useState, type FormEvent } from 'react';
import { ApiError, api, seg } from '../api.ts';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { Field } from '../components/Field.tsx';
import { CUSTOM, checkValues, emptyValues, fromApp, fromTemplate, toBody, urlFields, type FormValues, type OAuthApp, type ProviderTemplate } from './model.ts';

/**
 * Add or edit one domain's OAuth credentials. Choosing a built-in provider pre-fills its URLs
 * and default scopes from the catalog; every field stays editable (tests point them at emulators).
 */
export function AppForm(props: { editing: OAuthApp | null; templates: ProviderTemplate[]; existing: OAuthApp[]; onSaved: (app: OAuthApp) => void; onCancel: () => void }) {
  const { editing, templates } = props;
  const [values, setValues] = useState<FormValues>(() => (editing ? fromApp(editing, templates) : emptyValues));
  const [problems, setProblems] = useState<Record<string, string>>({});
  const formRef = useRef<HTMLFormElement>(null);
  const providerId = useId();
  const template = templates.find((t) => t.domain === values.provider);
  const custom = values.provider === CUSTOM;

  const save = useMutation({
    mutationFn: (v: FormValues) =>
      api.put<{ app: OAuthApp }>(`/api/v1/admin/oauth-apps/${seg(v.provider === CUSTOM ? v.domain : v.provider)}`, toBody(v, template, editing ?? undefined)),
    onSuccess: ({ app }) => props.onSaved(app),
    onError: (err) => {
      if (err instanceof ApiError) setProblems(err.fieldErrors());
      focusFirstProblem();
    },
  });

  const focusFirstProblem = () => requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
  const set = (key: keyof FormValues) => (e: { target: { value: string } }) => {
    setValues((v) => ({ ...v, [key]: e.target.value }));
    if (problems[key]) setProblems(({ [key]: _gone, ...rest }) => rest);
  };
  const chooseProvider = (provider: string) => {
    setProblems({});
    const t = templates.find((x) => x.domain === provider);
    if (t) setValues((v) => fromTemplate({ ...v, clientSecret: v.clientSecret }, t));
    else setValues((v) => ({ ...emptyValues, provider, clientId: v.clientId, clientSecret: v.clientSecret }));
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found = checkValues(values, editing !== null);
    setProblems(found);
    if (Object.keys(found).length > 0) {
      focusFirstProblem();
      return;
    }
    save.mutate(values);
  };

  const configured = new Set(props.existing.map((a) => a.domain));
  const stored = editing?.clientSecret.trim();
  // Messages for fields the form has no input for still reach the person, in the summary.
  const shown = new Set(['provider', 'domain', 'clientId', 'clientSecret', 'scopes', 'tenant', ...urlFields.map((f) => f.key)]);
  const unplaced = Object.entries(problems).filter(([k]) => !shown.has(k));

  return (
    <form ref={formRef} onSubmit={submit} noValidate className="admin-form">
      <div className={problems.provider ? 'field field-invalid' : 'field'}>
        <label htmlFor={providerId}>Provider</label>
        <select
          id={providerId}
          value={values.provider}
          onChange={(e) => chooseProvider(e.target.value)}
          disabled={editing !== null}
          aria-invalid={problems.provider ? true : undefined}
          aria-describedby={problems.provider ? `${providerId}-error` : undefined}
        >
          <option value="">Choose a provider…</option>
          {templates.map((t) => (
            <option key={t.domain} value={t.domain} disabled={!editing && configured.has(t.domain)}>
              {t.displayName}
              {!editing && configured.has(t.domain) ? ' (already configured)' : ''}
            </option>
          ))}
          <option value={CUSTOM}>Custom provider</option>
        </select>
        {problems.provider ? (
          <small id={`${providerId}-error`} className="field-error">
            {problems.provider}
          </small>
        ) : null}
      </div>
      {custom ? (
        <Field
          label="Domain"
          value={values.domain}
          onChange={set('domain')}
          readOnly={editing !== null}
          aria-required
          autoComplete="off"
          spellCheck={false}
          hint="Lowercase letters, digits and hyphens, e.g. acme-crm. It names the integration everywhere in Tether."
          error={problems.domain}
        />
      ) : null}
      {values.provider !== '' ? (
        <>
          <div className="admin-form-grid">
            <Field label="Client ID" value={values.clientId} onChange={set('clientId')} aria-required autoComplete="off" spellCheck={false} error={problems.clientId} />
            <Field
              label="Client secret"
              type="password"
              value={values.clientSecret}
              onChange={set('clientSecret')}
              autoComplete="off"
              aria-required={editing === null}
              hint={editing ? `Leave blank to keep the stored secret (${stored})` : 'Shown only as its last 4 characters after saving.'}
              error={problems.clientSecret}
            />
          </div>
          <Field label="Scopes" value={values.scopes} onChange={set('scopes')} spellCheck={false} hint="Space-separated default scopes requested on every connect." error={problems.scopes} />
          {template?.tenant !== undefined ? (
            <Field label="Tenant" value={values.tenant} onChange={set('tenant')} spellCheck={false} hint={`Who may sign in: ${template.tenant}, organizations, consumers, or a tenant id or domain.`} error={problems.tenant} />
          ) : null}
          <fieldset className="admin-urls">
            <legend>Endpoints</legend>
            {template ? <p className="muted small">Pre-filled from the {template.displayName} catalog entry. Change a URL only to override it (for example to point at a test server).</p> : null}
            <div className="admin-form-grid">
              {urlFields.map((f) => (
                <Field
                  key={f.key}
                  label={f.label}
                  type="url"
                  inputMode="url"
                  value={values[f.key]}
                  onChange={set(f.key)}
                  aria-required={custom && f.required}
                  spellCheck={false}
                  autoComplete="off"
                  placeholder={f.required || !custom ? undefined : 'optional'}
                  error={problems[f.key]}
                />
              ))}
            </div>
          </fieldset>
        </>
      ) : null}
      {unplaced.length > 0 ? (
        <ul className="error" role="alert">
          {unplaced.map(([k, m]) => (
            <li key={k}>{m}</li>
          ))}
        </ul>
      ) : null}
      <ErrorNote error={save.error} />
      <div className="dialog-actions">
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save credentials'}
        </button>
      </div>
    </form>
  );
}
