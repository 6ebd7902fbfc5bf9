// The Fargate task, described once. render.ts writes it to task-definition.json,
// compose-drift.ts holds docker-compose.yml to it, and the deploy step fills its
// placeholders (placeholders.ts) and registers it.
import type { ContainerDefinition, HealthCheck, KeyValuePair, RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import { backendSettings } from '../services/backend/config.ts';
import { frontendSettings } from '../services/frontend/config.ts';
import type { serviceSettings } from '../services/shared/config.ts';
import type { Setting } from '../services/shared/env.ts';
import { placeholder } from './placeholders.ts';

export const FAMILY = 'fargate-task-reference';

/** What the service uses when the task does not set the variable. */
function defaultOf<T>(setting: Setting<T>): T {
  return setting.parse(undefined);
}

// The task sets neither PORT nor HOST: each service listens where its own
// defaults say, so the ports below are read from the services, not repeated.
const BACKEND_PORT = defaultOf(backendSettings.port);
const FRONTEND_PORT = defaultOf(frontendSettings.port);

/**
 * The health check of both containers: services/healthcheck.sh, plain bash
 * (the slim Node image has no curl, and starting node every 10 s would cost
 * each 0.125 vCPU container over a second of its CPU time). It gives up on
 * the service after 2 s, inside the 3 s timeout. Three misses 10 s apart mark
 * a container unhealthy within about 30 s.
 */
export function healthCheck(port: number, path: string, startPeriod: number): HealthCheck {
  return { command: ['CMD', 'bash', 'services/healthcheck.sh', String(port), path], interval: 10, timeout: 3, retries: 3, startPeriod };
}

function environment(variables: Readonly<Record<string, string>>): KeyValuePair[] {
  return Object.entries(variables).map(([name, value]) => ({ name, value }));
}

// SECRET_ID names the secret both services read with the SDK and the task
// role at run time: the token itself never enters the task definition.
const secretId = placeholder('SECRET_ARN');

const bothContainers = {
  essential: true,
  // The image's `node` user: nothing in the task runs as root.
  user: '1000:1000',
  readonlyRootFilesystem: true,
  // An init process as PID 1, as `docker run --init` gives: it passes signals
  // on to node and reaps orphaned processes, which node as PID 1 would not.
  linuxParameters: { initProcessEnabled: true },
  // ECS sends SIGTERM, waits stopTimeout, then SIGKILL. The services drain
  // within SHUTDOWN_TIMEOUT_MS (10 s by default), well inside it.
  stopTimeout: 30,
  // Half the task each.
  cpu: 128,
  memory: 256,
  logConfiguration: {
    logDriver: 'awslogs',
    options: {
      'awslogs-group': placeholder('LOG_GROUP'),
      'awslogs-region': placeholder('REGION'),
      // Streams are named prefix/container/task-id.
      'awslogs-stream-prefix': FAMILY,
    },
  },
} satisfies Partial<ContainerDefinition>;

const backend = {
  name: 'backend',
  image: placeholder('BACKEND_IMAGE'),
  ...bothContainers,
  // No portMappings: the backend listens on 127.0.0.1, which only the other
  // containers of the task (they share its network namespace) can reach.
  healthCheck: healthCheck(BACKEND_PORT, '/health', 10),
  environment: environment({ LOG_LEVEL: 'info', SECRET_ID: secretId }),
} satisfies ContainerDefinition;

const frontend = {
  name: 'frontend',
  image: placeholder('FRONTEND_IMAGE'),
  ...bothContainers,
  portMappings: [{ containerPort: FRONTEND_PORT, protocol: 'tcp' }],
  // Liveness only: the process answers. Readiness (the backend answers too) is
  // the load balancer's check, so a slow or hung backend never makes ECS
  // stop a frontend that would serve again once the backend recovers.
  healthCheck: healthCheck(FRONTEND_PORT, '/health/live', 15),
  // Start once the backend is healthy; ECS stops containers in reverse order,
  // so the frontend also stops first and drains while the backend still answers.
  dependsOn: [{ containerName: backend.name, condition: 'HEALTHY' }],
  environment: environment({ LOG_LEVEL: 'info', BACKEND_URL: `http://localhost:${BACKEND_PORT}`, SECRET_ID: secretId }),
} satisfies ContainerDefinition;

/** A container of the task, with what the task definition cannot say about it. */
export interface TaskContainer {
  readonly definition: ContainerDefinition & { readonly name: string };
  /** The Dockerfile its image is built from, relative to the repository root. */
  readonly dockerfile: string;
  /** The settings its service reads: the only environment variables worth setting. */
  readonly settings: ReturnType<typeof serviceSettings>;
}

export const containers: readonly TaskContainer[] = [
  { definition: backend, dockerfile: 'Dockerfile.backend', settings: backendSettings },
  { definition: frontend, dockerfile: 'Dockerfile.frontend', settings: frontendSettings },
];

export const taskDefinition = {
  family: FAMILY,
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  // The smallest Fargate size, 0.25 vCPU and 512 MiB: enough for two small Node services.
  cpu: '256',
  memory: '512',
  runtimePlatform: { cpuArchitecture: 'X86_64', operatingSystemFamily: 'LINUX' },
  // Pulls the images and ships the logs.
  executionRoleArn: placeholder('EXECUTION_ROLE_ARN'),
  // What the services' own AWS calls run as: reading the secret.
  taskRoleArn: placeholder('TASK_ROLE_ARN'),
  containerDefinitions: containers.map((container) => container.definition),
} satisfies RegisterTaskDefinitionCommandInput;
