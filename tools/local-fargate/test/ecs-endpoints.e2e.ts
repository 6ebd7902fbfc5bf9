// ECS's endpoints in the compose task (plain `docker compose up`), on a real
// Docker engine: what each app container finds through ECS's variables, the
// task role's credentials the app reads its secret with, and the refusal of
// callers outside the task. compose-fargate.e2e.ts checks them under
// compose:fargate.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readTaskDefinition } from '../ecs-endpoints/config.ts';
import { ComposeStack, docker, waitFor } from '../../../test/helpers/compose.ts';
import { PROJECT_NAME } from '../../../services/shared/project.ts';

const stack = new ComposeStack(`${PROJECT_NAME}-e2e-endpoints`);
const definition = readTaskDefinition(fileURLToPath(new URL('../../task-definition/task-definition.json', import.meta.url)));
const APPS = definition.containers;
const ENDPOINT = 'http://169.254.170.2';
const probe = readFileSync(new URL('probes/ecs-endpoints.ts', import.meta.url), 'utf8');

// As compose:fargate does: a new credentials id for this task, read by every compose command of this process.
const CREDENTIALS_ID = randomUUID();
process.env.TASK_CREDENTIALS_ID = CREDENTIALS_ID;

/** What the probe saw from inside a container (probes/ecs-endpoints.ts). */
async function inside(service: string): Promise<any> {
  return JSON.parse(await stack.compose(['exec', '-T', service, 'node', '--input-type=module-typescript', '-'], probe));
}

async function fullId(service: string): Promise<string> {
  return (await stack.inspect(service)).Id;
}

before(() => stack.up());
after(() => stack.down());

test("each app container has ECS's two variables, no AWS keys and no Docker socket; only the namespace owner holds the socket", async () => {
  for (const service of APPS) {
    const env = Object.fromEntries(
      (await stack.compose(['exec', '-T', service, 'env']))
        .trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    assert.equal(env.ECS_CONTAINER_METADATA_URI_V4, `${ENDPOINT}/v4/${service}`, service);
    assert.equal(env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, `/v2/credentials/${CREDENTIALS_ID}`, service);
    for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) assert.equal(env[key], undefined, `${service}: ${key}`);
  }
  const mounts = async (service: string) =>
    (JSON.parse(await docker(['inspect', '--format', '{{json .Mounts}}', await fullId(service)])) as Array<{ Source: string }>).map((m) => m.Source);
  for (const service of APPS) assert.deepEqual(await mounts(service), [], service);
  assert.ok((await mounts('task')).includes('/var/run/docker.sock'), 'the namespace owner reads Docker');
});

test("from inside a container: its own metadata, and the task's, naming the task definition's family and both containers", async () => {
  const seen = await inside('frontend');
  const ids = Object.fromEntries(await Promise.all(APPS.map(async (name) => [name, await fullId(name)])));

  assert.equal(seen.self.status, 200);
  assert.equal(seen.self.Name, 'frontend');
  assert.equal(seen.self.DockerId, ids.frontend, "the frontend's own container");

  const { task } = seen;
  assert.equal(task.status, 200);
  assert.equal(task.Family, definition.family);
  assert.equal(task.LaunchType, 'FARGATE');
  assert.equal(task.KnownStatus, 'RUNNING');
  assert.match(task.TaskARN, new RegExp(`^arn:aws:ecs:us-east-1:123456789012:task/${stack.project}/[0-9a-f]{32}$`));
  // The task definition's size: plain compose has no task-level limit, but the task definition says so.
  assert.deepEqual(task.Limits, { CPU: definition.cpu / 1024, Memory: definition.memory });
  assert.deepEqual(
    task.Containers.map((c: any) => [c.Name, c.DockerId, c.KnownStatus, c.Health?.status, c.Limits, c.Networks[0].IPv4Addresses]),
    APPS.map((name) => [name, ids[name], 'RUNNING', 'HEALTHY', { CPU: 256, Memory: 256 }, ['169.254.170.2']]),
  );

  // Docker's stats of both, by DockerId, with a previous sample to measure the CPU against.
  assert.deepEqual(seen.stats, Object.fromEntries(APPS.map((name) => [ids[name], { cpu: true, memory: true, previous: true }])));
});

test("the task role's credentials in ECS's shape: the SDK's default chain takes them, and the app read its secret with them", async () => {
  for (const service of APPS) {
    const { credentials, sdk } = await inside(service);
    assert.equal(credentials.status, 200, service);
    assert.deepEqual(credentials.fields, ['AccessKeyId', 'Expiration', 'RoleArn', 'SecretAccessKey', 'Token']);
    // Temporary keys from (moto's) STS, for the task role, valid for a while yet.
    assert.match(credentials.accessKeyId, /^ASIA/);
    assert.equal(credentials.roleArn, `arn:aws:iam::123456789012:role/${stack.project}-task-role`);
    assert.ok(Date.parse(credentials.expiration) - Date.now() > 15 * 60_000, credentials.expiration);
    assert.ok(credentials.secretAndToken);
    assert.ok(sdk.sameKeys, `${service}: the SDK's default chain did not pick the endpoint's credentials`);
  }
  // Both apps read the internal token with them: the task is ready and answers.
  const res = await fetch('http://localhost:3000/api/hello?name=endpoints');
  assert.equal(res.status, 200, await res.text());
  for (const service of APPS) {
    assert.match(await stack.compose(['logs', '--no-log-prefix', service]), /"msg":"internal token loaded"/, service);
  }
});

test('outside the task, the endpoints refuse: the Docker host, and a neighbour container on the compose network', async () => {
  const paths = [`/v2/credentials/${CREDENTIALS_ID}`, '/v4/backend/task'];
  // The host reaches the compose network through its bridge (Linux): the caller is the gateway.
  for (const path of paths) {
    const res = await waitFor('an answer from the host', async () => fetch(`${ENDPOINT}${path}`, { signal: AbortSignal.timeout(3_000) }), 10_000);
    assert.equal(res.status, 403, path);
    assert.deepEqual(await res.json(), { code: 'forbidden', message: "ECS's endpoints answer the task's own containers only" });
  }
  const script = `Promise.all(${JSON.stringify(paths)}.map((p) => fetch('${ENDPOINT}' + p).then((r) => r.status))).then((s) => console.log(JSON.stringify(s)))`;
  const neighbour = await docker(['run', '--rm', '--pull', 'never', '--network', await stack.network(), 'node:24-trixie-slim', 'node', '-e', script]);
  assert.deepEqual(JSON.parse(neighbour), [403, 403]);
  const refusals = await stack.compose(['logs', '--no-log-prefix', 'task']);
  assert.ok(!refusals.includes(CREDENTIALS_ID), 'the credentials id was logged');
});
