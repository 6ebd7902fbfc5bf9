import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { startInContainer } from '../helpers/container.ts';
import { latencies, report, startLoad, summarize } from '../helpers/load.ts';

// under-pressure samples the event loop once a second: the mean of its
// delay histogram (one value per 10 ms tick, at least 10 ms each) less the
// 10 ms resolution. A frozen 3 s tick among at most a hundred others
// averages over (100 * 10 + 3000) / 101 = 39.6 ms, a delay of 29.6 ms,
// whatever second the freeze starts in: above 20, where an unfrozen
// frontend, on a busy machine, would need every tick of a second to run
// 20 ms late to be shed.
const MAX_DELAY_MS = 20;
const FROZEN_MS = 3_000;
// Deadlines for what must happen, far beyond what it takes: not measures.
const WAIT_MS = 10_000;

async function status(url: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const res = await request(url);
  await res.body.dump();
  return { status: res.statusCode, ms: Math.round(performance.now() - started) };
}

test('event loop stalled under load: the frontend sheds with a fast 503 overloaded, health still answers, then recovers', { timeout: 60_000 }, async (t) => {
  const backend = await startInContainer(t, 'backend');
  const frontend = await startInContainer(t, 'frontend', { BACKEND_URL: backend.url, MAX_EVENT_LOOP_DELAY_MS: String(MAX_DELAY_MS) });
  const load = startLoad(t, frontend.url, { connections: 8, ratePerSecond: 400, path: '/api/hello?name=busy' });
  await load.next((sample) => sample.outcome === '200', WAIT_MS);

  // Frozen, as a container starved of CPU (or paused) is: requests pile up unread.
  frontend.child.kill('SIGSTOP');
  await sleep(FROZEN_MS); // the fault itself, not a wait for it
  frontend.child.kill('SIGCONT');
  const resumed = performance.now();

  // Shedding lasts until the next sample, a second later: both checks at once, meanwhile.
  const firstShed = await load.next((sample) => sample.outcome === '503 overloaded', WAIT_MS);
  const [live, ready] = await Promise.all([status(`${frontend.url}/health/live`), status(`${frontend.url}/health/ready`)]);
  const checked = performance.now();
  const recovered = await load.next((sample) => sample.outcome === '200' && sample.start > firstShed.end, WAIT_MS);
  // Then a hundred more answers: the frontend stays recovered.
  const last = await load.next(() => true, WAIT_MS, 100);
  const samples = await load.stop();

  const summary = report(t, `frontend event loop frozen ${FROZEN_MS / 1000} s, MAX_EVENT_LOOP_DELAY_MS=${MAX_DELAY_MS}`, load);
  const shedAfterFreeze = latencies(samples.filter((sample) => sample.start > resumed), '503 overloaded');
  t.diagnostic(
    `shedding for ${Math.round(recovered.start - resumed)} ms after the freeze; 503 overloaded in ${shedAfterFreeze.medianMs} ms (median), ${shedAfterFreeze.maxMs} ms (worst); /health/live ${live.status} in ${live.ms} ms, /health/ready ${ready.status} in ${ready.ms} ms meanwhile`,
  );

  // Calls to the backend in flight through the freeze outlive BACKEND_TIMEOUT_MS (2 s): a 504 is their right answer.
  for (const sample of samples) {
    const allowed = sample.start < resumed ? ['200', '503 overloaded', '504 backend_timeout'] : ['200', '503 overloaded'];
    assert.ok(allowed.includes(sample.outcome), `${sample.outcome}: ${JSON.stringify(summary.outcomes)}`);
  }
  // At once: a few milliseconds typically. None waits as long as a second,
  // let alone the freeze, even on a busy machine.
  assert.ok(shedAfterFreeze.count > 0 && shedAfterFreeze.medianMs < 50 && shedAfterFreeze.maxMs < 1_000, 'callers arriving after the freeze are turned away at once, not kept waiting');
  assert.equal(live.status, 200, 'liveness answers while the frontend sheds');
  assert.equal(ready.status, 200, 'readiness answers while the frontend sheds');
  assert.ok(samples.some((sample) => sample.outcome === '503 overloaded' && sample.start > checked), 'still shedding after the health checks');
  const after = samples.filter((sample) => sample.start > recovered.end && sample.end <= last.end);
  assert.ok(after.length > 0 && after.every((sample) => sample.outcome === '200'), `recovered by itself: ${JSON.stringify(summarize(after).outcomes)}`);
});
