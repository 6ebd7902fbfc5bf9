// GET /api/task: the task's CPU and memory, per container, read from the
// ECS task metadata endpoint v4 in the shapes AWS documents.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { cpuOf, memoryOf, readTaskUsage } from '../../services/frontend/task-metadata.ts';
import {
  FARGATE_TASK,
  FARGATE_TASK_STATS,
  FARGATE_USAGE,
  fargateTaskStats,
  MANAGED_INSTANCES_TASK,
  MANAGED_INSTANCES_TASK_STATS,
  MANAGED_INSTANCES_USAGE,
  ourTask,
} from '../fixtures/task-metadata.ts';
import { frontendApp } from '../helpers/apps.ts';
import { closedOrigin, fakeBackend, resettingBackend } from '../helpers/fake-backend.ts';
import { fakeMetadata } from '../helpers/fake-metadata.ts';

// The frontend's bounds (task-metadata.ts): how long a read may take, how long an answer is reused.
const TIMEOUT_MS = 2_000;
const TTL_MS = 2_000;

type Json = Record<string, unknown>;
const AWS_ENTRY = Object.values(JSON.parse(FARGATE_TASK_STATS) as Json)[0] as Json;

/** The frontend, its ECS_CONTAINER_METADATA_URI_V4 set to `uri` (or unset), and its answer to GET /api/task. */
async function frontendFor(t: TestContext, uri: string | undefined) {
  const { app, logs } = await frontendApp(t, { BACKEND_URL: await closedOrigin(), ...(uri === undefined ? {} : { ECS_CONTAINER_METADATA_URI_V4: uri }) });
  return { app, logs, task: () => request(app.server).get('/api/task') };
}

/** An error answer: JSON, the app's error shape, the status and code expected. */
function assertError(res: request.Response, status: number, code: string): void {
  assert.equal(res.status, status, res.text);
  assert.match(res.headers['content-type'] ?? '', /^application\/json/);
  assert.deepEqual(Object.keys(res.body).sort(), ['code', 'error', 'message', 'statusCode']);
  assert.equal(res.body.statusCode, status);
  assert.equal(res.body.code, code);
}

test("AWS's Fargate example: the task's vCPU and MiB, each container's CPU, memory without cache, and limit", async (t) => {
  const metadata = await fakeMetadata(t, { task: FARGATE_TASK, stats: fargateTaskStats() });
  const { task } = await frontendFor(t, metadata.uri);
  const res = await task().expect(200);
  assert.deepEqual(res.body, FARGATE_USAGE);
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.deepEqual(metadata.asked.sort(), ['/task', '/task/stats']);
});

test("AWS's Managed Instances example (cgroup v2: inactive_file, no cache), the same endpoint and shapes", async (t) => {
  const metadata = await fakeMetadata(t, { task: MANAGED_INSTANCES_TASK, stats: MANAGED_INSTANCES_TASK_STATS });
  const { task } = await frontendFor(t, metadata.uri);
  assert.deepEqual((await task().expect(200)).body, MANAGED_INSTANCES_USAGE);
});

test('a task like ours: each container its own memory limit, the numbers its stats show', async (t) => {
  const metadata = await fakeMetadata(t, ourTask({ frontend: { cpu: 0.125, memoryMiB: 80 }, backend: { cpu: 0.3, memoryMiB: 61.5 } }));
  const { task } = await frontendFor(t, metadata.uri);
  assert.deepEqual((await task().expect(200)).body, {
    limits: { cpu: 0.5, memoryMiB: 1024 },
    containers: [
      { name: 'frontend', cpu: 0.125, memoryMiB: 80, memoryLimitMiB: 256 },
      { name: 'backend', cpu: 0.3, memoryMiB: 61.5, memoryLimitMiB: 256 },
    ],
  });
});

test('CPU: CPU time over wall time between the two samples, to the nanosecond; none without a previous sample', () => {
  // (1137691504 - 1136624601) ns over 21:24:44.938937019 - 21:24:34.938633969.
  assert.equal(cpuOf(AWS_ENTRY), 1_066_903 / 10_000_303_050);
  const withoutPrevious = { ...AWS_ENTRY, preread: '0001-01-01T00:00:00Z', precpu_stats: { cpu_usage: { total_usage: 0 } } };
  assert.equal(cpuOf(withoutPrevious), null, "Docker's first sample: no interval to measure over");
  assert.equal(cpuOf({ ...AWS_ENTRY, read: AWS_ENTRY.preread }), null, 'no time passed');
  assert.equal(cpuOf({ ...AWS_ENTRY, read: 'yesterday' }), null);
  assert.equal(cpuOf({}), null);
});

test('memory as `docker stats` counts it: usage less total_inactive_file (v1), inactive_file (v2), or cache (Docker 19.03)', () => {
  const memory = (usage: number, stats: Json) => memoryOf({ memory_stats: { usage, stats } });
  assert.equal(memoryOf(AWS_ENTRY), 6_504_448 - 3_088_384);
  assert.equal(memory(1000, { total_inactive_file: 300, inactive_file: 200, cache: 100 }), 700);
  assert.equal(memory(1000, { inactive_file: 200, cache: 100 }), 800);
  assert.equal(memory(1000, { cache: 100 }), 900);
  assert.equal(memory(1000, {}), 1000);
  assert.equal(memory(1000, { inactive_file: 1500 }), 1000, 'a reclaimable count above the usage is ignored, as docker does');
  assert.equal(memoryOf({ memory_stats: {} }), null);
});

