import { Type } from 'typebox';
import type { App } from '../app.ts';
import { actorOf } from '../auth.ts';
import { Id, Name, errors } from '../schemas.ts';
import { actionCatalog } from '../../services/runs.ts';

const ConnectionRefBody = Type.Union([Type.Null(), Type.Object({ id: Id, via: Type.Union([Type.Literal('personal'), Type.Literal('workspace')]) }, { additionalProperties: false })]);
const Scope = Type.String({ minLength: 1, maxLength: 512, pattern: '^\\S+$' });

const NodeSchema = Type.Object(
  {
    id: Type.String(),
    action: Type.String(),
    scopes: Type.Array(Type.String()),
    connection: Type.Union([Type.Null(), Type.Object({ id: Type.String(), via: Type.Union([Type.Literal('personal'), Type.Literal('workspace')]) })]),
    params: Type.Record(Type.String(), Type.Unknown()),
    credentialStatus: Type.Union([Type.Literal('ok'), Type.Literal('invalid')]),
    invalidReason: Type.Optional(Type.String()),
  },
  { $id: 'Node' },
);
const WorkflowSchema = Type.Object(
  {
    id: Type.String(),
    workspaceId: Type.String(),
    name: Type.String(),
    ownerId: Type.String(),
    status: Type.Union([Type.Literal('ok'), Type.Literal('needs_attention')]),
    nodes: Type.Array(Type.Ref('Node')),
  },
  { $id: 'Workflow' },
);

export function workflowRoutes(app: App): void {
  const { workflows, runs, workspaces, impact } = app.deps.services;
  app.addSchema(NodeSchema);
  app.addSchema(WorkflowSchema);

  app.get(
    '/api/v1/actions',
    {
      schema: {
        tags: ['workflows'],
        summary: 'The built-in workflow actions and their parameters (any signed-in user)',
        response: {
          200: Type.Array(
            Type.Object({
              name: Type.String(),
              displayName: Type.String(),
              description: Type.String(),
              domains: Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'the providers it works with; null for any provider with an API base URL' }),
              params: Type.Array(
                Type.Object({
                  name: Type.String(),
                  label: Type.String(),
                  required: Type.Boolean(),
                  kind: Type.Union([Type.Literal('text'), Type.Literal('list'), Type.Literal('choice')], { description: 'list: an array of strings' }),
                  options: Type.Optional(Type.Array(Type.String())),
                  default: Type.Optional(Type.String()),
                }),
              ),
            }),
          ),
          ...errors(401),
        },
      },
    },
    async (request) => {
      actorOf(request);
      return actionCatalog.map((a) => ({ ...a, domains: a.domains === null ? null : [...a.domains], params: a.params.map(({ options, ...p }) => ({ ...p, ...(options ? { options: [...options] } : {}) })) }));
    },
  );

  app.post(
    '/api/v1/workspaces/:ws/workflows',
    {
      schema: {
        tags: ['workflows'],
        summary: 'Create a workflow; every node connection is checked against what the caller may use',
        params: Type.Object({ ws: Id }),
        body: Type.Object(
          {
            name: Name,
            nodes: Type.Array(
              Type.Object(
                {
                  id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' })),
                  action: Type.String({ minLength: 1, maxLength: 100 }),
                  scopes: Type.Optional(Type.Array(Scope, { maxItems: 100 })),
                  params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
                  connection: ConnectionRefBody,
                },
                { additionalProperties: false },
              ),
              { maxItems: 200 },
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Ref('Workflow'), ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => reply.status(201).send(await workflows.create(actorOf(request), request.params.ws, request.body)),
  );

  app.get(
    '/api/v1/workspaces/:ws/workflows',
    { schema: { tags: ['workflows'], summary: "The workspace's workflows", params: Type.Object({ ws: Id }), response: { 200: Type.Array(Type.Ref('Workflow')), ...errors(401, 403, 404) } } },
    async (request) => workflows.list(actorOf(request), request.params.ws),
  );

  app.get(
    '/api/v1/workflows/:id',
    { schema: { tags: ['workflows'], summary: 'One workflow with its nodes', params: Type.Object({ id: Id }), response: { 200: Type.Ref('Workflow'), ...errors(401, 403, 404) } } },
    async (request) => workflows.get(actorOf(request), request.params.id),
  );

  app.patch(
    '/api/v1/workflows/:id/nodes/:nodeId',
    {
      schema: {
        tags: ['workflows'],
        summary: "Select a node's connection (workflow owner); a valid replacement makes the node ok again",
        params: Type.Object({ id: Id, nodeId: Id }),
        body: Type.Object({ connection: ConnectionRefBody }, { additionalProperties: false }),
        response: { 200: Type.Ref('Node'), ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => workflows.setNodeConnection(actorOf(request), request.params.id, request.params.nodeId, request.body.connection),
  );

  app.post(
    '/api/v1/workflows/:id/run',
    {
      schema: {
        tags: ['workflows'],
        summary: 'Run a workflow (owner); nothing runs when a node credential is invalid (409 credential_invalid)',
        params: Type.Object({ id: Id }),
        body: Type.Optional(Type.Object({ input: Type.Optional(Type.Unknown()) }, { additionalProperties: false })),
        response: {
          200: Type.Object({
            runId: Type.String(),
            status: Type.Union([Type.Literal('succeeded'), Type.Literal('failed')]),
            steps: Type.Array(Type.Object({ nodeId: Type.String(), status: Type.String(), error: Type.Optional(Type.String()), output: Type.Optional(Type.Unknown()) })),
          }),
          ...errors(401, 403, 404, 409),
        },
      },
    },
    async (request) => runs.run(actorOf(request), request.params.id, request.body?.input),
  );

  app.get(
    '/api/v1/workspaces/:ws/members/:userId/impact',
    {
      schema: {
        tags: ['workspaces'],
        summary: "Which workflows and nodes removing this member would break (their shared connections are unshared)",
        params: Type.Object({ ws: Id, userId: Id }),
        response: {
          200: Type.Object({ workflows: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), ownerId: Type.String(), nodes: Type.Array(Type.Object({ id: Type.String(), action: Type.String() })) })) }),
          ...errors(401, 403, 404),
        },
      },
    },
    async (request) => {
      await workspaces.requireMembership(actorOf(request), request.params.ws, { plan: 'workspace' });
      return { workflows: await impact.preview({ kind: 'member_removed', workspaceId: request.params.ws, userId: request.params.userId }) };
    },
  );
}
