// The Fargate task, described once: two containers sharing one network
// namespace. tools/task-definition/render.ts writes its synthesized form to JSON,
// and compose-drift.ts holds docker-compose.yml to that.
import { Aws, Duration, Size, Stack, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  AwsLogDriverMode,
  Capability,
  ContainerDependencyCondition,
  CpuArchitecture,
  FargateTaskDefinition,
  LinuxParameters,
  LogDrivers,
  OperatingSystemFamily,
  Protocol,
  type ContainerDefinition,
  type ContainerDefinitionOptions,
  type ContainerImage,
  type HealthCheck,
} from 'aws-cdk-lib/aws-ecs';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { TObject } from 'typebox';
import { BackendEnv, loadBackendConfig } from '../services/backend/config.ts';
import { FrontendEnv, loadFrontendConfig } from '../services/frontend/config.ts';
import type { ServiceConfig } from '../services/shared/config.ts';
import { defaultOf, type Env } from '../services/shared/load-config.ts';

// The task sets neither PORT nor HOST: each service listens where its own
// defaults say, so the ports below are read from the services' schemas, not repeated.
export const BACKEND_PORT = defaultOf(BackendEnv, 'PORT');
export const FRONTEND_PORT = defaultOf(FrontendEnv, 'PORT');

export type ContainerName = 'backend' | 'frontend';

/** A container of the task, with what the task definition cannot say about it. */
export interface ContainerSource {
  /** The Dockerfile its image is built from, relative to the repository root. */
  readonly dockerfile: string;
  /** Its service's environment schema: its keys are the only variables worth setting. */
  readonly schema: TObject;
  /** How its service reads that environment (to check the one the task gives it). */
  readonly loadConfig: (env: Env) => ServiceConfig;
}

export const CONTAINER_SOURCES: Readonly<Record<ContainerName, ContainerSource>> = {
  backend: { dockerfile: 'Dockerfile.backend', schema: BackendEnv, loadConfig: loadBackendConfig },
  frontend: { dockerfile: 'Dockerfile.frontend', schema: FrontendEnv, loadConfig: loadFrontendConfig },
};

/**
 * The health check of both containers: services/healthcheck.sh, plain bash
 * (the slim Node image has no curl, and starting node every few seconds
 * would cost the task a noticeable share of its quarter vCPU). It gives up on
 * the service after 2 s, inside the 3 s timeout. Every 5 s, ECS's shortest
 * interval: Docker runs the first check one interval after the start, and
 * three misses mark a container unhealthy within about 15 s.
 */
function healthCheck(port: number, path: string, startPeriodSeconds: number): HealthCheck {
  return {
    command: ['CMD', 'bash', 'services/healthcheck.sh', String(port), path],
    interval: Duration.seconds(5),
    timeout: Duration.seconds(3),
    retries: 3,
    startPeriod: Duration.seconds(startPeriodSeconds),
  };
}

export interface TaskProps {
  /** Names the task family and the log streams' prefix. */
  readonly name: string;
  readonly images: Readonly<Record<ContainerName, ContainerImage>>;
  readonly logGroup: ILogGroup;
  /** The ARN of the internal-token secret, which both services read at run time. */
  readonly secretArn: string;
  readonly cpuArchitecture: CpuArchitecture;
  /**
   * ECS Exec's agent writes into the container's filesystem: with it on, the
   * root filesystems are writable (docs/deploy.md: "ECS Exec").
   */
  readonly writableRootFilesystem: boolean;
}

export class Task extends Construct {
  readonly definition: FargateTaskDefinition;
  /** The container the load balancer sends requests to. */
  readonly frontend: ContainerDefinition;

