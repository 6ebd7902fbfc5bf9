import type { ContainerDefinition } from '@aws-sdk/client-ecs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { taskDefinitionOf } from '../render.ts';
import { templateTimeToServe, timeToServe } from '../time-to-serve.ts';
import type { CfnTemplate } from '../../../test/helpers/synth.ts';
import { template } from '../../../test/helpers/synthesized.ts';

const synthesized = template().toJSON() as CfnTemplate;
const task = taskDefinitionOf(synthesized);

test('a new task of the stack can take traffic 5 to 10 s after its containers start', () => {
  assert.deepEqual(templateTimeToServe(synthesized), { registeredAfter: 0, earliest: 5, latest: 10 });
});

test('at most half the time the task took when the frontend waited for a HEALTHY backend and every check ran every 10 s', () => {
  const waiting = {
    ...task,
    containerDefinitions: task.containerDefinitions!.map(
      (container): ContainerDefinition => ({
        ...container,
        healthCheck: { ...container.healthCheck!, interval: 10 },
        ...(container.dependsOn ? { dependsOn: container.dependsOn.map((dependency) => ({ ...dependency, condition: 'HEALTHY' as const })) } : {}),
      }),
    ),
  };
  const before = timeToServe(waiting, { intervalSeconds: 10, healthyThreshold: 2 });
  assert.deepEqual(before, { registeredAfter: 10, earliest: 20, latest: 30 });
  const now = templateTimeToServe(synthesized);
  assert.ok(now.earliest <= before.earliest / 2 && now.latest <= before.latest / 2, JSON.stringify({ before, now }));
});

test('waits add up along a chain of HEALTHY dependencies, and a cycle is an error', () => {
  const container = (name: string, interval: number, dependsOn: ContainerDefinition['dependsOn'] = []): ContainerDefinition => ({
    name,
    essential: true,
    healthCheck: { command: ['CMD', 'true'], interval },
    dependsOn,
  });
  const chain = [container('a', 7), container('b', 11, [{ containerName: 'a', condition: 'HEALTHY' }]), container('c', 5, [{ containerName: 'b', condition: 'HEALTHY' }])];
  assert.equal(timeToServe({ family: 'f', containerDefinitions: chain }, { intervalSeconds: 5, healthyThreshold: 3 }).earliest, 7 + 11 + 10);
  const cycle = [container('a', 5, [{ containerName: 'b', condition: 'START' }]), container('b', 5, [{ containerName: 'a', condition: 'START' }])];
  assert.throws(() => timeToServe({ family: 'f', containerDefinitions: cycle }, { intervalSeconds: 5, healthyThreshold: 2 }), /dependsOn cycle/);
});
