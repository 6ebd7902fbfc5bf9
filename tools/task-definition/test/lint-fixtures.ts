// Task definitions the linter must pass clean. Each `satisfies` the SDK's
// input type, so the compiler checks their shape and the linter their rules.
import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import { readFileSync } from 'node:fs';

const EXECUTION_ROLE = 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole';

// Our own task, placeholders and all: the rendered tools/task-definition/task-definition.json
// (task-definition.test.ts holds it to what the stack synthesizes).
export const ourTask = JSON.parse(readFileSync(new URL('../task-definition.json', import.meta.url), 'utf8')) as RegisterTaskDefinitionCommandInput;

export const oneContainer = {
  family: 'hello',
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  cpu: '256',
  memory: '512',
  containerDefinitions: [{ name: 'web', image: 'public.ecr.aws/nginx/nginx:1.27', portMappings: [{ containerPort: 80, hostPort: 80 }] }],
} satisfies RegisterTaskDefinitionCommandInput;

// A migration that must finish before the app starts: the init container is
// not essential, or its normal exit would stop the task.
export const initContainer = {
  family: 'app-with-migration',
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  cpu: '512',
  memory: '1024',
  executionRoleArn: EXECUTION_ROLE,
  containerDefinitions: [
    { name: 'migrate', image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1.4.2', essential: false, command: ['node', 'migrate.ts'] },
    {
      name: 'app',
      image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1.4.2',
      portMappings: [{ containerPort: 8080 }],
      dependsOn: [{ containerName: 'migrate', condition: 'SUCCESS' }],
      startTimeout: 120,
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/app', 'awslogs-region': 'eu-west-1', 'awslogs-stream-prefix': 'app' } },
    },
  ],
} satisfies RegisterTaskDefinitionCommandInput;

export const arm64 = {
  family: 'graviton',
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  cpu: '2048',
  memory: '16384',
  runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
  ephemeralStorage: { sizeInGiB: 200 },
  pidMode: 'task',
  containerDefinitions: [{ name: 'worker', image: 'public.ecr.aws/docker/library/node:24', linuxParameters: { capabilities: { add: ['SYS_PTRACE'], drop: ['ALL'] } } }],
} satisfies RegisterTaskDefinitionCommandInput;

export const secretWithJsonKey = {
  family: 'with-secret',
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  cpu: '256',
  memory: '1024',
  executionRoleArn: EXECUTION_ROLE,
  containerDefinitions: [
    {
      name: 'api',
      image: 'public.ecr.aws/docker/library/node:24',
      memory: 900,
      memoryReservation: 512,
      secrets: [
        { name: 'DB_PASSWORD', valueFrom: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:password::' },
        { name: 'API_KEY', valueFrom: 'arn:aws:ssm:us-east-1:123456789012:parameter/prod/api-key' },
        { name: 'FLAG', valueFrom: '/prod/flag' },
      ],
    },
  ],
} satisfies RegisterTaskDefinitionCommandInput;

export const stringSizes = {
  family: 'string-sizes',
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE', 'EC2'],
  cpu: '1 vCPU',
  memory: '2 GB',
  containerDefinitions: [{ name: 'app', image: 'public.ecr.aws/docker/library/node:24', cpu: 1024, memory: 2048 }],
} satisfies RegisterTaskDefinitionCommandInput;

type Container = Record<string | number, unknown>;

/**
 * A deep copy of `base` with the values at the given paths replaced (or, for
 * `undefined`, removed). Paths are written as the linter reports them:
 * `containerDefinitions[1].logConfiguration.options["awslogs-group"]`.
 */
export function variant(base: object, changes: Readonly<Record<string, unknown>>): Record<string, unknown> {
  // Through JSON, not structuredClone: the fixtures share objects (bothContainers)
  // that a change to one container must not change in the other.
  const copy = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
  for (const [path, value] of Object.entries(changes)) {
    const steps = [...path.matchAll(/([A-Za-z_$][\w$]*)|\[(\d+)\]|\["([^"]*)"\]/g)].map(([, name, index, quoted]) => (index === undefined ? (name ?? quoted ?? '') : Number(index)));
    const last = steps.pop();
    let parent = copy as Container;
    for (const step of steps) {
      const next = parent[step];
      if (typeof next !== 'object' || next === null) throw new Error(`variant: ${path} has no parent in the base task`);
      parent = next as Container;
    }
    if (last === undefined) throw new Error(`variant: empty path`);
    if (value === undefined) delete parent[last];
    else parent[last] = value;
  }
  return copy;
}