  constructor(scope: Construct, id: string, props: TaskProps) {
    super(scope, id);

    // What the services' own AWS calls run as. Only ECS tasks of this account
    // may assume it (the confused-deputy conditions); the stack grants it the secret.
    const taskRole = new Role(this, 'TaskRole', {
      description: 'The containers read the internal-token secret, and nothing else',
      assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com', {
        conditions: {
          ArnLike: { 'aws:SourceArn': Stack.of(this).formatArn({ service: 'ecs', resource: '*' }) },
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        },
      }),
    });

    this.definition = new FargateTaskDefinition(this, 'Definition', {
      family: props.name,
      taskRole,
      // 0.5 vCPU, with the least memory Fargate gives it: measured cheaper per
      // request than 0.25 vCPU, where the idle work (health checks, timers)
      // and a new task's compiling take a larger share of the quota
      // (`node tools/bench/compose-capacity.ts`, docs/performance.md).
      cpu: 512,
      memoryLimitMiB: 1024,
      runtimePlatform: { cpuArchitecture: props.cpuArchitecture, operatingSystemFamily: OperatingSystemFamily.LINUX },
    });
    Validations.of(this.definition).acknowledge({
      id: 'AwsSolutions::AwsSolutions-ECS2',
      reason: 'The variables are configuration, not secrets: LOG_LEVEL, BACKEND_URL and SECRET_ID, the ARN of the secret (not its value)',
    });
    // CDK creates the execution role (pull the images, write the logs) as the task needs it.
    Validations.of(this.definition.obtainExecutionRole()).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken is account-wide: it has no resource to scope (the pulls themselves are scoped to repositories)',
    });

    const linuxParameters = new LinuxParameters(this, 'LinuxParameters', {
      // An init process as PID 1, as `docker run --init` gives: it passes signals
      // on to node and reaps orphaned processes, which node as PID 1 would not.
      initProcessEnabled: true,
    });
    // Node needs no Linux capability; compose drops them all too.
    linuxParameters.dropCapabilities(Capability.ALL);

    const bothContainers = {
      essential: true,
      // The image's `node` user: nothing in the task runs as root.
      user: '1000:1000',
      readonlyRootFilesystem: !props.writableRootFilesystem,
      linuxParameters,
      // ECS sends SIGTERM, waits stopTimeout, then SIGKILL. The services drain
      // within SHUTDOWN_TIMEOUT_MS (10 s by default), well inside it.
      stopTimeout: Duration.seconds(30),
      // A container that exits is restarted in place, the other one and the
      // task's network untouched, instead of stopping the whole task (both
      // containers are essential). Only one that ran for the attempt period
      // (ECS's shortest, 60 s): one crashing at start still stops the task.
      enableRestartPolicy: true,
      restartAttemptPeriod: Duration.seconds(60),
      // Half the task's CPU each, as a weight. 256 MiB each: the measured
      // high-water marks stay under 110 MiB; the rest of the task's memory is
      // headroom for the task as a whole (docs/performance.md).
      cpu: 256,
      memoryLimitMiB: 256,
      logging: LogDrivers.awsLogs({
        logGroup: props.logGroup,
        // Streams are named prefix/container/task-id.
        streamPrefix: props.name,
        // Non-blocking: when CloudWatch Logs is slow, lines beyond the 4 MiB
        // buffer are dropped; blocking would stall node's writes to stdout,
        // and with them every request, with nothing said.
        mode: AwsLogDriverMode.NON_BLOCKING,
        maxBufferSize: Size.mebibytes(4),
      }),
    } satisfies Partial<ContainerDefinitionOptions>;

    // SECRET_ID names the secret both services read with the SDK and the task
    // role at run time: the token itself never enters the task definition.
    const backend = this.definition.addContainer('backend', {
      containerName: 'backend',
      image: props.images.backend,
      ...bothContainers,
      // No portMappings: the backend listens on 127.0.0.1, which only the other
      // containers of the task (they share its network namespace) can reach.
      healthCheck: healthCheck(BACKEND_PORT, '/health', 10),
      environment: { LOG_LEVEL: 'info', SECRET_ID: props.secretArn },
    });

    const frontend = (this.frontend = this.definition.addContainer('frontend', {
      containerName: 'frontend',
      image: props.images.frontend,
      ...bothContainers,
      portMappings: [{ containerPort: FRONTEND_PORT, protocol: Protocol.TCP }],
      // Liveness only: the process answers. Readiness (the backend answers too) is
      // the load balancer's check, so a slow or hung backend never makes ECS
      // stop a frontend that would serve again once the backend recovers.
      healthCheck: healthCheck(FRONTEND_PORT, '/health/live', 15),
      environment: { LOG_LEVEL: 'info', BACKEND_URL: `http://localhost:${BACKEND_PORT}`, SECRET_ID: props.secretArn },
    }));
    // Start after the backend has started, not once it is healthy: waiting for
    // HEALTHY would delay every new task by one health-check interval, and the
    // load balancer's readiness check already waits for the backend. ECS stops
    // containers in reverse order, so the frontend stops first and drains
    // while the backend still answers (docs/parity.md: time to serve).
    frontend.addContainerDependencies({ container: backend, condition: ContainerDependencyCondition.START });
  }
}
