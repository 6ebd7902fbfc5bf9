import { Type, type Static } from 'typebox';

// The contract both services validate against. The frontend checks the same
// rules as the backend so a bad name is a 400 before any backend call.

export const NAME_RULE = '1 to 64 characters: letters, digits, space, "-", "_" or "."';

export const HelloQuery = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\p{L}\\p{Nd} ._-]+$', description: NAME_RULE }),
  },
  { additionalProperties: false },
);
export type HelloQuery = Static<typeof HelloQuery>;

export const Identity = Type.Object({
  service: Type.String(),
  hostname: Type.String(),
  pid: Type.Integer(),
  taskArn: Type.Optional(Type.String()),
  availabilityZone: Type.Optional(Type.String()),
});
export type Identity = Static<typeof Identity>;

export const BackendHello = Type.Object({
  greeting: Type.String(),
  servedBy: Identity,
});
export type BackendHello = Static<typeof BackendHello>;

export const Health = Type.Object({
  status: Type.String(),
});

/** Every error either service sends: Fastify's own shape plus a stable `code`. */
export const ErrorBody = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  code: Type.String(),
  message: Type.String(),
});
export type ErrorBody = Static<typeof ErrorBody>;

export const errorResponses = { '4xx': ErrorBody, '5xx': ErrorBody } as const;

export const FrontendHello = Type.Object({
  backend: BackendHello,
  frontend: Identity,
  hopMs: Type.Number({ description: 'Duration of the localhost call to the backend, in milliseconds' }),
});

/** One container of the task: what it used over the endpoint's last interval, and its memory limit. */
export const ContainerUsage = Type.Object({
  name: Type.String(),
  cpu: Type.Union([Type.Number(), Type.Null()], { description: 'vCPU used over the last interval; null before a first sample (a container just started)' }),
  memoryMiB: Type.Union([Type.Number(), Type.Null()], { description: 'MiB used, without reclaimable page cache, as `docker stats` counts it; null before a first sample' }),
  memoryLimitMiB: Type.Number({ description: "The container's own memory limit, else the task's" }),
});

/** GET /api/task on the frontend: the task's size and each container's use of it, from the ECS task metadata endpoint. */
export const TaskUsage = Type.Object({
  limits: Type.Object({
    cpu: Type.Number({ description: "The task's vCPU" }),
    memoryMiB: Type.Number({ description: "The task's memory, in MiB" }),
  }),
  containers: Type.Array(ContainerUsage),
});
export type TaskUsage = Static<typeof TaskUsage>;
