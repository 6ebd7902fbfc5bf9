// ECS's endpoints for the compose task, without Docker or STS: a fake Docker
// API and a fake AssumeRole behind the real app, asked through Fastify's
// inject (and, where an AWS client reads them, over a real socket).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import { buildEndpoints, type EndpointsConfig } from '../ecs-endpoints/app.ts';
import { loadEndpointsConfig, readTaskDefinition } from '../ecs-endpoints/config.ts';
import { TaskRoleCredentials, type AssumeRole, type RoleCredentials } from '../ecs-endpoints/credentials.ts';
import { DockerError, type ContainerInspect, type DockerApi, type DockerStats } from '../ecs-endpoints/docker.ts';
import { ConfigError } from '../../../services/shared/load-config.ts';
import { resolveIdentity } from '../../../services/shared/identity.ts';
import { createLogger } from '../../../services/shared/logger.ts';
import { PROJECT_NAME } from '../../../services/shared/project.ts';

const PROJECT = 'demo';
const TASK_ADDRESS = '169.254.170.2';
const CREDENTIALS_ID = '4b7c1f52-3a4e-4f0e-9d43-0c2a8c7f5e11';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/demo-task';
const TASK_ARN = `arn:aws:ecs:us-east-1:123456789012:task/${PROJECT}/0123456789abcdef0123456789abcdef`;
const MIB = 1024 * 1024;
const INSIDE = { remoteAddress: TASK_ADDRESS };

/** A container as `docker inspect` shows one of the task's: running, healthy, sized as plain compose sizes it. */
function container(name: string, id: string, change: (c: any) => void = () => {}): ContainerInspect {
  const c = {
    Id: id,
    Name: `/${PROJECT}-${name}-1`,
    Image: `sha256:${'ab'.repeat(32)}`,
    Created: '2026-12-04T10:00:00.123456789Z',
    RestartCount: 0,
    Config: { Image: `${PROJECT}-${name}`, Labels: { 'com.docker.compose.project': PROJECT, 'com.docker.compose.service': name, 'com.docker.compose.oneoff': 'False' } },
    State: {
      Status: 'running',
      ExitCode: 0,
      StartedAt: '2026-12-04T10:00:01.5Z',
      FinishedAt: '0001-01-01T00:00:00Z',
      Health: { Status: 'healthy', Log: [{ ExitCode: 0, Output: '' }] },
    },
    HostConfig: { CpuShares: 0, NanoCpus: 250_000_000, Memory: 256 * MIB, LogConfig: { Type: 'json-file', Config: {} } },
  };
  change(c);
  return c;
}

const BACKEND_ID = 'b'.repeat(64);
const FRONTEND_ID = 'f'.repeat(64);

/** Stats documents pushed by a test, streamed as Docker streams them until the reader aborts. */
class FakeDocker implements DockerApi {
  readonly inspected: ContainerInspect[];
  readonly streamsOpened: string[] = [];
  readonly #pending = new Map<string, DockerStats[]>();
  readonly #wake = new Map<string, () => void>();

  constructor(containers: ContainerInspect[]) {
    this.inspected = containers;
  }

  async containers(project: string) {
    const others = [{ Id: 'a'.repeat(64), Labels: { 'com.docker.compose.project': project, 'com.docker.compose.service': 'aws' } }];
    const oneoff = { Id: 'c'.repeat(64), Labels: { 'com.docker.compose.project': project, 'com.docker.compose.service': 'backend', 'com.docker.compose.oneoff': 'True' } };
    return project === PROJECT ? [oneoff, ...this.inspected.map((c) => ({ Id: c.Id, Labels: c.Config.Labels })), ...others] : [];
  }

  async inspect(id: string) {
    const found = this.inspected.find((c) => c.Id === id);
    if (found === undefined) throw new DockerError(404, `/containers/${id}/json`, '{"message":"No such container"}');
    return found;
  }

  push(id: string, document: DockerStats) {
    this.#pending.set(id, [...(this.#pending.get(id) ?? []), document]);
    this.#wake.get(id)?.();
  }

