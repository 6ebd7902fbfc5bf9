import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { finished } from 'node:stream/promises';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { probeReadiness, stopping, type ServiceProcess } from '../helpers/process.ts';
import { startInContainer } from './container.ts';
import { latencyProxy } from './latency-proxy.ts';
import { assertOutcomes, report, startLoad } from '../helpers/load.ts';

const CONNECTIONS = 8;
const RATE = 1_000;
const PATH = '/api/hello?name=drain';
const HOP_MS = 100;
const SHUTDOWN_TIMEOUT_MS = 5_000;
const RESETS = new Set(['ECONNRESET', 'UND_ERR_SOCKET']);

/** The process's exit code and every log line it wrote, once its stdout has ended. */
async function exitOf(service: ServiceProcess) {
  const code = await service.exited;
  await finished(service.child.stdout!);
  return code;
}

test('frontend SIGTERM under load: requests in flight complete with 200, readiness fails at once, exit 0', { timeout: 20_000 }, async (t) => {
  const backend = await startInContainer(t, 'backend');
  // Each call to the backend takes HOP_MS there and back, so requests are in flight when the signal comes.
  const slowHop = await latencyProxy(t, backend.url, HOP_MS / 2);
  const frontend = await startInContainer(t, 'frontend', { BACKEND_URL: slowHop.url, SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) });
  assert.equal(await probeReadiness(frontend.url), '200');

  const load = startLoad(t, frontend.url, { connections: CONNECTIONS, ratePerSecond: RATE, path: PATH });
  await load.next((sample) => sample.outcome === '200', 2_000);
  await sleep(1_000);
  const signalled = performance.now();
  frontend.child.kill('SIGTERM');
  const handled = await stopping(frontend);

  const probes: string[] = [];
  while (frontend.child.exitCode === null && probes.at(-1) !== 'ECONNREFUSED') probes.push(await probeReadiness(frontend.url));
  const code = await exitOf(frontend);
  const exitMs = performance.now() - signalled;
  const samples = await load.stop();
  const summary = report(t, `frontend SIGTERM (deployment drain), ${HOP_MS} ms backend hop`, load);
  t.diagnostic(`frontend exited ${code} ${Math.round(exitMs)} ms after SIGTERM; readiness probes after it: ${probes.join()}`);

  assert.equal(code, 0, 'a drain within SHUTDOWN_TIMEOUT_MS exits 0');
  assert.ok(!probes.includes('200'), `readiness after the signal: ${probes.join()}`);

  // Every request the frontend read was answered: a 200, or Fastify's JSON
  // 503 for one it read after the signal. None was cut off.
  const served = frontend.logs.filter((line) => line.url === PATH && line.statusCode === 200).length;
  const turnedAway = frontend.logs.filter((line) => /server is closing/.test(String(line.msg))).length;
  const answered = (summary.outcomes['200'] ?? 0) + (summary.outcomes['503'] ?? 0) + probes.filter((probe) => probe === '503').length;
  assert.equal(answered, served + turnedAway, 'every request the frontend read was answered');

  // In flight at the signal: drained, with a 200.
  const inFlight = samples.filter((sample) => sample.start < signalled && sample.end > handled);
  const drained = inFlight.filter((sample) => sample.outcome === '200').length;
  assert.ok(drained >= CONNECTIONS / 2, `${drained} of ${inFlight.length} requests in flight at the signal completed with 200`);

  // Otherwise, from the signal on: a JSON 503 or a refused connection. A
  // reset can only be a request sent on a keep-alive connection the frontend
  // closed as idle at that moment (Node's server.close()), before it read it:
  // the count above shows it.
  for (const sample of samples) {
    if (sample.outcome === '200') continue;
    assert.ok(sample.end > handled, `${sample.outcome} before the signal`);
    assert.ok(['503', 'ECONNREFUSED'].includes(sample.outcome) || RESETS.has(sample.outcome), `unexpected ${sample.outcome}`);
  }
});

test('backend SIGTERM under load: the frontend answers 200 or a JSON 503, never a reset; the backend exits 0', { timeout: 20_000 }, async (t) => {
  const backend = await startInContainer(t, 'backend', { SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) });
  const frontend = await startInContainer(t, 'frontend', { BACKEND_URL: backend.url });

  const load = startLoad(t, frontend.url, { connections: CONNECTIONS, ratePerSecond: RATE, path: PATH });
  await load.next((sample) => sample.outcome === '200', 2_000);
  await sleep(1_000);
  backend.child.kill('SIGTERM');
  const code = await exitOf(backend);
  // The frontend keeps answering, without its backend, until the load ends.
  await load.next((sample) => sample.outcome !== '200', 2_000);
  await sleep(200);
  await load.stop();
  const summary = report(t, 'backend SIGTERM (backend container stopped)', load);

  assert.equal(code, 0);
  assert.ok((summary.outcomes['200'] ?? 0) > 0, 'served before the signal');
  assertOutcomes(summary, ['200', '503 backend_unavailable']);
  assert.ok((summary.outcomes['503 backend_unavailable'] ?? 0) > 0, 'a clean 503 once the backend is gone');
});