test('a document that is not the shape AWS documents is refused', () => {
  const task = JSON.parse(FARGATE_TASK) as Json;
  const stats = JSON.parse(fargateTaskStats()) as Json;
  const broken: Array<[string, unknown, unknown]> = [
    ['task not an object', [], stats],
    ['stats not an object', task, 'text'],
    ['no task Limits', { ...task, Limits: undefined }, stats],
    ['task CPU not a number', { ...task, Limits: { CPU: '0.25', Memory: 512 } }, stats],
    ['no Containers', { ...task, Containers: undefined }, stats],
    ['a container without a name', { ...task, Containers: [{ DockerId: 'x' }] }, stats],
  ];
  for (const [what, taskDoc, statsDoc] of broken) assert.equal(readTaskUsage(taskDoc, statsDoc), undefined, what);
  // Stats for no container at all: every container shows as just started.
  const starting = readTaskUsage(task, {});
  assert.deepEqual(
    starting?.containers.map((c) => [c.cpu, c.memoryMiB]),
    [
      [null, null],
      [null, null],
    ],
  );
});

test('without an endpoint (npm start): a JSON 503 no_task_metadata naming the variable', async (t) => {
  const { task } = await frontendFor(t, undefined);
  const res = await task();
  assertError(res, 503, 'no_task_metadata');
  assert.match(res.body.message, /ECS_CONTAINER_METADATA_URI_V4/);
});

test('read only when asked, and once per window: concurrent and repeated callers share one read of each document', async (t) => {
  const metadata = await fakeMetadata(t, ourTask({ frontend: { cpu: 0.1, memoryMiB: 80 }, backend: { cpu: 0.2, memoryMiB: 60 } }));
  const { task } = await frontendFor(t, metadata.uri);
  await sleep(100);
  assert.deepEqual(metadata.asked, [], 'nothing is read before someone asks');

  const started = performance.now();
  const together = await Promise.all(Array.from({ length: 10 }, () => task()));
  for (let i = 0; i < 10; i += 1) await task().expect(200);
  assert.ok(performance.now() - started < TTL_MS, 'the 20 requests took longer than the window: the machine is too busy for this test');
  assert.deepEqual(
    together.map((res) => res.status),
    Array(10).fill(200),
  );
  assert.deepEqual(metadata.asked.sort(), ['/task', '/task/stats'], '20 requests, one read of each document');

  // Past the window the next request reads again, and sees what changed.
  metadata.documents = ourTask({ frontend: { cpu: 0.1, memoryMiB: 80 }, backend: { cpu: 0.4, memoryMiB: 60 } });
  await sleep(TTL_MS + 100);
  const res = await task().expect(200);
  assert.equal(res.body.containers[1].cpu, 0.4);
  assert.equal(metadata.asked.length, 4);
});

test('endpoint unreachable (nothing listening, or dropping connections): a fast 503, and its cause in the access log', async (t) => {
  for (const uri of [`${await closedOrigin()}/v4/x`, `${await resettingBackend(t)}/v4/x`]) {
    const { task, logs } = await frontendFor(t, uri);
    const started = performance.now();
    assertError(await task(), 503, 'task_metadata_unavailable');
    assert.ok(performance.now() - started < TIMEOUT_MS, 'it waited for the timeout');
    const line = logs.find((entry) => entry.url === '/api/task');
    assert.match(String((line?.cause as { code?: unknown } | undefined)?.code), /^(ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET)$/);
  }
});

test('endpoint throttling (429) or unavailable (503): a 503; any other status: a 502', async (t) => {
  const answers: Array<[number, number, string]> = [
    [429, 503, 'task_metadata_unavailable'],
    [503, 503, 'task_metadata_unavailable'],
    [500, 502, 'task_metadata_error'],
    [404, 502, 'task_metadata_error'],
  ];
  for (const [upstream, status, code] of answers) {
    const origin = await fakeBackend(t, (_req, res) => res.writeHead(upstream, { 'content-type': 'text/plain' }).end('no'));
    const { task } = await frontendFor(t, `${origin}/v4/x`);
    const res = await task();
    assertError(res, status, code);
    assert.match(res.body.message, new RegExp(String(upstream)));
  }
});

test('an answer the frontend cannot use (not JSON, not the documented shape): a 502 that does not echo it', async (t) => {
  for (const body of ['<html>not json</html>', '{"Limits": "none"}']) {
    const origin = await fakeBackend(t, (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
    const { task } = await frontendFor(t, `${origin}/v4/x`);
    const res = await task();
    assertError(res, 502, 'task_metadata_error');
    assert.ok(!res.text.includes('not json') && !res.text.includes('none'), 'the endpoint body is not echoed');
  }
});

test('endpoint too slow: a 504 at the timeout, not a hang; the failure is reused for the window, sparing the endpoint', async (t) => {
  let asked = 0;
  const origin = await fakeBackend(t, () => {
    asked += 1; // never answers
  });
  const { task } = await frontendFor(t, `${origin}/v4/x`);
  const started = performance.now();
  assertError(await task(), 504, 'task_metadata_timeout');
  const ms = performance.now() - started;
  assert.ok(ms >= TIMEOUT_MS - 1 && ms < TIMEOUT_MS + 1_000, `took ${Math.round(ms)} ms`);
  assertError(await task(), 504, 'task_metadata_timeout');
  assert.equal(asked, 2, 'one read of each document for both requests');
});
