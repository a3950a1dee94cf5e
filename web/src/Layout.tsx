import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { NavLink, Outlet, useLocation, useMatch, useNavigate } from 'react-router';
import { api } from './api.ts';
import { Dialog } from './components/Dialog.tsx';
import { ErrorNote } from './components/ErrorNote.tsx';
import { Field } from './components/Field.tsx';
import { meKey, useMe, useWorkspace } from './session.ts';
import type { Workspace } from './types.ts';

const LAST_WS = 'tether.workspace';

/** The page frame: brand, workspace switcher, navigation, the user and sign-out. */
export function Layout() {
  const { data: me } = useMe();
  // The layout sits above the workspace routes, so it reads the workspace from the URL itself.
  const ws = useMatch('/w/:ws/*')?.params.ws;
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [creating, setCreating] = useState(false);
  const remembered = typeof localStorage !== 'undefined' ? localStorage.getItem(LAST_WS) : null;
  const current = ws ?? (me?.workspaces.some((w) => w.id === remembered) ? remembered : me?.workspaces[0]?.id) ?? '';
  if (ws && typeof localStorage !== 'undefined') localStorage.setItem(LAST_WS, ws);
  const currentRole = me?.workspaces.find((w) => w.id === current)?.role;

  const logout = useMutation({
    mutationFn: () => api.post('/api/v1/auth/logout'),
    onSettled: async () => {
      queryClient.clear();
      await queryClient.invalidateQueries({ queryKey: meKey });
      void navigate('/login');
    },
  });

  if (!me) return null;
  const base = `/w/${encodeURIComponent(current)}`;
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="brand">
          <img src="/favicon.svg" alt="" width="24" height="24" />
          <span>Tether</span>
        </div>
        <div className="switcher">
          <label htmlFor="workspace-switcher">Workspace</label>
          <select id="workspace-switcher" value={current} onChange={(e) => void navigate(`/w/${encodeURIComponent(e.target.value)}/integrations`)}>
            {me.workspaces.map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
                {w.plan === 'personal' && !/personal/i.test(w.name) ? ' (personal)' : ''}
              </option>
            ))}
          </select>
          <button type="button" onClick={() => setCreating(true)}>
            New workspace
          </button>
        </div>
        <div className="user">
          <span className="muted" title={me.user.email}>
            {me.user.name ?? me.user.email}
          </span>
          <button type="button" onClick={() => logout.mutate()} disabled={logout.isPending}>
            Sign out
          </button>
        </div>
      </header>
      <nav className="nav" aria-label="Main">
        <NavLink to={`${base}/integrations`}>Integrations</NavLink>
        <NavLink to={`${base}/shared`}>Shared connections</NavLink>
        <NavLink to={`${base}/workflows`}>Workflows</NavLink>
        <NavLink to={`${base}/audit`}>Audit log</NavLink>
        <NavLink to={`${base}/members`}>Members</NavLink>
        {currentRole === 'owner' || currentRole === 'admin' ? <NavLink to={`${base}/webhooks`}>Webhooks</NavLink> : null}
        {me.user.isAdmin ? <NavLink to="/admin/oauth">Admin → OAuth credentials</NavLink> : null}
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        <Outlet />
      </main>
      <CreateWorkspace open={creating} onClose={() => setCreating(false)} />
    </div>
  );
}

/** Pages of one workspace; on a `personal` plan the connection and workflow pages explain the plan instead. */
export function WorkspaceGate() {
  const current = useWorkspace();
  const location = useLocation();
  if (!current) return <p role="alert">This workspace does not exist or you are not a member of it.</p>;
  const section = location.pathname.split('/')[3] ?? '';
  if (current.workspace.plan === 'personal' && ['integrations', 'shared', 'workflows'].includes(section)) {
    return <PlanNotice workspace={current.workspace} isAdmin={current.me.user.isAdmin} />;
  }
  return <Outlet />;
}

function PlanNotice({ workspace, isAdmin }: { workspace: Workspace; isAdmin: boolean }) {
  const queryClient = useQueryClient();
  const [creating, setCreating] = useState(false);
  const upgrade = useMutation({
    mutationFn: () => api.patch(`/api/v1/admin/workspaces/${encodeURIComponent(workspace.id)}`, { plan: 'workspace' }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: meKey }),
  });
  return (
    <section className="notice" aria-labelledby="plan-title">
      <h1 id="plan-title">Connections need the Workspace plan</h1>
      <p>
        “{workspace.name}” is a personal workspace: it holds your account only. Connections, sharing and workflows need a workspace on the{' '}
        <strong>Workspace</strong> plan.
      </p>
      <p className="upgrade-hint">
        To connect accounts, create a workspace (you become its owner, on the Workspace plan){isAdmin ? ', or upgrade this one' : ', or ask an instance administrator to upgrade this one'}.
      </p>
      <div className="actions">
        <button type="button" className="primary" onClick={() => setCreating(true)}>
          Create a workspace
        </button>
        {isAdmin ? (
          <button type="button" onClick={() => upgrade.mutate()} disabled={upgrade.isPending}>
            Upgrade this workspace
          </button>
        ) : null}
      </div>
      <ErrorNote error={upgrade.error} />
      <CreateWorkspace open={creating} onClose={() => setCreating(false)} />
    </section>
  );
}

function CreateWorkspace({ open, onClose }: { open: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const create = useMutation({
    mutationFn: (n: string) => api.post<Workspace>('/api/v1/workspaces', { name: n }),
    onSuccess: async (ws) => {
      await queryClient.invalidateQueries({ queryKey: meKey });
      setName('');
      onClose();
      void navigate(`/w/${encodeURIComponent(ws.id)}/integrations`);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(name.trim());
  };
  return (
    <Dialog open={open} title="New workspace" onClose={onClose}>
      <form onSubmit={submit}>
        <Field label="Workspace name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} autoFocus />
        <ErrorNote error={create.error} />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={create.isPending || name.trim() === ''}>
            Create workspace
          </button>
        </div>
      </form>
    </Dialog>
  );
}
