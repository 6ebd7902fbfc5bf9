import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FRONTEND_PORT } from '../../infra/task.ts';
import { probeReadiness } from '../helpers/process.ts';
import { startLoad } from '../helpers/load.ts';
import { startInContainer } from '../helpers/container.ts';
import { template } from '../helpers/synthesized.ts';

const ROOT = new URL('../../', import.meta.url);
const CALLERS = 200;

interface HealthCheck {
  readonly command: readonly string[];
  readonly timeout: number;
}

/** The frontend container's health check, as the stack's task definition writes it. */
function frontendHealthCheck(): HealthCheck {
  const [task] = Object.values(template().findResources('AWS::ECS::TaskDefinition'));
  const containers = task?.Properties.ContainerDefinitions as Array<{ Name: string; HealthCheck?: { Command: string[]; Timeout: number } }>;
  const check = containers.find((container) => container.Name === 'frontend')?.HealthCheck;
  assert.ok(check !== undefined, 'the frontend container has a health check');
  return { command: check.Command, timeout: check.Timeout };
}

/**
 * Runs a CMD health check as ECS does inside the container (our WORKDIR is
 * the repository root), its exit code. The one change: the container's port
 * is replaced by the port this test's frontend listens on, so the test does
 * not need port 3000 free on the machine.
 */
function runHealthCheck({ command, timeout }: HealthCheck, port: { inTask: number; here: number }): Promise<number | null> {
  const [form, file, ...args] = command;
  assert.equal(form, 'CMD');
  assert.ok(args.includes(String(port.inTask)), `the check names the frontend's port ${port.inTask}: ${command.join(' ')}`);
  const here = args.map((arg) => (arg === String(port.inTask) ? String(port.here) : arg));
  return new Promise((resolve) => {
    execFile(file!, here, { cwd: ROOT, timeout: timeout * 1000 }, (error) => {
      resolve(error === null ? 0 : typeof error.code === 'number' ? error.code : null);
    });
  });
}

test('a hung backend (SIGSTOP) under 200 callers: the frontend stays healthy, is not ready, and recovers without a restart', { timeout: 60_000 }, async (t) => {
  const healthCheck = frontendHealthCheck();
  const backend = await startInContainer(t, 'backend');
  const frontend = await startInContainer(t, 'frontend', { BACKEND_URL: backend.url });
  const port = { inTask: FRONTEND_PORT, here: Number(new URL(frontend.url).port) };
  const check = () => runHealthCheck(healthCheck, port);
  t.after(() => {
    if (backend.child.exitCode === null) backend.child.kill('SIGCONT');
  });

  backend.child.kill('SIGSTOP');
  const load = startLoad(t, frontend.url, { connections: CALLERS, ratePerSecond: 100_000, path: '/api/hello?name=hung' });
  await load.next((sample) => sample.outcome === '504 backend_timeout', 10_000);

  // Three checks in a row, as ECS needs three failures to call it unhealthy.
  for (let i = 1; i <= 3; i++) {
    assert.equal(await check(), 0, `health check ${i} of 3 while the backend hangs`);
    await sleep(500);
  }
  assert.equal(await probeReadiness(frontend.url), '503', 'not ready while the backend hangs');

  backend.child.kill('SIGCONT');
  const recovered = await load.next((sample) => sample.outcome === '200', 10_000);
  await load.next((sample) => sample.start > recovered.end && sample.outcome === '200', 10_000);
  const samples = await load.stop();
  const after = samples.filter((sample) => sample.start > recovered.end);
  assert.ok(after.length > 0 && after.every((sample) => sample.outcome === '200'), `every request after recovery is a 200: ${JSON.stringify(after.filter((s) => s.outcome !== '200').slice(0, 3))}`);
  assert.equal(await probeReadiness(frontend.url), '200', 'ready again');
  assert.equal(await check(), 0);
  assert.equal(frontend.child.exitCode, null, 'the same frontend process');
  const outcomes = new Set(samples.map((sample) => sample.outcome));
  assert.deepEqual([...outcomes].filter((outcome) => !['200', '504 backend_timeout', '503 backend_overloaded'].includes(outcome)), []);
});