  async *stats(id: string, signal: AbortSignal): AsyncIterable<DockerStats> {
    this.streamsOpened.push(id);
    while (!signal.aborted) {
      const next = this.#pending.get(id)?.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      await new Promise<void>((resolve) => {
        this.#wake.set(id, resolve);
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  }
}

const stats = (n: number): DockerStats => ({ read: `2026-12-04T10:00:0${n}Z`, cpu_stats: { cpu_usage: { total_usage: n * 1e6 } }, memory_stats: { usage: n * MIB } });

const fixedCredentials: RoleCredentials = { AccessKeyId: 'ASIAEXAMPLE', SecretAccessKey: 'secret', Token: 'token', Expiration: '2026-12-04T11:00:00Z', RoleArn: ROLE_ARN };

function config(change: Partial<EndpointsConfig> = {}): EndpointsConfig {
  return {
    project: PROJECT,
    containers: ['backend', 'frontend'],
    credentialsId: CREDENTIALS_ID,
    localAddresses: ['127.0.0.1', TASK_ADDRESS, '::1'],
    task: {
      cluster: `arn:aws:ecs:us-east-1:123456789012:cluster/${PROJECT}`,
      taskArn: TASK_ARN,
      family: PROJECT,
      revision: '1',
      availabilityZone: 'us-east-1a',
      limits: { cpu: 512, memory: 1024 },
      address: TASK_ADDRESS,
    },
    ...change,
  };
}

function build(t: TestContext, options: { docker?: FakeDocker; credentials?: { get(): Promise<RoleCredentials> }; config?: Partial<EndpointsConfig> } = {}) {
  const docker = options.docker ?? new FakeDocker([container('backend', BACKEND_ID), container('frontend', FRONTEND_ID)]);
  const app = buildEndpoints(config(options.config), {
    docker,
    credentials: options.credentials ?? { get: async () => fixedCredentials },
    stats: { idleMs: 200, firstTimeoutMs: 500 },
  });
  t.after(() => app.close());
  return { app, docker };
}

// The fields AWS documents for the v4 task and container documents on Fargate.
const TASK_FIELDS = ['Cluster', 'TaskARN', 'Family', 'Revision', 'DesiredStatus', 'KnownStatus', 'Limits', 'PullStartedAt', 'PullStoppedAt', 'AvailabilityZone', 'LaunchType', 'Containers', 'ClockDrift', 'EphemeralStorageMetrics', 'TaskTags', 'ContainerInstanceTags', 'Errors'];
const CONTAINER_FIELDS = ['DockerId', 'Name', 'DockerName', 'Image', 'ImageID', 'Ports', 'Labels', 'DesiredStatus', 'KnownStatus', 'ExitCode', 'Limits', 'CreatedAt', 'StartedAt', 'FinishedAt', 'Type', 'Health', 'Networks', 'ContainerARN', 'LogOptions', 'LogDriver', 'Snapshotter', 'RestartCount'];

test("/v4/{id}: the container's own document, from Docker, in ECS's shape", async (t) => {
  const { app } = build(t);
  const res = await app.inject({ url: '/v4/backend', ...INSIDE });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.deepEqual(Object.keys(body).filter((key) => !CONTAINER_FIELDS.includes(key)), []);
  assert.deepEqual(body, {
    DockerId: BACKEND_ID,
    Name: 'backend',
    DockerName: `${PROJECT}-backend-1`,
    Image: `${PROJECT}-backend`,
    ImageID: `sha256:${'ab'.repeat(32)}`,
    Labels: {
      'com.amazonaws.ecs.cluster': `arn:aws:ecs:us-east-1:123456789012:cluster/${PROJECT}`,
      'com.amazonaws.ecs.container-name': 'backend',
      'com.amazonaws.ecs.task-arn': TASK_ARN,
      'com.amazonaws.ecs.task-definition-family': PROJECT,
      'com.amazonaws.ecs.task-definition-version': '1',
    },
    DesiredStatus: 'RUNNING',
    KnownStatus: 'RUNNING',
    // Plain compose caps the container at 0.25 vCPU: 256 CPU units.
    Limits: { CPU: 256, Memory: 256 },
    CreatedAt: '2026-12-04T10:00:00.123456789Z',
    StartedAt: '2026-12-04T10:00:01.5Z',
    Type: 'NORMAL',
    Health: { status: 'HEALTHY' },
    Networks: [{ NetworkMode: 'awsvpc', IPv4Addresses: [TASK_ADDRESS] }],
    LogDriver: 'json-file',
    RestartCount: 0,
  });
  assert.equal((await app.inject({ url: '/v4/aws', ...INSIDE })).statusCode, 404, 'a compose service that is not a task container');
  assert.equal((await app.inject({ url: '/v4/nobody/task', ...INSIDE })).statusCode, 404);
});

test('/v4/{id}/task: the task definition\'s family and size, both containers, launch type FARGATE', async (t) => {
  const { app } = build(t);
  const res = await app.inject({ url: '/v4/frontend/task', ...INSIDE });
  assert.equal(res.statusCode, 200, res.body);
  const task = res.json();
  assert.deepEqual(Object.keys(task).filter((key) => !TASK_FIELDS.includes(key)), []);
  assert.deepEqual({ ...task, Containers: undefined }, {
    Cluster: `arn:aws:ecs:us-east-1:123456789012:cluster/${PROJECT}`,
    TaskARN: TASK_ARN,
    Family: PROJECT,
    Revision: '1',
    DesiredStatus: 'RUNNING',
    KnownStatus: 'RUNNING',
    // vCPU and MiB for the task, as Fargate reports them.
    Limits: { CPU: 0.5, Memory: 1024 },
    AvailabilityZone: 'us-east-1a',
    LaunchType: 'FARGATE',
    Containers: undefined,
  });
  assert.deepEqual(task.Containers.map((c: { Name: string; DockerId: string }) => [c.Name, c.DockerId]), [['backend', BACKEND_ID], ['frontend', FRONTEND_ID]]);
  assert.deepEqual((await app.inject({ url: '/v4/frontend', ...INSIDE })).json(), task.Containers[1]);
});

test("under compose:fargate a container's CPU is its weight; a stopped or unhealthy one says so", async (t) => {
  const docker = new FakeDocker([
    container('backend', BACKEND_ID, (c) => {
      c.HostConfig = { ...c.HostConfig, CpuShares: 512, NanoCpus: 0, Memory: 512 * MIB };
      c.State.Health = { Status: 'unhealthy', Log: [{ ExitCode: 1, Output: 'connection refused' }] };
      c.RestartCount = 2;
    }),
    container('frontend', FRONTEND_ID, (c) => {
      c.State = { ...c.State, Status: 'exited', ExitCode: 137, FinishedAt: '2026-12-04T10:05:00Z', Health: { Status: 'unhealthy', Log: [] } };
    }),
  ]);
  const { app } = build(t, { docker, config: { task: { ...config().task, limits: { cpu: 1024, memory: 2048 } } } });
  const task = (await app.inject({ url: '/v4/backend/task', ...INSIDE })).json();
  assert.deepEqual(task.Limits, { CPU: 1, Memory: 2048 });
  assert.equal(task.KnownStatus, 'STOPPED');
  const [backend, frontend] = task.Containers;
  assert.deepEqual(backend.Limits, { CPU: 512, Memory: 512 });
  assert.deepEqual(backend.Health, { status: 'UNHEALTHY', exitCode: 1, output: 'connection refused' });
  assert.equal(backend.RestartCount, 2);
  assert.deepEqual([frontend.KnownStatus, frontend.ExitCode, frontend.FinishedAt], ['STOPPED', 137, '2026-12-04T10:05:00Z']);
  // A stopped container has no stats, and no stream is opened for it.
  const all = (await app.inject({ url: '/v4/backend/task/stats', ...INSIDE })).json();
  assert.equal(all[FRONTEND_ID], null);
  assert.equal(docker.streamsOpened.includes(FRONTEND_ID), false);
});

test("/stats and /task/stats: Docker's stats JSON, the latest of a stream opened on demand and closed when idle", async (t) => {
  const { app, docker } = build(t);
  // Docker sends its first document a moment after the stream opens.
  setTimeout(() => docker.push(BACKEND_ID, stats(1)), 20);
  assert.deepEqual((await app.inject({ url: '/v4/backend/stats', ...INSIDE })).json(), stats(1));
  docker.push(BACKEND_ID, stats(2));
  await sleep(10);
  assert.deepEqual((await app.inject({ url: '/v4/backend/stats', ...INSIDE })).json(), stats(2));

  docker.push(FRONTEND_ID, stats(3));
  const all = await app.inject({ url: '/v4/frontend/task/stats', ...INSIDE });
  assert.equal(all.statusCode, 200, all.body);
  assert.deepEqual(all.json(), { [BACKEND_ID]: stats(2), [FRONTEND_ID]: stats(3) });
  assert.deepEqual(docker.streamsOpened, [BACKEND_ID, FRONTEND_ID], 'one stream per container');

  // Nobody asks for a while (idleMs 200): the streams close, and the next request opens a new one.
  await sleep(400);
  setTimeout(() => docker.push(BACKEND_ID, stats(4)), 20);
  assert.deepEqual((await app.inject({ url: '/v4/backend/stats', ...INSIDE })).json(), stats(4));
  assert.deepEqual(docker.streamsOpened, [BACKEND_ID, FRONTEND_ID, BACKEND_ID]);
});

test('stats that do not come in time are null, not a hung request', async (t) => {
  const { app } = build(t);
  const started = performance.now();
  const res = await app.inject({ url: '/v4/backend/stats', ...INSIDE });
  assert.equal(res.statusCode, 200);
  assert.equal(res.body, 'null');
  assert.ok(performance.now() - started < 2_000);
});

test("/v2/credentials/{id}: the task role's credentials in ECS's shape, at the task's id only", async (t) => {
  const { app } = build(t);
  const res = await app.inject({ url: `/v2/credentials/${CREDENTIALS_ID}`, ...INSIDE });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), fixedCredentials);
  assert.deepEqual(Object.keys(res.json()).sort(), ['AccessKeyId', 'Expiration', 'RoleArn', 'SecretAccessKey', 'Token']);
  for (const id of ['4b7c1f52-3a4e-4f0e-9d43-0c2a8c7f5e12', 'x', CREDENTIALS_ID.slice(0, -1), '../v4/backend']) {
    const other = await app.inject({ url: `/v2/credentials/${id}`, ...INSIDE });
    assert.equal(other.statusCode, 404, id);
    assert.ok(!other.body.includes('ASIA'), 'no credentials in a refusal');
  }
});

