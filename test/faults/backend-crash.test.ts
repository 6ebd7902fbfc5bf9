import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test, type TestContext } from 'node:test';
import { startInContainer } from '../helpers/container.ts';
import { assertOutcomes, latencies, report, startLoad, type Load, type Sample } from '../helpers/load.ts';
import type { ServiceProcess } from '../helpers/process.ts';

const CONNECTIONS = 8;
const RATE = 1_000;
// A refused connection fails at once; a call that hung would wait this long.
const CONNECT_TIMEOUT_MS = 3_000;
const BACKEND_TIMEOUT_MS = 5_000;
// Deadlines for what must happen, far beyond what it takes: not measures.
const WAIT_MS = 10_000;
// Each outage: this many failed calls, then this many answered ones after
// the restart: at most RATE a second, so over half a second of normal
// traffic, and what the failed calls left for undici's timer wheel to sweep
// (every half second) has been swept.
const FAILED_PER_OUTAGE = 1_000;
const ANSWERED_AFTER = 600;
// What one failed call leaves behind if something keeps it, measured by
// retaining it from a preloaded module: a closure over its path, about 150
// bytes; undici's error, about 450; the request object, about 900. Without
// a leak, the live heap after two outages differed by -12 to +41 kB.
const MAX_RETAINED_BYTES_PER_FAILED_CALL = 100;

interface Outage {
  readonly killed: number;
  /** When the new backend was started: before it, nothing listened on the backend's address. */
  readonly restarting: number;
  readonly back: number;
  readonly firstOk: Sample;
  readonly lastOk: Sample;
}

/** SIGKILL the backend, let FAILED_PER_OUTAGE calls fail, start a new one on the same address, as ECS restarts a container in the task. */
async function outage(t: TestContext, load: Load, backend: ServiceProcess): Promise<{ outage: Outage; backend: ServiceProcess }> {
  const killed = performance.now();
  backend.child.kill('SIGKILL');
  await backend.exited;
  await load.next((sample) => sample.outcome !== '200' && sample.start > killed, WAIT_MS, FAILED_PER_OUTAGE);
  const restarting = performance.now();
  const restarted = await startInContainer(t, 'backend', { PORT: new URL(backend.url).port });
  assert.equal(restarted.url, backend.url);
  const back = performance.now();
  const firstOk = await load.next((sample) => sample.outcome === '200' && sample.start > back, WAIT_MS);
  const lastOk = await load.next((sample) => sample.outcome === '200', WAIT_MS, ANSWERED_AFTER);
  return { outage: { killed, restarting, back, firstOk, lastOk }, backend: restarted };
}

test('backend SIGKILL under load: fast 503s while it is down, no hang, no leak, recovery without a frontend restart', { timeout: 60_000 }, async (t) => {
  let backend = await startInContainer(t, 'backend');
  const frontend = await startInContainer(
    t,
    'frontend',
    { BACKEND_URL: backend.url, BACKEND_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS), BACKEND_TIMEOUT_MS: String(BACKEND_TIMEOUT_MS) },
    { heapProbe: true },
  );
  const load = startLoad(t, frontend.url, { connections: CONNECTIONS, ratePerSecond: RATE, path: '/api/hello?name=crash' });
  await load.next((sample) => sample.outcome === '200', WAIT_MS, 200);

  // Two equal outages. The first also warms up what any first failure does
  // (compiled code, feedback, buffers that grow once); what the second adds
  // to the live heap, the frontend keeps for good.
  const outages: Outage[] = [];
  const live: number[] = [];
  for (let round = 0; round < 2; round++) {
    const result = await outage(t, load, backend);
    backend = result.backend;
    outages.push(result.outage);
    await load.pause(); // nothing in flight: the same state at each measure
    live.push((await frontend.heapAfterGc()).liveBytes);
    load.resume();
  }
  const samples = await load.stop();

  const summary = report(t, `backend SIGKILL twice, restarted after ${FAILED_PER_OUTAGE} failed calls`, load);
  const down = samples.filter((sample) => outages.some(({ killed, restarting }) => sample.start >= killed && sample.end <= restarting));
  const downMs = latencies(down, '503 backend_unavailable');
  const retained = live[1]! - live[0]!;
  t.diagnostic(
    `while down: ${down.length} requests, ${downMs.medianMs} ms median, ${downMs.maxMs} ms worst; first 200 ${outages.map((o) => Math.round(o.firstOk.end - o.back)).join(' and ')} ms after the restarts; ` +
      `frontend live heap ${(live[0]! / 2 ** 20).toFixed(2)} -> ${(live[1]! / 2 ** 20).toFixed(2)} MiB (${Math.round(retained / 1024)} kB over ${FAILED_PER_OUTAGE} failed calls)`,
  );

  assertOutcomes(summary, ['200', '503 backend_unavailable']);
  assert.equal(downMs.count, down.length, 'every request while the backend was down was a 503 backend_unavailable');
  assert.ok(downMs.count >= 2 * FAILED_PER_OUTAGE, 'the frontend kept answering while the backend was down');
  assert.ok(downMs.medianMs < 100, `503s while down took ${downMs.medianMs} ms (median): not fast`);
  assert.ok(summary.worstMs < CONNECT_TIMEOUT_MS, `a request took ${summary.worstMs} ms: one waited for a timeout`);
  assert.ok(
    retained < FAILED_PER_OUTAGE * MAX_RETAINED_BYTES_PER_FAILED_CALL,
    `the frontend kept ${retained} bytes more after ${FAILED_PER_OUTAGE} more failed calls: a leak of ${Math.round(retained / FAILED_PER_OUTAGE)} bytes each`,
  );
  // Recovered on its own each time: the same frontend process answers every request after the first success.
  assert.equal(frontend.child.exitCode, null);
  for (const { firstOk, lastOk } of outages) {
    const after = samples.filter((sample) => sample.start > firstOk.end && sample.end <= lastOk.end);
    assert.ok(after.length > 0 && after.every((sample) => sample.outcome === '200'), 'every request after recovery is a 200');
  }
});
