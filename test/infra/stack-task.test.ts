// The task definition in the synthesized template: what each container may
// do, how it starts, stops and logs.
import type { ContainerDefinition } from '@aws-sdk/client-ecs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { taskDefinitionOf } from '../../tools/task-definition/render.ts';
import { onlyOf, synthesized } from '../helpers/synthesized.ts';

const task = taskDefinitionOf(synthesized());
const container = (name: string): ContainerDefinition => {
  const found = task.containerDefinitions?.find((definition) => definition.name === name);
  assert.ok(found, `no container ${name}`);
  return found;
};
const raw = onlyOf('AWS::ECS::TaskDefinition').Properties!;
const rawContainer = (name: string) => (raw.ContainerDefinitions as Array<Record<string, any>>).find((definition) => definition.Name === name)!;

test('the task is one Fargate task of 0.5 vCPU and 1024 MiB, family named after the stack', () => {
  assert.deepEqual(
    { family: task.family, networkMode: task.networkMode, requiresCompatibilities: task.requiresCompatibilities, cpu: task.cpu, memory: task.memory },
    { family: 'fargate-task-reference', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '512', memory: '1024' },
  );
  assert.deepEqual(task.runtimePlatform, { cpuArchitecture: 'X86_64', operatingSystemFamily: 'LINUX' });
  assert.deepEqual(task.containerDefinitions?.map((definition) => definition.name), ['backend', 'frontend']);
});

test('the backend has no port mapping; the frontend maps only 3000/tcp', () => {
  assert.equal(container('backend').portMappings, undefined);
  assert.deepEqual(container('frontend').portMappings, [{ containerPort: 3000, protocol: 'tcp' }]);
});

for (const name of ['backend', 'frontend']) {
  test(`${name}: runs as 1000:1000 on a read-only root filesystem, no Linux capability, an init process`, () => {
    const { user, readonlyRootFilesystem, linuxParameters, essential } = container(name);
    assert.deepEqual({ user, readonlyRootFilesystem, linuxParameters, essential }, {
      user: '1000:1000',
      readonlyRootFilesystem: true,
      linuxParameters: { capabilities: { drop: ['ALL'] }, initProcessEnabled: true },
      essential: true,
    });
  });

  test(`${name}: restarted in place when it exits, if it ran for 60 s, rather than stopping the task`, () => {
    assert.deepEqual(container(name).restartPolicy, { enabled: true, restartAttemptPeriod: 60 });
  });

  test(`${name}: checked every 5 s, ECS's shortest interval, giving up after 3 s`, () => {
    const { interval, timeout, retries } = container(name).healthCheck!;
    assert.deepEqual({ interval, timeout, retries }, { interval: 5, timeout: 3, retries: 3 });
  });

  test(`${name}: half the task's CPU weight, 256 MiB, and 30 s between SIGTERM and SIGKILL`, () => {
    const { cpu, memory, stopTimeout } = container(name);
    assert.deepEqual({ cpu, memory, stopTimeout }, { cpu: 256, memory: 256, stopTimeout: 30 });
  });

  test(`${name}: logs to the stack's log group, streams prefixed with the stack name, never blocking on a full buffer`, () => {
    const { LogDriver, Options } = rawContainer(name).LogConfiguration;
    assert.equal(LogDriver, 'awslogs');
    assert.deepEqual(Options, {
      'awslogs-group': { Ref: onlyOf('AWS::Logs::LogGroup').id },
      'awslogs-region': { Ref: 'AWS::Region' },
      'awslogs-stream-prefix': 'fargate-task-reference',
      mode: 'non-blocking',
      'max-buffer-size': '4194304b',
    });
  });

  test(`${name}: SECRET_ID names the stack's secret; the token itself is in no variable`, () => {
    const environment = rawContainer(name).Environment as Array<{ Name: string; Value: unknown }>;
    assert.deepEqual(
      environment.find((variable) => variable.Name === 'SECRET_ID')?.Value,
      { Ref: onlyOf('AWS::SecretsManager::Secret').id },
    );
    assert.equal(rawContainer(name).Secrets, undefined);
  });
}

test('the backend is healthy once GET /health on 8080 answers; the frontend is alive once GET /health/live on 3000 does', () => {
  assert.deepEqual(container('backend').healthCheck?.command, ['CMD', 'bash', 'services/healthcheck.sh', '8080', '/health']);
  assert.deepEqual(container('frontend').healthCheck?.command, ['CMD', 'bash', 'services/healthcheck.sh', '3000', '/health/live']);
});

test('the frontend starts after the backend has started (it stops first), and reaches it on localhost', () => {
  assert.deepEqual(container('frontend').dependsOn, [{ containerName: 'backend', condition: 'START' }]);
  assert.deepEqual(container('backend').dependsOn, undefined);
  assert.equal(container('frontend').environment?.find((variable) => variable.name === 'BACKEND_URL')?.value, 'http://localhost:8080');
});