test('only callers inside the task are answered: the Docker host and neighbour containers get 403', async (t) => {
  const { app } = build(t);
  const inside = ['169.254.170.2', '::ffff:169.254.170.2', '127.0.0.1', '::1'];
  // The bridge's gateway (the Docker host), another container on the compose network, anything else.
  const outside = ['169.254.170.1', '::ffff:169.254.170.1', '169.254.170.130', '172.17.0.1', '10.0.0.5'];
  for (const url of [`/v2/credentials/${CREDENTIALS_ID}`, '/v4/backend', '/v4/backend/task', '/v4/backend/task/stats', '/nothing']) {
    for (const remoteAddress of outside) {
      const res = await app.inject({ url, remoteAddress });
      assert.equal(res.statusCode, 403, `${url} from ${remoteAddress}`);
      assert.equal(res.json().code, 'forbidden');
    }
  }
  for (const remoteAddress of inside) {
    assert.equal((await app.inject({ url: `/v2/credentials/${CREDENTIALS_ID}`, remoteAddress })).statusCode, 200, remoteAddress);
  }
});

test('STS failing before any credentials were assumed: a 500 the SDKs retry, nothing cached', async (t) => {
  let calls = 0;
  const credentials = new TaskRoleCredentials({
    roleArn: ROLE_ARN,
    sessionName: 'task',
    durationSeconds: 3600,
    assumeRole: async () => {
      calls++;
      if (calls === 1) throw new Error('connect ECONNREFUSED aws:5000');
      return { accessKeyId: 'ASIA2', secretAccessKey: 's', sessionToken: 't', expiration: new Date(Date.now() + 3_600_000) };
    },
  });
  const { app } = build(t, { credentials });
  const failed = await app.inject({ url: `/v2/credentials/${CREDENTIALS_ID}`, ...INSIDE });
  assert.deepEqual([failed.statusCode, failed.json().code], [500, 'credentials_unavailable']);
  const again = await app.inject({ url: `/v2/credentials/${CREDENTIALS_ID}`, ...INSIDE });
  assert.equal(again.json().AccessKeyId, 'ASIA2');
});

