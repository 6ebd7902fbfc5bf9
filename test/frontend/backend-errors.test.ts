import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test, type TestContext } from 'node:test';
import request from 'supertest';
import { frontendApp } from '../helpers/apps.ts';
import { closedOrigin, fakeBackend, resettingBackend } from '../helpers/fake-backend.ts';

// Long enough that an answer which did not wait for it is told apart from
// one that did, on a machine busy enough to hold a request back for a while.
const TIMEOUT_MS = 1_000;
// undici's own headers timeout, the pool's safety net behind the deadline (backend-client.ts).
const SAFETY_NET_MS = TIMEOUT_MS + 1_000;

/** Calls /api/hello against a backend at `url`; returns the response and how long it took. */
async function hello(t: TestContext, url: string) {
  const { app } = await frontendApp(t, { BACKEND_URL: url, BACKEND_TIMEOUT_MS: String(TIMEOUT_MS) });
  const started = performance.now();
  const res = await request(app.server).get('/api/hello?name=you');
  const ms = performance.now() - started;
  assert.match(res.headers['content-type'] ?? '', /^application\/json/, 'always a JSON body');
  assert.equal(res.body.statusCode, res.status);
  assert.equal(typeof res.body.message, 'string');
  return { res, ms };
}

test('backend down (nothing listening): a fast 503', async (t) => {
  const { res, ms } = await hello(t, await closedOrigin());
  assert.equal(res.status, 503);
  assert.equal(res.body.code, 'backend_unavailable');
  assert.ok(ms < TIMEOUT_MS, `took ${ms} ms: it waited for the timeout`);
});

test('backend dropping connections: a fast 503', async (t) => {
  const { res, ms } = await hello(t, await resettingBackend(t));
  assert.equal(res.status, 503);
  assert.equal(res.body.code, 'backend_unavailable');
  assert.ok(ms < TIMEOUT_MS, `took ${ms} ms: it waited for the timeout`);
});

test('backend too slow: a 504 at the configured timeout, not a hang', async (t) => {
  const url = await fakeBackend(t, () => {
    // never answers
  });
  const { res, ms } = await hello(t, url);
  assert.equal(res.status, 504);
  assert.equal(res.body.code, 'backend_timeout');
  assert.ok(ms >= TIMEOUT_MS - 1, `took ${ms} ms: before the bound`);
  assert.ok(ms < SAFETY_NET_MS, `took ${ms} ms: the deadline did not end it`);
});

test('backend draining (503): a 503', async (t) => {
  const url = await fakeBackend(t, (_req, res) => res.writeHead(503, { 'content-type': 'application/json' }).end('{}'));
  const { res } = await hello(t, url);
  assert.equal(res.status, 503);
  assert.equal(res.body.code, 'backend_unavailable');
});

test('backend answering something unusable: a 502', async (t) => {
  const answers: Array<[number, string]> = [
    [500, '{"statusCode":500}'],
    [200, '<html>not json</html>'],
    [404, 'Not Found'],
  ];
  for (const [status, body] of answers) {
    const url = await fakeBackend(t, (_req, res) => res.writeHead(status, { 'content-type': 'application/json' }).end(body));
    const { res } = await hello(t, url);
    assert.equal(res.status, 502, `backend ${status} ${body}`);
    assert.equal(res.body.code, 'backend_error');
    assert.ok(!JSON.stringify(res.body).includes('not json'), 'the backend body is not echoed');
  }
});
