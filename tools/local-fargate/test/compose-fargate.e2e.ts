// `npm run compose:fargate` on a real Docker engine, at another of Fargate's
// sizes than the task definition's (--cpu/--memory): the task's CPU and
// memory enforced as Fargate enforces them, read back from the kernel, and
// reported by ECS's task metadata endpoint inside the task.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { composeFargateFor, resized, taskSizes } from '../compose-fargate.ts';
import { ComposeStack, docker } from '../../../test/helpers/compose.ts';
import { PROJECT_NAME } from '../../../services/shared/project.ts';

const PROJECT = `${PROJECT_NAME}-e2e-fargate`;
const stack = new ComposeStack(PROJECT);
// The task definition's CPU with twice its memory: the CPU measurements
// below stay those of the deployed task, and the memory shows the resize.
const definition = taskSizes();
const sizes = resized(definition, definition.cpu, definition.memory * 2);
const APPS = sizes.containers.map((container) => container.name);
const MiB = 1024 * 1024;

const composeFargate = (action: 'up' | 'down') => composeFargateFor(PROJECT, action, sizes);

/** The cgroup v1 folder of a process for one controller, from /proc/PID/cgroup, as the kernel places it. */
function cgroupOf(pid: number, controller: string): string {
  const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
    .split('\n')
    .find((entry) => entry.split(':')[1]?.split(',').includes(controller));
  assert.ok(line !== undefined, `process ${pid} has no ${controller} cgroup`);
  return join('/sys/fs/cgroup', controller, line.split(':')[2]!);
}

const read = (dir: string, file: string) => Number(readFileSync(join(dir, file), 'utf8').trim());

async function pidOf(service: string): Promise<number> {
  return (JSON.parse(await docker(['inspect', await stack.containerId(service)])) as [{ State: { Pid: number } }])[0].State.Pid;
}

before(async () => {
  await stack.down();
  const up = await composeFargate('up');
  assert.equal(up.code, 0, up.output);
});

after(async () => {
  const down = await composeFargate('down');
  assert.equal(down.code, 0, down.output);
});

test("the app containers sit in one task cgroup with the task's CPU quota and memory limit, each with its weight and its own memory limit", async () => {
  const parents = new Set<string>();
  for (const container of sizes.containers) {
    const pid = await pidOf(container.name);
    const cpu = cgroupOf(pid, 'cpu');
    const memory = cgroupOf(pid, 'memory');
    parents.add(join(cpu, '..'));
    assert.equal(read(cpu, 'cpu.shares'), container.cpu, `${container.name}: its weight`);
    assert.equal(read(cpu, 'cpu.cfs_quota_us'), -1, `${container.name}: no CPU cap of its own`);
    assert.equal(read(memory, 'memory.limit_in_bytes'), container.memory * MiB, `${container.name}: its own memory limit`);
    assert.equal(read(join(memory, '..'), 'memory.limit_in_bytes'), sizes.memory * MiB, 'the task memory limit');
  }
  assert.equal(parents.size, 1, `one task cgroup for ${APPS.join(' and ')}: ${[...parents].join(', ')}`);
  const [task] = parents;
  assert.equal(read(task!, 'cpu.cfs_quota_us') / read(task!, 'cpu.cfs_period_us'), sizes.cpu / 1024, 'the task CPU quota');
});

test('one busy container takes the whole task quota while the other idles, and no more', async (t) => {
  const busy = sizes.containers[0]!.name;
  const pid = await pidOf(busy);
  const usage = (dir: string) => read(dir, 'cpuacct.usage');
  const container = cgroupOf(pid, 'cpuacct');
  const task = join(container, '..');
  // A busy loop in the container, as its own user, for longer than we measure.
  await docker(['exec', '--detach', await stack.containerId(busy), 'node', '-e', 'const end = Date.now() + 6000; while (Date.now() < end);']);
  await sleep(1_000);
  const [containerBefore, taskBefore, started] = [usage(container), usage(task), process.hrtime.bigint()];
  await sleep(3_000);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const vcpu = (before: number, dir: string) => (usage(dir) - before) / 1e9 / seconds;
  const [mine, all] = [vcpu(containerBefore, container), vcpu(taskBefore, task)];
  const quota = sizes.cpu / 1024;
  t.diagnostic(`${busy} busy: ${mine.toFixed(3)} vCPU; the task: ${all.toFixed(3)} vCPU; quota ${quota} vCPU`);
  // Far more than its weight's half of the task, as on Fargate (a per-container cap would hold it at half)...
  assert.ok(mine > quota * 0.8, `${busy} used ${mine.toFixed(3)} vCPU of the task's ${quota}`);
  // ...and never more than the task's quota, whatever the host has free.
  assert.ok(all < quota * 1.05, `the task used ${all.toFixed(3)} vCPU, over its quota of ${quota}`);
});

test("ECS's endpoints report the resized task, give the task role's credentials at a random path, and stay out of the task's cgroup", async () => {
  const script = `const uri = process.env.ECS_CONTAINER_METADATA_URI_V4;
    const credentials = await (await fetch('http://169.254.170.2' + process.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)).json();
    const task = await (await fetch(uri + '/task')).json();
    console.log(JSON.stringify({ path: process.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, keyId: credentials.AccessKeyId, limits: task.Limits, containers: task.Containers.map((c) => [c.Name, c.Limits]) }));`;
  const seen = JSON.parse(await stack.compose(['exec', '-T', 'backend', 'node', '--input-type=module', '-e', script]));
  // compose:fargate gives each task a new UUID, as ECS does.
  assert.match(seen.path, /^\/v2\/credentials\/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.match(seen.keyId, /^ASIA/);
  assert.deepEqual(seen.limits, { CPU: sizes.cpu / 1024, Memory: sizes.memory });
  // Each container's weight (CPU units) and memory limit, as resized.
  assert.deepEqual(seen.containers, sizes.containers.map((c) => [c.name, { CPU: c.cpu, Memory: c.memory }]));
  assert.notEqual(sizes.memory, definition.memory, 'a size other than the task definition\'s');

  // On Fargate ECS's endpoints take none of the task's CPU or memory: here the namespace owner serves them from outside its cgroup.
  const taskCgroup = join(cgroupOf(await pidOf(APPS[0]!), 'cpu'), '..');
  assert.ok(!cgroupOf(await pidOf('task'), 'cpu').startsWith(`${taskCgroup}/`), 'the namespace owner is in the task cgroup');

  const res = await fetch('http://localhost:3000/api/hello?name=fargate');
  assert.equal(res.status, 200, await res.text());
});