/** A fake STS on a fake clock: each AssumeRole returns new keys valid for durationSeconds from "now". */
function fakeSts(clock: { now: number }) {
  const calls: Array<Parameters<AssumeRole>[0]> = [];
  let fail = false;
  const assumeRole: AssumeRole = async (input) => {
    calls.push(input);
    await sleep(5);
    if (fail) throw new Error('STS is down');
    return { accessKeyId: `ASIA${calls.length}`, secretAccessKey: `secret${calls.length}`, sessionToken: `token${calls.length}`, expiration: new Date(clock.now + input.durationSeconds * 1000) };
  };
  return { calls, assumeRole, failing: (value: boolean) => (fail = value) };
}

test('credentials are renewed once less than the margin remains, by one AssumeRole however many ask', async () => {
  const clock = { now: Date.parse('2026-12-04T10:00:00Z') };
  const sts = fakeSts(clock);
  const credentials = new TaskRoleCredentials({
    roleArn: ROLE_ARN,
    sessionName: 'task-id',
    durationSeconds: 3600,
    refreshMarginMs: 15 * 60_000,
    assumeRole: sts.assumeRole,
    now: () => clock.now,
  });

  const first = await Promise.all([credentials.get(), credentials.get(), credentials.get()]);
  assert.equal(sts.calls.length, 1, 'concurrent callers share one AssumeRole');
  assert.deepEqual(sts.calls[0], { roleArn: ROLE_ARN, sessionName: 'task-id', durationSeconds: 3600 });
  assert.deepEqual(first[0], { AccessKeyId: 'ASIA1', SecretAccessKey: 'secret1', Token: 'token1', Expiration: '2026-12-04T11:00:00Z', RoleArn: ROLE_ARN });

  clock.now += 44 * 60_000; // 16 minutes left: still held
  assert.equal((await credentials.get()).AccessKeyId, 'ASIA1');
  assert.equal(sts.calls.length, 1);

  clock.now += 2 * 60_000; // 14 minutes left: renewed
  const renewed = await credentials.get();
  assert.deepEqual([renewed.AccessKeyId, renewed.Expiration], ['ASIA2', '2026-12-04T11:46:00Z']);
  assert.equal(sts.calls.length, 2);

  // STS fails while the held credentials are still valid: they are served.
  clock.now += 50 * 60_000; // 10 minutes left
  sts.failing(true);
  assert.equal((await credentials.get()).AccessKeyId, 'ASIA2');
  // ...and not once they have expired.
  clock.now += 11 * 60_000;
  await assert.rejects(credentials.get(), /STS is down/);
  sts.failing(false);
  assert.equal((await credentials.get()).AccessKeyId, `ASIA${sts.calls.length}`);
});

