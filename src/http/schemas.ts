import { Type } from 'typebox';

/** Shared JSON Schemas: they validate requests, shape responses and become /openapi.json. */
export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'stable snake_case error code' }),
      message: Type.String({ description: 'a sentence for people' }),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  },
  { $id: 'Error', description: 'Every error answer has this shape' },
);

export const ErrorRef = Type.Ref('Error');

export const Email = Type.String({ format: 'email', maxLength: 320 });
export const Password = Type.String({ minLength: 8, maxLength: 1024, description: 'at least 8 characters' });
export const Name = Type.String({ minLength: 1, maxLength: 200 });
export const Id = Type.String({ minLength: 1, maxLength: 100 });
/** Dates leave the services as `Date` and are serialised as ISO-8601 UTC strings. */
export const DateTime = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });

export const UserSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  isAdmin: Type.Boolean(),
});

export const Role = Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('member')]);
export const Plan = Type.Union([Type.Literal('personal'), Type.Literal('workspace')]);

export const WorkspaceSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Role,
  plan: Plan,
});

/** Standard error answers a route can give, for the OpenAPI document. */
export function errors(...statuses: number[]): Record<number, typeof ErrorRef> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorRef]));
}
