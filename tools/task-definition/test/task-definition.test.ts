// tools/task-definition/task-definition.json: current, registrable, and an environment the
// services accept.
import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { taskContainers } from '../compose-drift.ts';
import { PLACEHOLDERS } from '../placeholders.ts';
import { renderTaskDefinition, synthesizedTaskDefinition, taskDefinitionOf, TASK_DEFINITION_FILE } from '../render.ts';
import type { CfnTemplate } from '../../../test/helpers/synth.ts';
import { template } from '../../../test/helpers/synthesized.ts';
import { PROJECT_NAME } from '../../../services/shared/project.ts';

const committed = readFileSync(TASK_DEFINITION_FILE, 'utf8');
const taskDefinition = synthesizedTaskDefinition();

test('the committed task definition is what the stack synthesizes (npm run infra:render writes it)', () => {
  assert.equal(committed, renderTaskDefinition());
});

// Every field RegisterTaskDefinition accepts: tsc fails when this list names
// one the API does not have or misses one it has.
const REGISTRABLE: Record<keyof RegisterTaskDefinitionCommandInput, true> = {
  family: true,
  taskRoleArn: true,
  executionRoleArn: true,
  networkMode: true,
  containerDefinitions: true,
  volumes: true,
  placementConstraints: true,
  requiresCompatibilities: true,
  cpu: true,
  memory: true,
  tags: true,
  pidMode: true,
  ipcMode: true,
  proxyConfiguration: true,
  inferenceAccelerators: true,
  ephemeralStorage: true,
  runtimePlatform: true,
  enableFaultInjection: true,
};

test('the committed task definition holds only fields RegisterTaskDefinition accepts (no revision, status...)', () => {
  const fields = Object.keys(JSON.parse(committed) as object);
  assert.deepEqual(
    fields.filter((field) => !Object.hasOwn(REGISTRABLE, field)),
    [],
  );
});

test('the committed task definition uses every placeholder and no other, and no CloudFormation name is left', () => {
  const used = new Set(Array.from(committed.matchAll(/\{\{(.*?)\}\}/g), ([, name]) => name));
  assert.deepEqual([...used].sort(), [...PLACEHOLDERS].sort());
  assert.doesNotMatch(committed, /"(Ref|Fn::\w+|[A-Z]\w*)":/);
});

test('the containers fit in the task: their cpu and memory add up to at most the task size', () => {
  const containers = taskContainers(taskDefinition);
  const total = (field: 'cpu' | 'memory') => containers.reduce((sum, { definition }) => sum + (definition[field] ?? 0), 0);
  assert.ok(total('cpu') <= Number(taskDefinition.cpu), `containers' cpu ${total('cpu')} > task cpu ${taskDefinition.cpu}`);
  assert.ok(total('memory') <= Number(taskDefinition.memory), `containers' memory ${total('memory')} > task memory ${taskDefinition.memory}`);
});

// A value of the shape the stack gives SECRET_ID on AWS.
const SECRET_ARN = `arn:aws:secretsmanager:us-east-1:123456789012:secret:${PROJECT_NAME}/internal-token-AbCdEf`;

for (const { definition, schema, loadConfig } of taskContainers(taskDefinition)) {
  if (schema === undefined || loadConfig === undefined) continue; // not one of our services
  const { name, healthCheck, stopTimeout } = definition;
  const environment = Object.fromEntries(
    (definition.environment ?? []).map((variable) => [String(variable.name), variable.value === '{{SECRET_ARN}}' ? SECRET_ARN : variable.value]),
  );

  test(`${name}: every environment variable the stack sets is one the service reads`, () => {
    const read = Object.keys(schema.properties);
    assert.deepEqual(
      Object.keys(environment).filter((variable) => !read.includes(variable)),
      [],
    );
  });

  test(`${name}: the service accepts the environment the stack gives it`, () => {
    assert.doesNotThrow(() => loadConfig(environment));
  });

  test(`${name}: the service's shutdown bound ends before ECS's stopTimeout sends SIGKILL`, () => {
    const { shutdownTimeoutMs } = loadConfig(environment);
    assert.ok(stopTimeout !== undefined, 'stopTimeout is set');
    assert.ok(shutdownTimeoutMs < stopTimeout * 1000, `SHUTDOWN_TIMEOUT_MS ${shutdownTimeoutMs} ms is not below stopTimeout ${stopTimeout} s`);
  });

  test(`${name}: the health check times out before the next one is due`, () => {
    assert.ok(healthCheck?.timeout !== undefined && healthCheck.interval !== undefined, 'timeout and interval are set');
    assert.ok(healthCheck.timeout < healthCheck.interval, `timeout ${healthCheck.timeout} s is not below interval ${healthCheck.interval} s`);
  });
}

test("a container whose image the code names keeps it as written; one the stack makes needs a placeholder", () => {
  const synthesized = template().toJSON() as CfnTemplate;
  const [id, resource] = Object.entries(synthesized.Resources).find(([, r]) => r.Type === 'AWS::ECS::TaskDefinition')!;
  const withSidecar = (Image: unknown) => {
    const properties = resource.Properties as { ContainerDefinitions: Array<Record<string, unknown>> };
    const sidecar = { Name: 'sidecar', Image, Essential: false };
    return { ...synthesized, Resources: { ...synthesized.Resources, [id]: { ...resource, Properties: { ...properties, ContainerDefinitions: [...properties.ContainerDefinitions, sidecar] } } } };
  };
  const image = 'public.ecr.aws/docker/library/busybox:1.37';
  assert.equal(taskDefinitionOf(withSidecar(image)).containerDefinitions?.at(-1)?.image, image);
  assert.throws(() => taskDefinitionOf(withSidecar({ 'Fn::Sub': '${AWS::AccountId}.dkr.ecr...' })), /the image of "sidecar" is made by the stack; give it a placeholder in IMAGES/);
});
