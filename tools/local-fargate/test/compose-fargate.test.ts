// compose:fargate's command line and the sizes it gives the task: no Docker.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { FARGATE_SIZES, fargateOverride, parseCommandLine, resized, taskSizes } from '../compose-fargate.ts';

const definition = taskSizes();
const SCRIPT = fileURLToPath(new URL('../compose-fargate.ts', import.meta.url));
const task = { cpu: 256, memory: 512, containers: [{ name: 'backend', cpu: 128, memory: 256 }, { name: 'frontend', cpu: 128, memory: 256 }] };

test("without --cpu and --memory, the task definition's sizes, for up by default", () => {
  assert.deepEqual(parseCommandLine([]), { action: 'up', sizes: definition });
  assert.deepEqual(parseCommandLine(['print']), { action: 'print', sizes: definition });
});

test("another size scales each container's weight and memory limit with the task's", () => {
  assert.deepEqual(parseCommandLine(['up', '--cpu', '512', '--memory', '1024'], task).sizes, {
    cpu: 512,
    memory: 1024,
    containers: [{ name: 'backend', cpu: 256, memory: 512 }, { name: 'frontend', cpu: 256, memory: 512 }],
  });
  // Shares and memory scale separately, and never add up to more than the task's.
  const uneven = resized({ ...task, containers: [{ name: 'a', cpu: 100, memory: 300 }, { name: 'b', cpu: 156, memory: 212 }] }, 1024, 3072);
  assert.deepEqual(uneven.containers, [{ name: 'a', cpu: 400, memory: 1800 }, { name: 'b', cpu: 624, memory: 1272 }]);
  for (const [cpu, memories] of FARGATE_SIZES) {
    const sizes = resized(definition, cpu, memories[0]!);
    assert.ok(sizes.containers.reduce((sum, c) => sum + c.cpu, 0) <= cpu && sizes.containers.reduce((sum, c) => sum + c.memory, 0) <= memories[0]!, `${cpu}`);
  }
});

test("Fargate's valid combinations only", () => {
  assert.deepEqual(FARGATE_SIZES.get(256), [512, 1024, 2048]);
  assert.deepEqual(FARGATE_SIZES.get(1024), [2048, 3072, 4096, 5120, 6144, 7168, 8192]);
  assert.equal(FARGATE_SIZES.get(16384)?.at(-1), 122880);
  assert.equal(FARGATE_SIZES.has(32768), false);
  for (const [args, option] of [
    [['--cpu', '300', '--memory', '1024'], '--cpu'],
    [['--cpu', '512', '--memory', '512'], '--memory'],
    [['--cpu', '1024'], '--memory'],
    [['--cpu', '256', '--memory', '1536'], '--memory'],
    [['--cpu', '1024', '--memory', '9216'], '--memory'],
    [['--memory', '2GB'], '--memory'],
    [['--cpu', '0.5'], '--cpu'],
  ] as const) {
    assert.throws(() => parseCommandLine(['up', ...args]), (error: Error) => error.message.startsWith(`${option}:`), args.join(' '));
  }
});

test('the override for another size carries its weights and memory limits', () => {
  const override = fargateOverride(resized(task, 1024, 2048), '/task');
  assert.equal((override.match(/cgroup_parent: \/task\n\s+cpus: 0\n\s+cpu_shares: 512\n\s+mem_limit: 1024m/g) ?? []).length, 2, override);
});

test("the namespace owner stays out of the task's cgroup, and tells the metadata endpoint the task's size", () => {
  const { services } = parse(fargateOverride(resized(task, 1024, 2048), '/task')) as { services: Record<string, Record<string, unknown>> };
  assert.deepEqual(services.task, { environment: { TASK_CPU: '1024', TASK_MEMORY: '2048' } });
  assert.deepEqual(Object.keys(services).sort(), ['backend', 'frontend', 'task']);
});

test('a bad size exits 2 with one line naming the option and the usage', () => {
  const result = spawnSync(process.execPath, [SCRIPT, 'print', '--cpu', '512', '--memory', '512'], { encoding: 'utf8' });
  assert.equal(result.status, 2);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /^compose:fargate: --memory: .*; usage: npm run compose:fargate \[-- up\|down\|print\] \[--cpu UNITS\] \[--memory MiB\]\n$/);
  const print = spawnSync(process.execPath, [SCRIPT, 'print', '--cpu', '512', '--memory', '1024'], { encoding: 'utf8' });
  assert.equal(print.status, 0, print.stderr);
  assert.match(print.stdout, /^# task cgroup \/[\w-]+: 0\.5 vCPU \(CFS quota\), 1024 MiB;/);
});
