import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startInContainer } from './container.ts';
import { latencyProxy } from './latency-proxy.ts';
import { assertOutcomes, latencies, report, startLoad } from '../helpers/load.ts';

const TIMEOUT_MS = 300;
const POOL_CONNECTIONS = 4;
const MAX_PENDING = 8;

test('backend slower than BACKEND_TIMEOUT_MS: 504 at the bound, a bounded pool and queue, the excess refused at once', { timeout: 20_000 }, async (t) => {
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
  await sleep(2_000);
  const samples = await load.stop();
  const summary = report(t, `backend 500 ms slow, BACKEND_TIMEOUT_MS=${TIMEOUT_MS}`, load);

  const timedOut = latencies(samples, '504 backend_timeout');
  const refused = latencies(samples, '503 backend_overloaded');
  t.diagnostic(
    `504 after ${timedOut.minMs}-${timedOut.maxMs} ms; 503 backend_overloaded after ${refused.minMs}-${refused.maxMs} ms (median ${refused.medianMs}); at most ${slowHop.maxOpen()} connections to the backend`,
  );

  assertOutcomes(summary, ['504 backend_timeout', '503 backend_overloaded']);
  assert.ok(timedOut.count > 0 && refused.count > 0, 'both happened');
  assert.ok(timedOut.minMs >= TIMEOUT_MS, 'no 504 before the bound');
  assert.ok(timedOut.maxMs < 2 * TIMEOUT_MS, 'every 504 near the bound: nothing waits longer');
  assert.ok(refused.medianMs < 50 && refused.maxMs < TIMEOUT_MS, 'beyond BACKEND_MAX_PENDING, refused at once rather than queued');
  // The pool replaces a connection it gave up on only once that one is closed;
  // the proxy may still accept the new one before it has read the old one's FIN.
  assert.ok(slowHop.maxOpen() <= POOL_CONNECTIONS + 1, `${slowHop.maxOpen()} connections to the backend, for a pool of ${POOL_CONNECTIONS}`);
});
