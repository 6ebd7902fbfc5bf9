import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { test } from 'node:test';
import { resolveIdentity } from '../../services/shared/identity.ts';
import { closedOrigin, fakeBackend } from '../helpers/fake-backend.ts';
import { captureLogs } from '../helpers/logs.ts';
import { PROJECT_NAME } from '../../services/shared/project.ts';

const TASK = {
  Cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/default',
  TaskARN: 'arn:aws:ecs:eu-west-1:123456789012:task/default/0123456789abcdef',
  Family: PROJECT_NAME,
  AvailabilityZone: 'eu-west-1b',
  LaunchType: 'FARGATE',
};

test('outside ECS the identity is the service, host name and pid', async () => {
  const { logger } = captureLogs('backend');
  assert.deepEqual(await resolveIdentity('backend', undefined, logger), { service: 'backend', hostname: hostname(), pid: process.pid });
});

test('on ECS the task ARN and availability zone come from the task metadata endpoint v4', async (t) => {
  const paths: string[] = [];
  const uri = await fakeBackend(t, (req, res) => {
    paths.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(TASK));
  });
  const { logger } = captureLogs('backend');
  const identity = await resolveIdentity('backend', `${uri}/v4/abc`, logger);
  assert.deepEqual(paths, ['/v4/abc/task']);
  assert.equal(identity.taskArn, TASK.TaskARN);
  assert.equal(identity.availabilityZone, 'eu-west-1b');
});

test('an unreachable metadata endpoint is logged, not fatal', async () => {
  const { logger, lines } = captureLogs('backend');
  const identity = await resolveIdentity('backend', await closedOrigin(), logger);
  assert.equal(identity.taskArn, undefined);
  assert.equal(lines[0]?.level, 'warn');
  assert.match(String(lines[0]?.msg), /task metadata/);
});
