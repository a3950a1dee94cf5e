import { useState, type FormEvent } from 'react';
import { Dialog } from '../components/Dialog.tsx';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { Field } from '../components/Field.tsx';
import type { Provider } from '../types.ts';

export interface ConnectRequest {
  provider: Provider;
  name?: string;
  scopes?: string[];
}

/** The provider catalog as cards: configured ones can be connected, the others say who sets them up. */
export function Providers(props: { providers: Provider[] | undefined; error: unknown; busy: boolean; onConnect: (req: ConnectRequest) => void }) {
  const [chosen, setChosen] = useState<Provider | null>(null);
  // The ones people can connect first; the ones waiting for an admin after them.
  const providers = props.providers ? [...props.providers].sort((x, y) => Number(y.configured) - Number(x.configured)) : undefined;
  return (
    <section aria-labelledby="providers-title" className="integrations-section">
      <h2 id="providers-title">Connect an account</h2>
      <ErrorNote error={props.error} />
      {providers === undefined && !props.error ? <p className="muted">Loading providers…</p> : null}
      {providers && providers.length === 0 ? <p className="muted">No providers are known to this Tether instance.</p> : null}
      {providers && providers.length > 0 ? (
        <ul className="grid provider-grid">
          {providers.map((p) => (
            <li key={p.domain} className="card provider-card">
              <div className="provider-head">
                <h3>{p.displayName}</h3>
                <span className="muted small mono">{p.domain}</span>
              </div>
              {p.configured ? (
                <>
                  {p.defaultScopes.length > 0 ? (
                    <p className="muted small">Asks for: {p.defaultScopes.join(', ')}</p>
                  ) : null}
                  <button type="button" className="primary" aria-label={`Connect ${p.displayName}`} disabled={props.busy} onClick={() => setChosen(p)}>
                    Connect
                  </button>
                </>
              ) : (
                <p className="muted small">Not set up — an instance admin adds it under Admin → OAuth credentials.</p>
              )}
            </li>
          ))}
        </ul>
      ) : null}
      <ConnectDialog
        provider={chosen}
        onClose={() => setChosen(null)}
        onSubmit={(req) => {
          setChosen(null);
          props.onConnect(req);
        }}
      />
    </section>
  );
}

/** Names the connection (optional) and asks for extra scopes (optional) before going to the provider. */
function ConnectDialog(props: { provider: Provider | null; onClose: () => void; onSubmit: (req: ConnectRequest) => void }) {
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState('');
  const { provider } = props;
  const close = () => {
    setName('');
    setScopes('');
    props.onClose();
  };
  // Synchronous on purpose: the popup must open inside the submit event (see useConnectFlow).
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!provider) return;
    const req: ConnectRequest = { provider };
    if (name.trim()) req.name = name.trim();
    const extra = scopes.split(/\s+/).filter((s) => s !== '');
    if (extra.length > 0) req.scopes = extra;
    setName('');
    setScopes('');
    props.onSubmit(req);
  };
  const title = provider ? `Connect ${provider.displayName}` : 'Connect';
  return (
    <Dialog open={provider !== null} title={title} onClose={close}>
      {provider ? (
        <form onSubmit={submit}>
          <p className="muted">
            {provider.displayName} opens in a new window. Sign in there and allow access; this page updates when you are done.
          </p>
          <Field
            label="Connection name (optional)"
            value={name}
            onChange={(e) => setName(e.target.value)}
            maxLength={200}
            placeholder={`e.g. ${provider.displayName} – Marketing`}
            hint="Helps people pick the right connection in workflows. Without one, Tether names it after the provider and the account."
            autoFocus
          />
          <Field
            label="Extra scopes (optional)"
            value={scopes}
            onChange={(e) => setScopes(e.target.value)}
            hint={provider.defaultScopes.length > 0 ? `Separated by spaces. Always requested: ${provider.defaultScopes.join(' ')}` : 'Separated by spaces.'}
            autoComplete="off"
            spellCheck={false}
          />
          <div className="dialog-actions">
            <button type="button" onClick={close}>
              Cancel
            </button>
            <button type="submit" className="primary">
              Continue to {provider.displayName}
            </button>
          </div>
        </form>
      ) : null}
    </Dialog>
  );
}
