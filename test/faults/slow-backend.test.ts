import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startInContainer } from '../helpers/container.ts';
import { latencyProxy } from '../helpers/latency-proxy.ts';
import { assertOutcomes, latencies, report, startLoad } from '../helpers/load.ts';

const TIMEOUT_MS = 300;
const POOL_CONNECTIONS = 4;
const MAX_PENDING = 8;
// Deadlines for what must happen, far beyond what it takes: not measures.
const WAIT_MS = 10_000;
// undici's own headers timeout, the pool's safety net behind the deadline
// (backend-client.ts): a 504 that took this long did not come from the deadline.
const SAFETY_NET_MS = TIMEOUT_MS + 1_000;

test('backend slower than BACKEND_TIMEOUT_MS: 504 at the bound, a bounded pool and queue, the excess refused at once', { timeout: 60_000 }, async (t) => {
  const backend = await startInContainer(t, 'backend');
  // 250 ms each way: every call takes at least 500 ms, past the frontend's timeout.
  const slowHop = await latencyProxy(t, backend.url, 250);
  const frontend = await startInContainer(t, 'frontend', {
    BACKEND_URL: slowHop.url,
    BACKEND_TIMEOUT_MS: String(TIMEOUT_MS),
    BACKEND_CONNECTIONS: String(POOL_CONNECTIONS),
    BACKEND_MAX_PENDING: String(MAX_PENDING),
  });

  // Twice as many callers as the frontend lets wait for the backend.
  const load = startLoad(t, frontend.url, { connections: 2 * MAX_PENDING, ratePerSecond: 400, path: '/api/hello?name=slow' });
  // Every call the frontend lets wait times out, five times over.
  await load.next((sample) => sample.outcome === '504 backend_timeout', WAIT_MS, 5 * MAX_PENDING);
  const samples = await load.stop();
  const summary = report(t, `backend 500 ms slow, BACKEND_TIMEOUT_MS=${TIMEOUT_MS}`, load);

  const timedOut = latencies(samples, '504 backend_timeout');
  const refused = latencies(samples, '503 backend_overloaded');
  t.diagnostic(
    `504 after ${timedOut.minMs}-${timedOut.maxMs} ms (median ${timedOut.medianMs}); 503 backend_overloaded after ${refused.minMs}-${refused.maxMs} ms (median ${refused.medianMs}); at most ${slowHop.maxOpen()} connections to the backend`,
  );

  assertOutcomes(summary, ['504 backend_timeout', '503 backend_overloaded']);
  assert.ok(timedOut.count > 0 && refused.count > 0, 'both happened');
  // The deadline starts when the frontend reads the request, after the
  // caller's clock started: no 504 comes sooner (to the millisecond the
  // clocks round to). Calls queue for one of the pool's connections, for
  // about TIMEOUT_MS, before they time out: a deadline that started only once
  // a call had a connection would put the median near twice the bound. A
  // busy machine holds back all the answers in flight at once, so the worst
  // is only bounded below undici's own timeout.
  assert.ok(timedOut.minMs >= TIMEOUT_MS - 1, `a 504 after ${timedOut.minMs} ms, before the bound`);
  assert.ok(timedOut.medianMs < TIMEOUT_MS + 150, `504s after ${timedOut.medianMs} ms (median): not at the bound`);
  assert.ok(timedOut.maxMs < SAFETY_NET_MS, `a 504 after ${timedOut.maxMs} ms: the deadline did not end it`);
  // Refused without waiting, typically within a few milliseconds (a call that waited would have been a 504).
  assert.ok(refused.medianMs < 50, `503 backend_overloaded after ${refused.medianMs} ms (median): beyond BACKEND_MAX_PENDING, refused at once rather than queued`);
  // The pool replaces a connection it gave up on once that one is closed,
  // and the proxy counts a new connection only after the events that came
  // with it; still, once in a dozen runs or so, it saw one more. A pool that
  // did not bound them would hold one per waiting call: MAX_PENDING.
  assert.ok(slowHop.maxOpen() <= POOL_CONNECTIONS + 1, `${slowHop.maxOpen()} connections to the backend, for a pool of ${POOL_CONNECTIONS}`);
});
