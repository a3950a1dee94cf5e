import { Type } from 'typebox';
import type { App } from '../app.ts';
import { actorOf } from '../auth.ts';
import { AppError } from '../../core/errors.ts';
import { WorkflowsRepo } from '../../store/workflows.ts';
import { DateTime, Id, errors } from '../schemas.ts';

export function notificationRoutes(app: App): void {
  const repo = new WorkflowsRepo(app.deps.db);

  app.get(
    '/api/v1/notifications',
    {
      schema: {
        tags: ['notifications'],
        summary: "The caller's notifications, newest first",
        querystring: Type.Object({ unread: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])) }, { additionalProperties: false }),
        response: {
          200: Type.Array(
            Type.Object({
              id: Type.String(),
              at: DateTime,
              kind: Type.String(),
              message: Type.String(),
              workspaceId: Type.String(),
              workflowId: Type.Optional(Type.String()),
              nodeId: Type.Optional(Type.String()),
              connectionId: Type.Optional(Type.String()),
              read: Type.Boolean(),
            }),
          ),
          ...errors(401),
        },
      },
    },
    async (request) => {
      const rows = await repo.listNotifications(actorOf(request).userId, request.query.unread === 'true');
      return rows.map((r) => ({
        id: r.id,
        at: r.at,
        kind: r.kind,
        message: r.message,
        workspaceId: r.workspace_id,
        ...(r.workflow_id === null ? {} : { workflowId: r.workflow_id }),
        ...(r.node_id === null ? {} : { nodeId: r.node_id }),
        ...(r.connection_id === null ? {} : { connectionId: r.connection_id }),
        read: r.read,
      }));
    },
  );

  app.post(
    '/api/v1/notifications/:id/read',
    { schema: { tags: ['notifications'], summary: 'Mark a notification read', params: Type.Object({ id: Id }), response: { 204: Type.Null(), ...errors(401, 404) } } },
    async (request, reply) => {
      if (!(await repo.markRead(actorOf(request).userId, request.params.id))) throw new AppError('not_found', 'No such notification.');
      return reply.status(204).send(null);
    },
  );
}
