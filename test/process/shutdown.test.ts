import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { request } from 'undici';
import { fakeBackend } from '../helpers/fake-backend.ts';
import { probeReadiness, startService, stopping } from '../helpers/process.ts';

/** A backend whose /hello answers only when the test says so; /health answers at once. */
async function heldBackend(t: Parameters<typeof fakeBackend>[0]) {
  const held: ServerResponse[] = [];
  const arrived = new EventTarget();
  const url = await fakeBackend(t, (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/health') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    held.push(res);
    arrived.dispatchEvent(new Event('request'));
  });
  const release = () => {
    for (const res of held.splice(0)) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"greeting":"Hello, you!","servedBy":{"service":"backend","hostname":"h","pid":1}}');
    }
  };
  return { url, release, arrival: () => once(arrived, 'request') };
}

test('SIGTERM: readiness goes at once, the in-flight request completes, the process exits 0', { timeout: 15_000 }, async (t) => {
  const backend = await heldBackend(t);
  const frontend = await startService(t, 'frontend', { BACKEND_URL: backend.url });
  assert.equal(await probeReadiness(frontend.url), '200');

  const arrival = backend.arrival();
  const inFlight = request(`${frontend.url}/api/hello?name=you`);
  await arrival;
  frontend.child.kill('SIGTERM');
  await stopping(frontend);

  // From the signal on, a load balancer's probe (a new connection each time)
  // never sees "ready" again: 503, reset while the listener closes, then refused.
  const probes: string[] = [];
  while (probes.at(-1) !== 'ECONNREFUSED') probes.push(await probeReadiness(frontend.url));
  assert.ok(probes.every((probe) => ['503', 'ECONNRESET', 'ECONNREFUSED', 'UND_ERR_SOCKET'].includes(probe)), probes.join());

  backend.release();
  const res = await inFlight;
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers.connection, 'close', 'the client is told not to reuse the connection');
  assert.equal(((await res.body.json()) as { backend: { greeting: string } }).backend.greeting, 'Hello, you!');
  assert.equal(await frontend.exited, 0);
  assert.deepEqual(frontend.logs.slice(-1).map((line) => line.msg), ['stopped']);
});

test('a drain that outlives SHUTDOWN_TIMEOUT_MS ends with exit code 1 at the bound', { timeout: 15_000 }, async (t) => {
  const backend = await heldBackend(t);
  const frontend = await startService(t, 'frontend', { BACKEND_URL: backend.url, SHUTDOWN_TIMEOUT_MS: '300', BACKEND_TIMEOUT_MS: '10000' });
  const arrival = backend.arrival();
  const stuck = request(`${frontend.url}/api/hello?name=you`).catch((error: unknown) => error);
  await arrival;

  const signalled = performance.now();
  frontend.child.kill('SIGTERM');
  assert.equal(await frontend.exited, 1);
  const ms = performance.now() - signalled;
  // At the bound, not when the stuck call gives up (BACKEND_TIMEOUT_MS, 10 s):
  // a process that waited for it would exit 0 after 10 s.
  assert.ok(ms >= 300, `exited after ${Math.round(ms)} ms, before SHUTDOWN_TIMEOUT_MS`);
  assert.ok(ms < 5_000, `exited after ${Math.round(ms)} ms: not at SHUTDOWN_TIMEOUT_MS`);
  assert.ok(frontend.logs.some((line) => line.level === 'error' && /shutdown deadline/.test(String(line.msg))));
  await stuck;
});
