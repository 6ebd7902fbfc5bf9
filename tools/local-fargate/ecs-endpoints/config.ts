// The endpoints' settings: one TypeBox schema whose keys are the environment
// variables read (as the services' config.ts), validated once at start-up,
// and the facts read from the rendered task definition.
import { readFileSync } from 'node:fs';
import { Type } from 'typebox';
import { ConfigError, loadConfig, type Env } from '../../../services/shared/load-config.ts';

export const ENDPOINTS_ENV = Type.Object({
  HOST: Type.String({
    default: '169.254.170.2',
    pattern: '^[A-Za-z0-9.:_-]{1,253}$',
    title: 'an IP address, such as 169.254.170.2',
    description: "ECS's endpoints' address; port 80 on the task's other addresses stays free for the apps.",
  }),
  PORT: Type.Integer({ default: 80, minimum: 0, maximum: 65_535, description: 'The SDKs call http://169.254.170.2, port 80.' }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info', description: 'The least severe level logged.' },
  ),
  COMPOSE_PROJECT_NAME: Type.Optional(
    Type.String({ pattern: '^[a-z0-9][a-z0-9_-]*$', title: 'a compose project name', description: "The task's compose project: its containers are the task's." }),
  ),
  CREDENTIALS_ID: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9-]{1,128}$',
      // Never repeated in an error (load-config.ts).
      writeOnly: true,
      title: '1 to 128 letters, digits or "-", such as a UUID',
      description: 'The id in the containers\' AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, /v2/credentials/{id}.',
    }),
  ),
  TASK_ROLE_ARN: Type.Optional(
    Type.String({ pattern: '^arn:aws:iam::\\d{12}:role/[\\w+=,.@/-]{1,64}$', title: 'an IAM role ARN', description: 'The role the credentials are assumed for.' }),
  ),
  AWS_REGION: Type.String({ default: 'us-east-1', pattern: '^[a-z]{2}(-[a-z]+)+-\\d$', title: 'an AWS region, such as us-east-1', description: "The task's region." }),
  TASK_DEFINITION_FILE: Type.String({
    default: '/etc/ecs/task-definition.json',
    minLength: 1,
    title: 'a path',
    description: 'The rendered task definition: family, task size and containers.',
  }),
  TASK_CPU: Type.Optional(Type.Integer({ minimum: 128, maximum: 16_384, description: "The task's CPU units when not the task definition's (compose:fargate --cpu)." })),
  TASK_MEMORY: Type.Optional(Type.Integer({ minimum: 512, maximum: 122_880, description: "The task's MiB when not the task definition's (compose:fargate --memory)." })),
  CREDENTIALS_DURATION_SECONDS: Type.Integer({
    default: 3_600,
    // Above the renewal margin (credentials.ts), so renewed credentials are not renewed again at once.
    minimum: 1_800,
    maximum: 43_200,
    description: 'How long assumed credentials last.',
  }),
  DOCKER_SOCKET: Type.String({ default: '/var/run/docker.sock', minLength: 1, title: 'a path', description: "The Docker Engine API's socket." }),
});

const KEYS = {
  HOST: 'host',
  PORT: 'port',
  LOG_LEVEL: 'logLevel',
  COMPOSE_PROJECT_NAME: 'project',
  CREDENTIALS_ID: 'credentialsId',
  TASK_ROLE_ARN: 'roleArn',
  AWS_REGION: 'region',
  TASK_DEFINITION_FILE: 'taskDefinitionFile',
  TASK_CPU: 'taskCpu',
  TASK_MEMORY: 'taskMemory',
  CREDENTIALS_DURATION_SECONDS: 'credentialsDurationSeconds',
  DOCKER_SOCKET: 'dockerSocket',
} as const;

const REQUIRED = ['COMPOSE_PROJECT_NAME', 'CREDENTIALS_ID', 'TASK_ROLE_ARN'] as const;

/** The settings, validated and frozen; a ConfigError names the first bad or missing variable. */
export function loadEndpointsConfig(env: Env) {
  // loadConfig expects a default or an optional value for every variable: the required ones are checked here.
  for (const variable of REQUIRED) {
    if (!env[variable]?.trim()) throw new ConfigError(variable, `must be set: ${(ENDPOINTS_ENV.properties[variable] as { description?: string }).description}`);
  }
  const config = loadConfig(ENDPOINTS_ENV, KEYS, env);
  return config as typeof config & { readonly project: string; readonly credentialsId: string; readonly roleArn: string };
}

export type EndpointsSettings = ReturnType<typeof loadEndpointsConfig>;

/** What the task definition says of the task: its family, its size, its containers' names. */
export interface TaskDefinitionFacts {
  readonly family: string;
  /** CPU units and MiB. */
  readonly cpu: number;
  readonly memory: number;
  readonly containers: readonly string[];
}

/** Reads the rendered task definition; a ConfigError names TASK_DEFINITION_FILE when it cannot. */
export function readTaskDefinition(file: string): TaskDefinitionFacts {
  const bad = (reason: string) => new ConfigError('TASK_DEFINITION_FILE', `${file}: ${reason}`);
  let parsed: { family?: unknown; cpu?: unknown; memory?: unknown; containerDefinitions?: unknown };
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as typeof parsed;
  } catch (error) {
    throw bad((error as Error).message);
  }
  const { family, cpu, memory, containerDefinitions } = parsed;
  const names = Array.isArray(containerDefinitions) ? containerDefinitions.map((c) => (c as { name?: unknown }).name) : [];
  if (typeof family !== 'string' || !/^\d+$/.test(String(cpu)) || !/^\d+$/.test(String(memory)) || names.length === 0 || !names.every((n) => typeof n === 'string')) {
    throw bad('expected a task definition with a family, cpu, memory and named containers');
  }
  return { family, cpu: Number(cpu), memory: Number(memory), containers: names as string[] };
}