test('what AWS clients read: the SDK takes the credentials, identity.ts the task ARN and zone', async (t) => {
  const { app } = build(t);
  // Over a real socket, from loopback, as a caller in the namespace.
  const origin = await app.listen({ host: '127.0.0.1', port: 0 });
  const provider = fromHttp({ awsContainerCredentialsFullUri: `${origin}/v2/credentials/${CREDENTIALS_ID}` });
  const credentials = await provider();
  assert.equal(credentials.accessKeyId, fixedCredentials.AccessKeyId);
  assert.equal(credentials.sessionToken, fixedCredentials.Token);
  assert.equal(credentials.expiration?.toISOString(), '2026-12-04T11:00:00.000Z');

  const identity = await resolveIdentity('backend', `${origin}/v4/backend`, createLogger({ service: 'backend', level: 'silent' }));
  assert.equal(identity.taskArn, TASK_ARN);
  assert.equal(identity.availabilityZone, 'us-east-1a');
});

test('the settings: required variables named when missing, the id never repeated; the task definition read', () => {
  const env = { COMPOSE_PROJECT_NAME: PROJECT, CREDENTIALS_ID: CREDENTIALS_ID, TASK_ROLE_ARN: ROLE_ARN };
  const settings = loadEndpointsConfig(env);
  assert.deepEqual([settings.host, settings.port, settings.taskCpu, settings.credentialsDurationSeconds], ['169.254.170.2', 80, undefined, 3600]);
  assert.equal(loadEndpointsConfig({ ...env, TASK_CPU: '1024', TASK_MEMORY: '2048' }).taskMemory, 2048);
  assert.throws(() => loadEndpointsConfig({ ...env, CREDENTIALS_ID: '' }), (error: Error) => error instanceof ConfigError && error.message.startsWith('CREDENTIALS_ID must be set'));
  assert.throws(
    () => loadEndpointsConfig({ ...env, CREDENTIALS_ID: 'not/a/valid id' }),
    (error: Error) => error instanceof ConfigError && !error.message.includes('not/a/valid id'),
  );
  assert.throws(() => loadEndpointsConfig({ ...env, TASK_ROLE_ARN: 'task-role' }), /^ConfigError: TASK_ROLE_ARN must be an IAM role ARN/);

  const definition = readTaskDefinition(fileURLToPath(new URL('../../task-definition/task-definition.json', import.meta.url)));
  assert.deepEqual(definition, { family: PROJECT_NAME, cpu: 512, memory: 1024, containers: ['backend', 'frontend'] });
  assert.throws(() => readTaskDefinition('/nonexistent.json'), /^ConfigError: TASK_DEFINITION_FILE \/nonexistent\.json: ENOENT/);
});

test('main.ts with a missing setting: one line naming it, exit code 1', () => {
  const main = fileURLToPath(new URL('../ecs-endpoints/main.ts', import.meta.url));
  const result = spawnSync(process.execPath, [main], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /^ecs-endpoints: COMPOSE_PROJECT_NAME must be set: .*\n$/);
});
