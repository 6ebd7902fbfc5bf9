import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LOG_BATCH_BYTES } from '../../services/shared/logger.ts';
import { latencyProxy } from '../helpers/latency-proxy.ts';
import { startLoad, type Sample } from '../helpers/load.ts';
import { startService, type ServiceProcess } from '../helpers/process.ts';

const CONNECTIONS = 8;
const RATE = 1_000;
const PATH = '/api/hello?name=logs';
// A few hundred answers on warm keep-alive connections before each fault.
const ANSWERS_BEFORE_FAULT = 300;
// A deadline for what must happen, far beyond what it takes: not a measure.
const WAIT_MS = 10_000;
const SIGKILL_RUNS = 5;
/**
 * What a SIGKILL may lose: the batch not yet written (less than LOG_BATCH_BYTES
 * of lines, logger.ts), and the line of the request being answered at the kill.
 */
function maxLinesLostAtSigkill(service: ServiceProcess): number {
  const accessLineBytes = service.logs.filter((line) => ACCESS_LINE.has(String(line.msg))).map((line) => JSON.stringify(line).length + 1);
  return Math.ceil(LOG_BATCH_BYTES / Math.min(...accessLineBytes)) + 1;
}
const THROW_ON_SIGUSR2 = fileURLToPath(new URL('../helpers/throw-on-signal.ts', import.meta.url));
const ACCESS_LINE = new Set(['request completed', 'request failed', 'request errored']);

/** The task as ECS runs it, the frontend calling a real backend, under load until ANSWERS_BEFORE_FAULT came back. */
async function taskUnderLoad(t: TestContext, options: { hopMs?: number; preload?: string } = {}) {
  const backend = await startService(t, 'backend');
  // A slow hop to the backend keeps every connection's request in flight most of the time.
  const backendUrl = options.hopMs === undefined ? backend.url : (await latencyProxy(t, backend.url, options.hopMs / 2)).url;
  const frontend = await startService(t, 'frontend', { BACKEND_URL: backendUrl }, options.preload === undefined ? {} : { preload: options.preload });
  const load = startLoad(t, frontend.url, { connections: CONNECTIONS, ratePerSecond: RATE, path: PATH });
  await load.next((sample) => sample.outcome === '200', WAIT_MS, ANSWERS_BEFORE_FAULT);
  return { backend, frontend, load };
}

/** Requests the client got an HTTP answer for, whatever its status; not those reset, refused or cut off. */
const answered = (samples: readonly Sample[]) => samples.filter((sample) => /^\d{3}\b/.test(sample.outcome));

/** The answers (by x-request-id) that do not have exactly one access line in the service's log. */
function unlogged(answers: readonly Sample[], service: ServiceProcess): string[] {
  const lines = new Map<unknown, number>();
  for (const line of service.logs) if (ACCESS_LINE.has(String(line.msg))) lines.set(line.reqId, (lines.get(line.reqId) ?? 0) + 1);
  return answers.filter((sample) => lines.get(sample.requestId) !== 1).map((sample) => `${sample.requestId}: ${lines.get(sample.requestId) ?? 0} lines`);
}

test('SIGTERM under load: every answer has exactly one access line, in the frontend and (each 200) in the backend; "stopped" is last', { timeout: 60_000 }, async (t) => {
  const { backend, frontend, load } = await taskUnderLoad(t, { hopMs: 40 });
  const signalled = performance.now();
  frontend.child.kill('SIGTERM');
  assert.equal(await frontend.exited, 0); // and every line it wrote has been read
  const samples = await load.stop();
  // ECS stops the frontend first (it depends on the backend), then the backend.
  backend.child.kill('SIGTERM');
  assert.equal(await backend.exited, 0);

  const answers = answered(samples);
  const inFlight = answers.filter((sample) => sample.start < signalled && sample.end > signalled);
  t.diagnostic(`${answers.length} answers, ${inFlight.length} of them in flight at the signal`);
  assert.ok(inFlight.length > 0, 'requests were in flight at the signal');
  assert.deepEqual(unlogged(answers, frontend), [], 'the frontend logged each answer once');
  assert.deepEqual(unlogged(answers.filter((sample) => sample.outcome === '200'), backend), [], 'the backend logged each call once');
  assert.equal(frontend.logs.at(-1)?.msg, 'stopped', "the frontend's last line");
  assert.equal(backend.logs.at(-1)?.msg, 'stopped', "the backend's last line");
});

test('uncaught exception under load: every answer has its access line, then the fatal line, exit 1', { timeout: 60_000 }, async (t) => {
  const { frontend, load } = await taskUnderLoad(t, { preload: THROW_ON_SIGUSR2 });
  frontend.child.kill('SIGUSR2');
  assert.equal(await frontend.exited, 1);
  const answers = answered(await load.stop());

  t.diagnostic(`${answers.length} answers`);
  assert.deepEqual(unlogged(answers, frontend), [], 'the frontend logged each answer once');
  const last = frontend.logs.at(-1);
  assert.equal(last?.level, 'fatal');
  assert.equal(last?.msg, 'uncaught exception; exiting');
  assert.match(String((last?.err as { message?: unknown } | undefined)?.message), /thrown after SIGUSR2/);
});

test('SIGKILL under load: at most the unwritten batch is lost, no line cut off but the last', { timeout: 120_000 }, async (t) => {
  const lost: number[] = [];
  const bounds: number[] = [];
  for (let run = 1; run <= SIGKILL_RUNS; run++) {
    await t.test(`run ${run}`, async (t) => {
      const { frontend, load } = await taskUnderLoad(t);
      frontend.child.kill('SIGKILL');
      await frontend.exited;
      const answers = answered(await load.stop());
      // A line cut off anywhere but at the end would have thrown as it was read (process.ts).
      const cutOff = frontend.cutOff();
      lost.push(unlogged(answers, frontend).length);
      bounds.push(maxLinesLostAtSigkill(frontend));
      t.diagnostic(`${answers.length} answers, ${lost.at(-1)} without their access line (bound ${bounds.at(-1)})${cutOff === undefined ? '' : `; last line cut off: ${cutOff}`}`);
    });
  }
  t.diagnostic(`access lines lost at SIGKILL, per run: ${lost.join(', ')}`);
  assert.equal(lost.length, SIGKILL_RUNS);
  assert.ok(lost.every((n, i) => n <= bounds[i]!), `lost ${lost.join(', ')}: more than ${bounds.join(', ')}`);
});
