import { Navigate, Route, Routes, useSearchParams } from 'react-router';
import { Layout, WorkspaceGate } from './Layout.tsx';
import { useMe } from './session.ts';
import { SignIn, SignUp } from './pages/Auth.tsx';
import { Integrations } from './pages/Integrations.tsx';
import { SharedConnections } from './pages/SharedConnections.tsx';
import { Workflows } from './pages/Workflows.tsx';
import { WorkflowDetail } from './pages/WorkflowDetail.tsx';
import { AuditLog } from './pages/AuditLog.tsx';
import { Members } from './pages/Members.tsx';
import { Webhooks } from './pages/Webhooks.tsx';
import { AdminOAuth } from './pages/AdminOAuth.tsx';
import { ErrorNote } from './components/ErrorNote.tsx';
import type { Me } from './types.ts';

/** The workspace to open: the one a link names, else the first with the Workspace plan. */
function defaultWorkspace(me: Me, wanted: string | null): string | null {
  if (wanted && me.workspaces.some((w) => w.id === wanted)) return wanted;
  return (me.workspaces.find((w) => w.plan === 'workspace') ?? me.workspaces[0])?.id ?? null;
}

function Home() {
  const { data: me } = useMe();
  const [params] = useSearchParams();
  if (!me) return <Navigate to="/login" replace />;
  const ws = defaultWorkspace(me, params.get('workspace'));
  if (!ws) return <p>You have no workspace.</p>;
  // The OAuth callback page comes back here with ?workspace=…&connected=… after a full-page connect.
  const connected = params.get('connected');
  return <Navigate to={`/w/${encodeURIComponent(ws)}/integrations${connected ? `?connected=${encodeURIComponent(connected)}` : ''}`} replace />;
}

export function App() {
  const me = useMe();
  if (me.isPending) return <p className="loading" aria-live="polite">Loading Tether…</p>;
  if (me.isError) return <ErrorNote error={me.error} />;
  if (!me.data) {
    return (
      <Routes>
        <Route path="/signup" element={<SignUp />} />
        <Route path="*" element={<SignIn />} />
      </Routes>
    );
  }
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route path="/w/:ws" element={<WorkspaceGate />}>
          <Route index element={<Navigate to="integrations" replace />} />
          <Route path="integrations" element={<Integrations />} />
          <Route path="shared" element={<SharedConnections />} />
          <Route path="workflows" element={<Workflows />} />
          <Route path="workflows/:id" element={<WorkflowDetail />} />
          <Route path="audit" element={<AuditLog />} />
          <Route path="members" element={<Members />} />
          <Route path="webhooks" element={<Webhooks />} />
        </Route>
        <Route path="/admin/oauth" element={me.data.user.isAdmin ? <AdminOAuth /> : <p>Only instance administrators can manage OAuth credentials.</p>} />
        <Route path="*" element={<Home />} />
      </Route>
    </Routes>
  );
}
