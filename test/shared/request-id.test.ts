import assert from 'node:assert/strict';
import { test } from 'node:test';
import request from 'supertest';
import { taskApps } from '../helpers/apps.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

test('one request id follows a request across both services and back to the caller', async (t) => {
  const { backend, frontend } = await taskApps(t);
  const res = await request(frontend.app.server).get('/api/hello?name=trace').expect(200);
  const id = res.headers['x-request-id'];
  assert.match(id ?? '', UUID);

  const frontendLines = frontend.logs.filter((line) => line.reqId === id);
  const backendLines = backend.logs.filter((line) => line.reqId === id);
  assert.equal(frontendLines.length, 1);
  assert.equal(backendLines.length, 1);
  assert.equal(backendLines[0]?.url, '/hello?name=trace');
});

test("the ALB's X-Amzn-Trace-Id root is logged beside our own request id, which a client cannot choose", async (t) => {
  const { backend, frontend } = await taskApps(t);
  // The ALB keeps a valid Root the client sent: this one may be the client's.
  const root = '1-67891233-abcdef012345678912345678';
  const res = await request(frontend.app.server)
    .get('/api/hello?name=alb')
    .set('x-amzn-trace-id', `Root=${root};Sampled=1`)
    .expect(200);
  const id = res.headers['x-request-id'] ?? '';
  assert.match(id, UUID);
  const line = frontend.logs.find((entry) => entry.url === '/api/hello?name=alb');
  assert.equal(line?.reqId, id);
  assert.equal(line?.traceId, root);
  assert.ok(backend.logs.some((entry) => entry.reqId === id));
  assert.ok(!backend.logs.some((entry) => entry.reqId === root));

  const again = await request(frontend.app.server).get('/api/hello?name=alb').set('x-amzn-trace-id', `Root=${root}`).expect(200);
  assert.notEqual(again.headers['x-request-id'], id, 'a replayed trace id gets a new request id');
});

test('the frontend does not trust a caller-supplied x-request-id', async (t) => {
  const { backend, frontend } = await taskApps(t);
  const res = await request(frontend.app.server).get('/api/hello?name=x').set('x-request-id', 'forged').expect(200);
  assert.match(res.headers['x-request-id'] ?? '', UUID);
  assert.ok(!backend.logs.some((line) => line.reqId === 'forged'));
});

test('a malformed trace header or forwarded id is replaced, never logged as is', async (t) => {
  const { backend, frontend } = await taskApps(t);
  const forged = `Root=1-67891233-abcdef012345678912345678${'A'.repeat(10_000)}`;
  const res = await request(frontend.app.server).get('/api/hello?name=x').set('x-amzn-trace-id', forged).expect(200);
  assert.match(res.headers['x-request-id'] ?? '', UUID);

  // Straight to the backend: an id with characters outside the safe set is replaced.
  const direct = await request(backend.app.server).get('/health').set('x-request-id', 'a b"c{}');
  assert.match(direct.headers['x-request-id'] ?? '', UUID);
  const kept = await request(backend.app.server).get('/health').set('x-request-id', 'abc-123.4:5_6');
  assert.equal(kept.headers['x-request-id'], 'abc-123.4:5_6');
  assert.ok(!JSON.stringify([...frontend.logs, ...backend.logs]).includes('AAAAAAAAAA'));
});
