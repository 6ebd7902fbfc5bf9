import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HttpError } from '../../services/shared/errors.ts';
import { forwardedRequestId } from '../../services/shared/request-id.ts';
import { createServer } from '../../services/shared/server.ts';
import { captureLogs } from '../helpers/logs.ts';

function server() {
  const { logger, lines } = captureLogs('test');
  const app = createServer({ logger, requestId: forwardedRequestId, keepAliveTimeoutMs: 5_000 });
  return { app, lines };
}

test('a bug is a JSON 500 that reveals nothing; the details go to the log', async (t) => {
  const { app, lines } = server();
  t.after(() => app.close());
  app.get('/boom', async () => {
    throw new Error('secret detail: db password is hunter2');
  });
  const res = await app.inject('/boom');
  assert.equal(res.statusCode, 500);
  assert.deepEqual(res.json(), {
    statusCode: 500,
    error: 'Internal Server Error',
    code: 'internal_error',
    message: 'The server could not handle this request; see its logs.',
  });
  assert.ok(lines.some((line) => line.msg === 'unhandled error'));
});

test("an HttpError reaches the caller as it is, Fastify's own errors keep their status", async (t) => {
  const { app } = server();
  t.after(() => app.close());
  app.get('/teapot', async () => {
    throw new HttpError(418, 'teapot', 'I am a teapot.');
  });
  app.post('/echo', async (request) => request.body);
  assert.deepEqual((await app.inject('/teapot')).json(), { statusCode: 418, error: "I'm a Teapot", code: 'teapot', message: 'I am a teapot.' });

  const malformed = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{"a":' });
  assert.equal(malformed.statusCode, 400);
  assert.equal(malformed.json().code, 'fst_err_ctp_invalid_json_body');

  const wrongType = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/x-nope' }, payload: 'x' });
  assert.equal(wrongType.statusCode, 415);

  const tooBig = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ a: 'x'.repeat(20_000) }) });
  assert.equal(tooBig.statusCode, 413);
});

test('from the start of a drain every request gets a JSON 503 and is told to close its connection', async () => {
  const { app } = server();
  const { promise: arrived, resolve: arrive } = Promise.withResolvers<() => void>();
  app.get('/slow', () => new Promise<{ ok: boolean }>((resolve) => arrive(() => resolve({ ok: true }))));
  app.get('/health', async () => ({ status: 'ok' }));
  const inFlight = app.inject('/slow');
  const release = await arrived;
  const closed = app.close();
  const late = await app.inject('/health');
  assert.equal(late.statusCode, 503);
  assert.equal(late.headers.connection, 'close');
  assert.deepEqual(late.json(), {
    statusCode: 503,
    error: 'Service Unavailable',
    code: 'shutting_down',
    message: 'This task is shutting down; retry, and another one will answer.',
  });
  release();
  const first = await inFlight;
  assert.equal(first.statusCode, 200, 'the request in flight still completes');
  assert.equal(first.headers.connection, 'close');
  await closed;
});
