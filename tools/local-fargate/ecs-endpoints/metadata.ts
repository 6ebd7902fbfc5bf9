// Docker's facts about the task's containers, in ECS's words: the task
// metadata endpoint v4's container and task documents.
import type { ContainerInspect } from './docker.ts';
import type { ContainerMetadata, TaskMetadata } from './schemas.ts';

/** What the task definition and the local task say about the task as a whole. */
export interface TaskFacts {
  readonly cluster: string;
  readonly taskArn: string;
  readonly family: string;
  readonly revision: string;
  readonly availabilityZone: string;
  /** CPU units (1024 to a vCPU) and MiB. */
  readonly limits: { readonly cpu: number; readonly memory: number };
  /** The task's address: its containers share one network namespace, as in awsvpc mode. */
  readonly address: string;
}

const CPU_UNITS_PER_VCPU = 1024;
const MIB = 1024 * 1024;
// Docker writes this for a time that never came (a container never started or stopped).
const ZERO_TIME = '0001-01-01T00:00:00Z';

/** The label compose gives a container: its service, which is also its name in the task definition. */
export const SERVICE_LABEL = 'com.docker.compose.service';

// Docker's states, in ECS's: paused and restarting containers still belong to a running task.
const KNOWN_STATUS: Readonly<Record<string, string>> = {
  created: 'CREATED',
  running: 'RUNNING',
  paused: 'RUNNING',
  restarting: 'RUNNING',
  removing: 'STOPPED',
  exited: 'STOPPED',
  dead: 'STOPPED',
};

const HEALTH_STATUS: Readonly<Record<string, string>> = { healthy: 'HEALTHY', unhealthy: 'UNHEALTHY' };

/** ECS's KnownStatus for a container in this Docker state. */
export const knownStatus = (container: ContainerInspect) => KNOWN_STATUS[container.State.Status] ?? 'NONE';

/**
 * The container's CPU in CPU units: its weight (`cpu_shares`, as under
 * compose:fargate and on Fargate), else its cap (`cpus`, as plain compose
 * gives it) in the same units.
 */
function cpuUnits(container: ContainerInspect): number {
  const { CpuShares, NanoCpus } = container.HostConfig;
  if (CpuShares > 0) return CpuShares;
  return Math.round((NanoCpus / 1e9) * CPU_UNITS_PER_VCPU);
}

function health(container: ContainerInspect): ContainerMetadata['Health'] {
  const checked = container.State.Health;
  if (checked === undefined) return undefined;
  const status = HEALTH_STATUS[checked.Status] ?? 'UNKNOWN';
  const last = checked.Log?.at(-1);
  // As ECS does, the failing check's exit code and output.
  return status === 'UNHEALTHY' && last !== undefined ? { status, exitCode: last.ExitCode, output: last.Output.slice(0, 1024) } : { status };
}

const time = (value: string) => (value === '' || value === ZERO_TIME ? undefined : value);

export function containerMetadata(container: ContainerInspect, task: TaskFacts): ContainerMetadata {
  const name = container.Config.Labels[SERVICE_LABEL] ?? container.Name.replace(/^\//, '');
  const status = knownStatus(container);
  const logOptions = container.HostConfig.LogConfig.Config;
  const memory = container.HostConfig.Memory;
  return {
    DockerId: container.Id,
    Name: name,
    DockerName: container.Name.replace(/^\//, ''),
    Image: container.Config.Image,
    ImageID: container.Image,
    // The labels ECS gives every container of a task; not compose's, which name host paths.
    Labels: {
      'com.amazonaws.ecs.cluster': task.cluster,
      'com.amazonaws.ecs.container-name': name,
      'com.amazonaws.ecs.task-arn': task.taskArn,
      'com.amazonaws.ecs.task-definition-family': task.family,
      'com.amazonaws.ecs.task-definition-version': task.revision,
    },
    DesiredStatus: 'RUNNING',
    KnownStatus: status,
    ...(status === 'STOPPED' && { ExitCode: container.State.ExitCode }),
    Limits: { CPU: cpuUnits(container), ...(memory > 0 && { Memory: Math.round(memory / MIB) }) },
    CreatedAt: container.Created,
    ...optional('StartedAt', time(container.State.StartedAt)),
    ...(status === 'STOPPED' && optional('FinishedAt', time(container.State.FinishedAt))),
    Type: 'NORMAL',
    ...optional('Health', health(container)),
    Networks: [{ NetworkMode: 'awsvpc', IPv4Addresses: [task.address] }],
    LogDriver: container.HostConfig.LogConfig.Type,
    ...(Object.keys(logOptions).length > 0 && { LogOptions: logOptions }),
    RestartCount: container.RestartCount,
  };
}

/** The task: RUNNING once every container runs, STOPPED once one has stopped, PENDING before. */
export function taskMetadata(containers: readonly ContainerInspect[], task: TaskFacts): TaskMetadata {
  const statuses = containers.map(knownStatus);
  const known = statuses.includes('STOPPED') ? 'STOPPED' : statuses.length > 0 && statuses.every((s) => s === 'RUNNING') ? 'RUNNING' : 'PENDING';
  return {
    Cluster: task.cluster,
    TaskARN: task.taskArn,
    Family: task.family,
    Revision: task.revision,
    DesiredStatus: 'RUNNING',
    KnownStatus: known,
    Limits: { CPU: task.limits.cpu / CPU_UNITS_PER_VCPU, Memory: task.limits.memory },
    AvailabilityZone: task.availabilityZone,
    LaunchType: 'FARGATE',
    Containers: containers.map((container) => containerMetadata(container, task)),
  };
}

// An optional field under exactOptionalPropertyTypes: absent, never undefined.
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
