import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { startInContainer } from './container.ts';
import { latencies, report, startLoad } from '../helpers/load.ts';

// under-pressure samples the event loop's mean delay once a second. A frozen
// 2.5 s sample among at most a hundred 10 ms ones averages over 24 ms (minus
// its 10 ms resolution: over 14 ms), so the frontend sees it, whatever second
// the freeze starts in.
const MAX_DELAY_MS = 14;
const FROZEN_MS = 2_500;

async function status(url: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const res = await request(url);
  await res.body.dump();
  return { status: res.statusCode, ms: Math.round(performance.now() - started) };
}

test('event loop stalled under load: the frontend sheds with a fast 503 overloaded, health still answers, then recovers', { timeout: 20_000 }, async (t) => {
  const backend = await startInContainer(t, 'backend');
  const frontend = await startInContainer(t, 'frontend', { BACKEND_URL: backend.url, MAX_EVENT_LOOP_DELAY_MS: String(MAX_DELAY_MS) });
  const load = startLoad(t, frontend.url, { connections: 8, ratePerSecond: 400, path: '/api/hello?name=busy' });
  await load.next((sample) => sample.outcome === '200', 2_000);

  // Frozen, as a container starved of CPU (or paused) is: requests pile up unread.
  frontend.child.kill('SIGSTOP');
  await sleep(FROZEN_MS);
  frontend.child.kill('SIGCONT');
  const resumed = performance.now();

  const firstShed = await load.next((sample) => sample.outcome === '503 overloaded', 2_000);
  const live = await status(`${frontend.url}/health/live`);
  const ready = await status(`${frontend.url}/health/ready`);
  const checked = performance.now();
  const recovered = await load.next((sample) => sample.outcome === '200' && sample.start > firstShed.end, 3_000);
  await sleep(200);
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
  assert.ok(shedAfterFreeze.count > 0 && shedAfterFreeze.medianMs < 50 && shedAfterFreeze.maxMs < FROZEN_MS / 5, 'callers arriving after the freeze are turned away at once, not kept waiting');
  assert.equal(live.status, 200, 'liveness answers while the frontend sheds');
  assert.equal(ready.status, 200, 'readiness answers while the frontend sheds');
  assert.ok(samples.some((sample) => sample.outcome === '503 overloaded' && sample.start > checked), 'still shedding after the health checks');
  assert.ok(samples.filter((sample) => sample.start > recovered.end).every((sample) => sample.outcome === '200'), 'recovered by itself');
});
