// /api/task and the status page's CPU and memory view on the compose task,
// whose containers get ECS's endpoints (task metadata v4 at 169.254.170.2)
// as Fargate gives them: the numbers are the containers' own, live.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import type { TaskUsage } from '../../services/shared/schemas.ts';
import { PROJECT_NAME } from '../../services/shared/project.ts';
import { colours, openPage } from '../helpers/browser.ts';
import { ComposeStack, waitFor } from '../helpers/compose.ts';
import { report, startLoad } from '../helpers/load.ts';
import { shownRows } from '../helpers/task-view.ts';

const stack = new ComposeStack(`${PROJECT_NAME}-e2e-task-view`);
const TASK_URL = 'http://localhost:3000';
// Longer than the frontend's 2 s window (task-metadata.ts): each reading is a new one.
const READING_INTERVAL_MS = 2_500;

/** GET /api/task: the body of a 200; anything else throws (waitFor tries again). */
async function taskUsage(): Promise<TaskUsage> {
  const res = await request(`${TASK_URL}/api/task`, { reset: true, headersTimeout: 10_000, bodyTimeout: 10_000 });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`/api/task answered ${res.statusCode}: ${text}`);
  return JSON.parse(text) as TaskUsage;
}

const names = (usage: TaskUsage) => usage.containers.map((c) => c.name).sort();

/** The backend's vCPU in an answer that has a sample of it. */
function backendCpu(usage: TaskUsage): number | undefined {
  const cpu = usage.containers.find((c) => c.name === 'backend')?.cpu;
  return cpu === null ? undefined : cpu;
}

/** The backend's vCPU in `count` readings, READING_INTERVAL_MS apart. */
async function backendCpuReadings(count: number): Promise<number[]> {
  const readings: number[] = [];
  for (let i = 0; i < count; i += 1) {
    if (i > 0) await sleep(READING_INTERVAL_MS);
    readings.push(await waitFor('a sample of the backend', async () => backendCpu(await taskUsage()), 20_000));
  }
  return readings;
}

before(() => stack.up());
after(() => stack.down());

test("/api/task on the compose task: the task's size, both containers, and the backend's CPU rising under load on /api/hello", async (t) => {
  const first = await waitFor('/api/task with a sample of each container', async () => {
    const usage = await taskUsage();
    return usage.containers.every((c) => c.cpu !== null && c.memoryMiB !== null) ? usage : undefined;
  }, 60_000);
  t.diagnostic(`/api/task: ${JSON.stringify(first)}`);
  assert.deepEqual(names(first), ['backend', 'frontend'], 'the containers as the task definition names them');
  assert.ok(first.limits.cpu > 0 && first.limits.memoryMiB > 0);
  for (const c of first.containers) {
    assert.ok(c.memoryMiB! > 5 && c.memoryMiB! < c.memoryLimitMiB, `${c.name}: ${c.memoryMiB} of ${c.memoryLimitMiB} MiB`);
    assert.ok(c.memoryLimitMiB <= first.limits.memoryMiB, `${c.name}: its limit within the task's`);
  }

  const idle = await backendCpuReadings(3);
  const load = startLoad(t, TASK_URL, { connections: 16, ratePerSecond: 5_000, path: '/api/hello?name=load' });
  // Long enough for the endpoint's samples to span the load.
  await sleep(3_000);
  const busy = await backendCpuReadings(4);
  await load.stop();
  report(t, 'load on /api/hello while reading /api/task', load);
  t.diagnostic(`backend vCPU idle ${idle.join(', ')}; under load ${busy.join(', ')} (task: ${first.limits.cpu} vCPU)`);
  const before = Math.max(...idle);
  const during = Math.max(...busy);
  assert.ok(during > before + 0.05, `the backend's CPU rose from ${before} to ${during} vCPU only`);
  assert.ok(during <= first.limits.cpu * 1.05, `${during} vCPU, beyond the task's ${first.limits.cpu}`);
});

test('the status page shows each container against its limits in a real browser, without console errors', async (t) => {
  const { page, problems } = await openPage(t, `${TASK_URL}/`);
  await page.locator('#task-status', { hasText: 'live' }).waitFor({ timeout: 20_000 });
  const usage = await taskUsage();
  const rows = await shownRows(page);
  assert.deepEqual(
    rows.map((row) => row.name),
    [...usage.containers.map((c) => c.name), 'task'],
  );
  for (const row of rows) {
    const limit = usage.containers.find((c) => c.name === row.name);
    assert.equal(row.cpu?.max, usage.limits.cpu, `${row.name}: CPU against the task's vCPU`);
    assert.equal(row.memory?.max, limit?.memoryLimitMiB ?? usage.limits.memoryMiB, `${row.name}: memory against its limit`);
    assert.ok(row.cpu!.value >= 0 && row.memory!.value > 0, `${row.name}: ${JSON.stringify(row)}`);
  }
  const screenshot = await page.screenshot({ fullPage: true });
  const file = join(tmpdir(), `task-view-${process.pid}.png`);
  writeFileSync(file, screenshot);
  t.diagnostic(`screenshot: ${file}`);
  assert.ok((await colours(page, screenshot)) > 16, 'the page has content');
  for (const meter of await page.locator('#task-view meter').all()) {
    const box = await meter.boundingBox();
    assert.ok(box !== null && box.width > 20 && box.height > 5, `a meter of ${JSON.stringify(box)}`);
  }
  assert.deepEqual(problems, []);
});
