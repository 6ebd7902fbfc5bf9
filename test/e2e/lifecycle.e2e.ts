// The compose task's lifecycle on a real Docker engine: how long it takes
// to serve from `docker compose up`, and a crashed container healing in
// place, as the task definition's restartPolicy heals it on Fargate.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { assertOutcomes, report, startLoad } from '../helpers/load.ts';
import { ComposeStack, waitFor } from '../helpers/compose.ts';
import { PROJECT_NAME } from '../../services/shared/project.ts';

const stack = new ComposeStack(`${PROJECT_NAME}-e2e-lifecycle`);
const TASK_URL = 'http://localhost:3000';
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function answers(): Promise<true | undefined> {
  const res = await request(`${TASK_URL}/api/hello?name=up`, { reset: true, headersTimeout: 2_000, bodyTimeout: 2_000 });
  await res.body.dump();
  return res.statusCode === 200 ? true : undefined;
}

/** The pid, on this host, of the service's node process: the child of the container's init. */
async function nodePid(service: string): Promise<number> {
  const init = (await stack.inspect(service)) as unknown as { State: { Pid: number } };
  const children = readFileSync(`/proc/${init.State.Pid}/task/${init.State.Pid}/children`, 'utf8').trim().split(/\s+/);
  assert.equal(children.length, 1, `one process under ${service}'s init: ${children.join(' ')}`);
  return Number(children[0]);
}

before(async () => {
  // Built once (the images are Docker's to cache), so that up measures starting, not building.
  await stack.down();
  await stack.compose(['build']);
});
after(() => stack.down());

test('time to serve: from docker compose up, with built images, to the first 200 through the frontend', async (t) => {
  const begin = performance.now();
  await stack.compose(['up', '--detach', '--no-build']);
  const started = performance.now();
  await waitFor('the first 200 from /api/hello', answers, 60_000);
  const served = performance.now();
  const [backend, frontend] = await Promise.all([stack.inspect('backend'), stack.inspect('frontend')]);
  const appsStarted = Math.min(Date.parse(backend.State.StartedAt), Date.parse(frontend.State.StartedAt));
  const fromApps = Date.now() - (performance.now() - served) - appsStarted;
  t.diagnostic(`time to serve: ${seconds(served - begin)} from docker compose up (the command returned after ${seconds(started - begin)}), ${seconds(fromApps)} from the first app container's start`);
  // The figure is printed, not held to its 10 s goal here: at 0.25 vCPU a
  // container's start-up time follows the machine's load. What is held is
  // the start order that the time depends on: the frontend does not wait
  // for the backend's first health check (one interval, 5 s).
  const waited = Date.parse(frontend.State.StartedAt) - Date.parse(backend.State.StartedAt);
  assert.ok(waited < 5_000, `the frontend started ${seconds(waited)} after the backend`);
  assert.ok(fromApps < 30_000, `the task served ${seconds(fromApps)} after its first app container started`);
});

test('a backend that crashes (SIGKILL) under light load restarts in place: 200s again within 15 s, JSON 503s meanwhile, the frontend untouched', async (t) => {
  await waitFor('the task to answer', answers, 60_000);
  const frontendBefore = (await stack.inspect('frontend')).State.StartedAt;
  const backendBefore = (await stack.inspect('backend')).State.StartedAt;
  const load = startLoad(t, TASK_URL, { connections: 4, ratePerSecond: 50, path: '/api/hello?name=crash' });
  await load.next((sample) => sample.outcome === '200', 5_000);

  const killed = performance.now();
  process.kill(await nodePid('backend'), 'SIGKILL');
  await load.next((sample) => sample.outcome !== '200', 5_000);
  const back = await load.next((sample) => sample.outcome === '200' && sample.start > killed, 15_000);
  await load.next((sample) => sample.start > back.end, 5_000);
  await load.stop();

  const summary = report(t, 'backend SIGKILL in the compose task, restarted in place', load);
  t.diagnostic(`answering 200 again ${seconds(back.end - killed)} after the kill`);
  assert.ok(back.end - killed < 15_000);
  assertOutcomes(summary, ['200', '503 backend_unavailable']);
  const backend = await stack.inspect('backend');
  assert.notEqual(backend.State.StartedAt, backendBefore, 'the backend container was restarted');
  assert.equal(backend.State.Status, 'running');
  assert.equal((await stack.inspect('frontend')).State.StartedAt, frontendBefore, 'the frontend did not restart');
  const after = load.samples.filter((sample) => sample.start > back.end);
  assert.ok(after.length > 0 && after.every((sample) => sample.outcome === '200'), 'every request after recovery is a 200');
});
