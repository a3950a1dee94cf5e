import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { ApiError, api, seg } from '../api.ts';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { Field } from '../components/Field.tsx';
import { ImpactConfirm } from '../components/ImpactConfirm.tsx';
import { meKey, useMembers, usePeople, useWorkspace } from '../session.ts';
import type { Member, Role } from '../types.ts';

/** Members of a workspace: who is in it, adding people, and removing them after seeing the impact. */
export function Members() {
  const current = useWorkspace();
  const ws = current?.workspace.id ?? '';
  const members = useMembers(ws);
  const person = usePeople(ws, current?.me.user.id);
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [removing, setRemoving] = useState<Member | null>(null);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('member');

  const add = useMutation({
    mutationFn: () => api.post(`/api/v1/workspaces/${seg(ws)}/members`, { email: email.trim(), role }),
    onSuccess: async () => {
      setEmail('');
      await queryClient.invalidateQueries({ queryKey: ['members', ws] });
    },
  });

  if (!current) return null;
  const { me, workspace } = current;
  const canManage = workspace.role === 'owner' || workspace.role === 'admin';
  const fields = add.error instanceof ApiError ? add.error.fieldErrors() : {};

  const remove = async (member: Member) => {
    await api.del(`/api/v1/workspaces/${seg(ws)}/members/${seg(member.userId)}`);
    await queryClient.invalidateQueries({ queryKey: ['members', ws] });
    await queryClient.invalidateQueries({ queryKey: ['connections'] });
    await queryClient.invalidateQueries({ queryKey: ['workflows'] });
    if (member.userId === me.user.id) {
      await queryClient.invalidateQueries({ queryKey: meKey });
      void navigate('/');
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate();
  };

  return (
    <section aria-labelledby="members-title">
      <h1 id="members-title">Members of {workspace.name}</h1>
      <p className="muted">
        You are {workspace.role === 'owner' ? 'an owner' : workspace.role === 'admin' ? 'an admin' : 'a member'} of this workspace ({workspace.plan === 'workspace' ? 'Workspace plan' : 'personal plan'}).
      </p>
      <ErrorNote error={members.error} />
      {members.data ? (
        <table className="table">
          <caption className="sr-only">Members</caption>
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {members.data.map((m) => (
              <tr key={m.userId}>
                <td data-label="Email">{m.email}</td>
                <td data-label="Role">{m.role}</td>
                <td className="row-actions">
                  {m.userId === me.user.id ? (
                    workspace.plan === 'workspace' ? (
                      <button type="button" onClick={() => setRemoving(m)}>
                        Leave workspace
                      </button>
                    ) : null
                  ) : canManage ? (
                    <button type="button" className="danger" onClick={() => setRemoving(m)} aria-label={`Remove ${m.email}`}>
                      Remove
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}

      {canManage && workspace.plan === 'workspace' ? (
        <form className="card form-inline" onSubmit={submit} aria-labelledby="add-member-title">
          <h2 id="add-member-title">Add a member</h2>
          <p className="muted">The person needs a Tether account on this instance.</p>
          <Field label="Email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} required error={fields.email} />
          <div className="field">
            <label htmlFor="member-role">Role</label>
            <select id="member-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
              <option value="member">Member</option>
              <option value="admin">Admin</option>
              {workspace.role === 'owner' ? <option value="owner">Owner</option> : null}
            </select>
          </div>
          <ErrorNote error={add.error} />
          <button type="submit" className="primary" disabled={add.isPending || email.trim() === ''}>
            Add member
          </button>
        </form>
      ) : null}

      <ImpactConfirm
        open={removing !== null}
        title={removing?.userId === me.user.id ? 'Leave this workspace?' : `Remove ${removing?.email ?? ''}?`}
        description={
          removing?.userId === me.user.id
            ? 'Your connections will no longer be shared with this workspace, and workflows that use them will stop working.'
            : 'Their connections will no longer be shared with this workspace, and workflows that use them will stop working.'
        }
        impactPath={removing ? `/api/v1/workspaces/${seg(ws)}/members/${seg(removing.userId)}/impact` : ''}
        confirmLabel={removing?.userId === me.user.id ? 'Leave workspace' : 'Remove member'}
        onConfirm={() => (removing ? remove(removing) : Promise.resolve())}
        onClose={() => setRemoving(null)}
        person={person}
      />
    </section>
  );
}
