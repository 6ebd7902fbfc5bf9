import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import request from 'supertest';
import { frontendApp } from '../helpers/apps.ts';
import { closedOrigin, fakeBackend } from '../helpers/fake-backend.ts';

const SERVED_BY = { service: 'backend', hostname: 'h', pid: 1 };

/** A backend that answers 200 with `body`, and the frontend in front of it. */
async function frontendOf(t: TestContext, body: unknown) {
  const url = await fakeBackend(t, (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body)));
  return frontendApp(t, { BACKEND_URL: url, BACKEND_TIMEOUT_MS: '300' });
}

test("a field the backend adds never reaches the caller: the answer has the schema's fields only", async (t) => {
  const { app } = await frontendOf(t, { greeting: 'Hello, x!', servedBy: { ...SERVED_BY, internalIp: '10.0.0.7' }, debug: { token: 'leak' } });
  const res = await request(app.server).get('/api/hello?name=x').expect(200);
  assert.deepEqual(res.body.backend, { greeting: 'Hello, x!', servedBy: SERVED_BY });
  assert.doesNotMatch(res.text, /internalIp|debug|leak/);
});

test("an answer that breaks the backend's schema is a 502, not passed on", async (t) => {
  const broken = [
    { servedBy: SERVED_BY },
    { greeting: 42, servedBy: SERVED_BY },
    { greeting: 'Hello', servedBy: { ...SERVED_BY, pid: 'one' } },
    [{ greeting: 'Hello', servedBy: SERVED_BY }],
  ];
  for (const body of broken) {
    const { app, logs } = await frontendOf(t, body);
    const res = await request(app.server).get('/api/hello?name=x').expect(502);
    assert.equal(res.body.code, 'backend_error', JSON.stringify(body));
    const line = logs.find((entry) => entry.url === '/api/hello?name=x');
    assert.deepEqual(line?.cause, { message: "the backend's body does not match its schema" });
  }
});

test("a 5xx's log line names its cause: undici's error code, or the deadline", async (t) => {
  const down = await frontendApp(t, { BACKEND_URL: await closedOrigin() });
  await request(down.app.server).get('/api/hello?name=x').expect(503);
  const refused = down.logs.find((line) => line.url === '/api/hello?name=x');
  assert.equal(refused?.level, 'warn');
  assert.equal(refused?.statusCode, 503);
  assert.equal((refused?.cause as { code?: string } | undefined)?.code, 'ECONNREFUSED');

  const silent = await fakeBackend(t, () => {});
  const slow = await frontendApp(t, { BACKEND_URL: silent, BACKEND_TIMEOUT_MS: '200' });
  await request(slow.app.server).get('/api/hello?name=x').expect(504);
  const late = slow.logs.find((line) => line.url === '/api/hello?name=x');
  assert.deepEqual(late?.cause, { message: 'no answer within 200 ms' });
});
