// cdk-nag's AwsSolutions checks run on every synth: the stack passes them,
// an unacknowledged finding fails the synth, and every acknowledgement says why.
import { Stack, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IConstruct } from 'constructs';
import { createApp } from '../../infra/app.ts';
import { cliContext } from '../helpers/synth.ts';
import { EXAMPLE } from '../helpers/synthesized.ts';

const quietly = <T>(run: () => T): T => {
  // The plugin prints its report to the console; the assertion is what matters here.
  const [log, error] = [console.log, console.error];
  console.log = console.error = () => {};
  try {
    return run();
  } finally {
    [console.log, console.error] = [log, error];
  }
};

const app = (context: Record<string, string> = {}) => createApp({ context: { ...cliContext(context), 'aws:cdk:disable-asset-staging': true } });

test('the stack passes the AwsSolutions checks, with its default options and with every option on', () => {
  assert.doesNotThrow(() => app().app.synth());
  const everything = { ...EXAMPLE, taskSubnets: 'public', ecsExec: 'true', graviton: 'true', githubRepository: 'octo-org/app' };
  assert.doesNotThrow(() => app(everything).app.synth());
});

test('a finding nobody acknowledged fails the synth', () => {
  const { app: unchecked, stack } = app();
  // A secret without rotation, outside the stack's own acknowledgement (AwsSolutions-SMG4).
  new Secret(stack, 'Unreviewed');
  assert.throws(() => quietly(() => unchecked.synth()), /Validation failed/);
});

test('every acknowledgement in the app gives a reason of a sentence or more', () => {
  const { app: checked, stack } = app({ ...EXAMPLE, taskSubnets: 'public', ecsExec: 'true', githubRepository: 'octo-org/app' });
  const acknowledged: Array<{ path: string; id: string; reason: string }> = [];
  const visit = (construct: IConstruct) => {
    for (const entry of construct.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)) {
      // Recorded as { "PLUGIN::RULE": "reason" }.
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) acknowledged.push({ path: construct.node.path, id, reason });
    }
    construct.node.children.forEach(visit);
  };
  quietly(() => checked.synth());
  visit(stack as Stack);
  // A new acknowledgement is a decision: it is added here too.
  assert.deepEqual(acknowledged.map(({ path, id }) => `${path.replace(/^[^/]+\//, '')} ${id}`).sort(), [
    'Cluster AwsSolutions::AwsSolutions-ECS4',
    'GitHubDeploy/Role AwsSolutions::AwsSolutions-IAM5[Resource::*]',
    'InternalToken AwsSolutions::AwsSolutions-SMG4',
    'LoadBalancer/LoadBalancer AwsSolutions::AwsSolutions-ELB2',
    'LoadBalancer/SecurityGroup AwsSolutions::AwsSolutions-EC23',
    'Network Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId',
    'Network Annotation::@aws-cdk/aws-ec2:vpcAttributeIsListTokenavailabilityZones',
    'Task/Definition AwsSolutions::AwsSolutions-ECS2',
    'Task/Definition Annotation::@aws-cdk/aws-ecs:ecrImageRequiresPolicy',
    'Task/Definition/ExecutionRole AwsSolutions::AwsSolutions-IAM5[Resource::*]',
    'Task/TaskRole AwsSolutions::AwsSolutions-IAM5[Resource::*]',
  ].sort());
  for (const { path, id, reason } of acknowledged) assert.ok(reason.split(' ').length >= 6, `${path}: ${id} has the reason ${JSON.stringify(reason)}`);
});
