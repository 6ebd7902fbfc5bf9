import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startInContainer } from './container.ts';
import { assertOutcomes, report, startLoad } from '../helpers/load.ts';

const CONNECTIONS = 8;
const RATE = 1_000;
const CONNECT_TIMEOUT_MS = 1_000;
const DOWN_MS = 1_000;
// A tenth of the container's 256 MiB: what a few seconds of steady work may
// add (JIT code, buffers, a heap not yet collected), far less than a leak
// over thousands of failed calls would.
const MAX_RSS_GROWTH_MB = 24;

/** Resident memory of a process, from the kernel, in MiB. */
function rssMb(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  assert.ok(kb !== undefined, `no VmRSS for process ${pid}`);
  return Number(kb) / 1024;
}

test('backend SIGKILL under load: fast 503s while it is down, no hang, no growth, recovery without a frontend restart', { timeout: 20_000 }, async (t) => {
  const backend = await startInContainer(t, 'backend');
  const frontend = await startInContainer(t, 'frontend', { BACKEND_URL: backend.url, BACKEND_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS) });
  const pid = frontend.child.pid!;

  const load = startLoad(t, frontend.url, { connections: CONNECTIONS, ratePerSecond: RATE, path: '/api/hello?name=crash' });
  await load.next((sample) => sample.outcome === '200', 2_000);
  await sleep(500); // warmed up: the baseline is a process that has been serving
  const rssBefore = rssMb(pid);

  const killed = performance.now();
  backend.child.kill('SIGKILL');
  await backend.exited;
  await load.next((sample) => sample.outcome !== '200', 2_000);
  await sleep(DOWN_MS);

  // A new backend on the same address, as ECS restarts a container in the task.
  const restarted = await startInContainer(t, 'backend', { PORT: new URL(backend.url).port });
  const back = performance.now();
  const firstOk = await load.next((sample) => sample.outcome === '200' && sample.start > back, 3_000);
  await sleep(300);
  const samples = await load.stop();
  const rssAfter = rssMb(pid);

  const summary = report(t, 'backend SIGKILL, restarted after 1 s', load);
  const down = samples.filter((sample) => sample.start >= killed && sample.end <= back);
  const worstDownMs = Math.max(...down.map((sample) => sample.end - sample.start));
  t.diagnostic(
    `while down: ${down.length} requests, worst ${Math.round(worstDownMs)} ms; first 200 ${Math.round(firstOk.end - back)} ms after the restart; frontend RSS ${rssBefore.toFixed(1)} -> ${rssAfter.toFixed(1)} MiB`,
  );

  assert.equal(restarted.url, backend.url);
  assertOutcomes(summary, ['200', '503 backend_unavailable']);
  assert.ok(down.length > CONNECTIONS, 'the frontend kept answering while the backend was down');
  assert.ok(worstDownMs < CONNECT_TIMEOUT_MS, `worst answer while down took ${worstDownMs} ms`);
  assert.ok(summary.worstMs < CONNECT_TIMEOUT_MS, 'no request hung at any point');
  assert.ok(rssAfter - rssBefore < MAX_RSS_GROWTH_MB, `RSS grew from ${rssBefore} to ${rssAfter} MiB`);
  // Recovered on its own: the same frontend process serves every request after the first success.
  assert.equal(frontend.child.exitCode, null);
  const after = samples.filter((sample) => sample.start > firstOk.end);
  assert.ok(after.length > 0 && after.every((sample) => sample.outcome === '200'), 'every request after recovery is a 200');
});
