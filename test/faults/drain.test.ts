import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { Agent, request } from 'undici';
import type { LogLine } from '../helpers/logs.ts';
import { stopping, type ServiceProcess } from '../helpers/process.ts';
import { startInContainer } from '../helpers/container.ts';
import { latencyProxy } from '../helpers/latency-proxy.ts';
import { assertOutcomes, report, startLoad } from '../helpers/load.ts';

const CONNECTIONS = 8;
const RATE = 1_000;
const PATH = '/api/hello?name=drain';
const HOP_MS = 100;
const SHUTDOWN_TIMEOUT_MS = 5_000;
// Deadlines for what must happen, far beyond what it takes: not measures.
const WAIT_MS = 10_000;
// No answer, because nothing listens any more, or because the server closed
// an idle keep-alive connection as the client sent a request on it.
const NO_CONNECTION = new Set(['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET']);

/**
 * GET /health/ready on a new connection, as a load balancer's check does:
 * "503 shutting_down close" for a JSON 503 with its code and Connection
 * header, the status alone for any other answer, or the error code.
 */
async function probe(url: string): Promise<string> {
  const fresh = new Agent();
  try {
    const res = await request(`${url}/health/ready`, { dispatcher: fresh });
    if (res.statusCode !== 503) return (await res.body.dump(), String(res.statusCode));
    const { code } = (await res.body.json()) as { code?: unknown };
    return `503 ${String(code)} ${String(res.headers.connection)}`;
  } catch (error) {
    return String((error as { code?: unknown }).code);
  } finally {
    await fresh.destroy();
  }
}

/** A drain as run.ts does it: "stopping..." on the signal, "stopped" as the last line, nothing logged as an error. */
function assertDrainLogged(service: ServiceProcess, name: string): void {
  const messages = service.logs.map((line) => String(line.msg));
  const stoppingAt = messages.findIndex((msg) => msg.startsWith('stopping'));
  assert.ok(stoppingAt !== -1, `${name} logged that it is stopping`);
  assert.equal(service.logs[stoppingAt]?.signal, 'SIGTERM');
  assert.equal(messages.at(-1), 'stopped', `${name}'s last line`);
  const errors = service.logs.filter((line: LogLine) => line.level === 'error' || line.level === 'fatal');
  assert.deepEqual(errors, [], `${name} logged no error while draining`);
}

test('frontend SIGTERM under load: requests in flight complete with 200, later ones a JSON 503 shutting_down, readiness fails at once, exit 0', { timeout: 60_000 }, async (t) => {
  const backend = await startInContainer(t, 'backend');
  // Each call to the backend takes HOP_MS there and back, so requests are in flight when the signal comes.
  const slowHop = await latencyProxy(t, backend.url, HOP_MS / 2);
  const frontend = await startInContainer(t, 'frontend', { BACKEND_URL: slowHop.url, SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) });
  assert.equal(await probe(frontend.url), '200');

  const load = startLoad(t, frontend.url, { connections: CONNECTIONS, ratePerSecond: RATE, path: PATH });
  // Each connection waits HOP_MS for every answer and sends its next request at once: all of them busy.
  await load.next((sample) => sample.outcome === '200', WAIT_MS, 4 * CONNECTIONS);
  const signalled = performance.now();
  frontend.child.kill('SIGTERM');
  await stopping(frontend);

  // From the signal on, a load balancer's probe (a new connection each time)
  // never sees "ready" again: a JSON 503 telling it to close, then no connection.
  const probes: string[] = [];
  while (frontend.child.exitCode === null && probes.at(-1) !== 'ECONNREFUSED') probes.push(await probe(frontend.url));
  const code = await frontend.exited; // and every line it wrote has been read
  const exitMs = performance.now() - signalled;
  const samples = await load.stop();
  const summary = report(t, `frontend SIGTERM (deployment drain), ${HOP_MS} ms backend hop`, load);
  t.diagnostic(`frontend exited ${code} ${Math.round(exitMs)} ms after SIGTERM; readiness probes after it: ${probes.join()}`);

  assert.equal(code, 0, 'a drain within SHUTDOWN_TIMEOUT_MS exits 0');
  assertDrainLogged(frontend, 'the frontend');
  assert.ok(probes.length > 0 && probes.every((answer) => answer === '503 shutting_down close' || NO_CONNECTION.has(answer)), `readiness after the signal: ${probes.join()}`);

  // Before the signal every request was served; from it on, a request is
  // served if it was in flight, turned away with a JSON 503 if the frontend
  // read it later, or finds no connection: never cut off, never an error.
  assertOutcomes(summary, ['200', '503 shutting_down', ...NO_CONNECTION]);
  for (const sample of samples) assert.ok(sample.outcome === '200' || sample.end > signalled, `${sample.outcome} before the signal`);
  const drained = samples.filter((sample) => sample.start < signalled && sample.end > signalled && sample.outcome === '200');
  assert.ok(drained.length > 0, 'requests in flight at the signal were answered');

  // Every request the frontend read, it answered, and the caller got that
  // answer: its access log and the caller agree, and every call the backend
  // answered reached the caller as a 200. A request cut off in flight would
  // be in the backend's log, and maybe the frontend's, but not a 200 here.
  backend.child.kill('SIGTERM');
  assert.equal(await backend.exited, 0);
  const logged = (service: ServiceProcess, url: string, status: number) =>
    service.logs.filter((line) => line.url === url && line.statusCode === status).length;
  assert.equal(logged(frontend, PATH, 200), summary.outcomes['200'], 'the frontend logged every 200 the caller got');
  assert.equal(logged(frontend, PATH, 503), summary.outcomes['503 shutting_down'] ?? 0, 'the frontend logged every 503 the caller got');
  assert.equal(logged(backend, '/hello?name=drain', 200), summary.outcomes['200'], 'every call the backend answered reached the caller');
});

test('backend SIGTERM under load: the frontend answers 200 or a JSON 503, never a reset; the backend drains and exits 0', { timeout: 60_000 }, async (t) => {
  const backend = await startInContainer(t, 'backend', { SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) });
  const frontend = await startInContainer(t, 'frontend', { BACKEND_URL: backend.url });

  const load = startLoad(t, frontend.url, { connections: CONNECTIONS, ratePerSecond: RATE, path: PATH });
  await load.next((sample) => sample.outcome === '200', WAIT_MS, 4 * CONNECTIONS);
  backend.child.kill('SIGTERM');
  const code = await backend.exited;
  // The frontend keeps answering, without its backend, on every connection.
  await load.next((sample) => sample.outcome !== '200', WAIT_MS, 4 * CONNECTIONS);
  await load.stop();
  const summary = report(t, 'backend SIGTERM (backend container stopped)', load);

  assert.equal(code, 0);
  assertDrainLogged(backend, 'the backend');
  assertOutcomes(summary, ['200', '503 backend_unavailable']);
  assert.ok((summary.outcomes['200'] ?? 0) >= 4 * CONNECTIONS, 'served before the signal');
  assert.ok((summary.outcomes['503 backend_unavailable'] ?? 0) >= 4 * CONNECTIONS, 'a clean 503 once the backend is gone');
  assert.equal(frontend.child.exitCode, null, 'the frontend is still running');
});
