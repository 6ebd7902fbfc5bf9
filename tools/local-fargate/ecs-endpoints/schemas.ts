// What the endpoints answer, in the shapes AWS documents for Fargate (task
// metadata endpoint v4; the container credentials endpoint). The response
// schemas also serialize: a field not named here is never sent.
import { Type, type Static } from 'typebox';

/** A container's id in its ECS_CONTAINER_METADATA_URI_V4: its name in the task definition (and its compose service). */
export const MetadataParams = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,255}$' }) }, { additionalProperties: false });

/** The id in AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, /v2/credentials/{id}. */
export const CredentialsParams = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9-]{1,128}$' }) }, { additionalProperties: false });

export const Credentials = Type.Object({
  AccessKeyId: Type.String(),
  SecretAccessKey: Type.String(),
  Token: Type.String(),
  Expiration: Type.String({ description: 'RFC 3339, UTC' }),
  RoleArn: Type.String(),
});

const Network = Type.Object({
  NetworkMode: Type.String(),
  IPv4Addresses: Type.Array(Type.String()),
});

export const ContainerMetadata = Type.Object({
  DockerId: Type.String(),
  Name: Type.String({ description: "The container's name in the task definition" }),
  DockerName: Type.String(),
  Image: Type.String(),
  ImageID: Type.String(),
  Labels: Type.Record(Type.String(), Type.String()),
  DesiredStatus: Type.String(),
  KnownStatus: Type.String({ description: 'CREATED, RUNNING or STOPPED' }),
  ExitCode: Type.Optional(Type.Integer()),
  Limits: Type.Object({
    CPU: Type.Number({ description: 'CPU units, 1024 to a vCPU' }),
    Memory: Type.Optional(Type.Integer({ description: 'MiB' })),
  }),
  CreatedAt: Type.String(),
  StartedAt: Type.Optional(Type.String()),
  FinishedAt: Type.Optional(Type.String()),
  Type: Type.String(),
  Health: Type.Optional(
    Type.Object({
      status: Type.String({ description: 'HEALTHY, UNHEALTHY or UNKNOWN' }),
      exitCode: Type.Optional(Type.Integer()),
      output: Type.Optional(Type.String()),
    }),
  ),
  Networks: Type.Array(Network),
  LogDriver: Type.String(),
  LogOptions: Type.Optional(Type.Record(Type.String(), Type.String())),
  RestartCount: Type.Integer(),
});
export type ContainerMetadata = Static<typeof ContainerMetadata>;

export const TaskMetadata = Type.Object({
  Cluster: Type.String(),
  TaskARN: Type.String(),
  Family: Type.String(),
  Revision: Type.String(),
  DesiredStatus: Type.String(),
  KnownStatus: Type.String(),
  Limits: Type.Object({
    CPU: Type.Number({ description: 'vCPU' }),
    Memory: Type.Integer({ description: 'MiB' }),
  }),
  AvailabilityZone: Type.String(),
  LaunchType: Type.String(),
  Containers: Type.Array(ContainerMetadata),
});
export type TaskMetadata = Static<typeof TaskMetadata>;

/** Docker's stats JSON for a container, as Docker writes it; null for one that is not running. */
export const ContainerStats = Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]);

/** The task's containers' stats, by DockerId. */
export const TaskStats = Type.Record(Type.String(), ContainerStats);

export const ErrorBody = Type.Object({ code: Type.String(), message: Type.String() });
