import assert from 'node:assert/strict';
import { test } from 'node:test';
import request from 'supertest';
import { frontendApp, listeningBackend } from '../helpers/apps.ts';
import { fakeBackend } from '../helpers/fake-backend.ts';
import { until } from '../helpers/wait.ts';

test('with its event loop stalled the frontend sheds with a JSON 503, health routes excepted', async (t) => {
  const backend = await listeningBackend(t);
  const { app, logs } = await frontendApp(t, { BACKEND_URL: backend.url, MAX_EVENT_LOOP_DELAY_MS: '10' });

  // The app runs in this process: blocking it here is a stalled event loop
  // there, longer than under-pressure's one-second sampling interval, so
  // the sample taken as the loop resumes holds the stall.
  const blockedUntil = Date.now() + 1_200;
  while (Date.now() < blockedUntil);
  let shed: request.Response | undefined;
  await until(async () => {
    shed = await request(app.server).get('/api/hello?name=you');
    return shed.status === 503;
  }, 'shedding after the stall');

  assert.equal(shed?.headers['retry-after'], '1');
  assert.equal(shed?.body.code, 'overloaded');
  assert.match(shed?.body.message, /eventLoopDelay/);
  // Its log line says why, as every 5xx's does.
  const line = logs.find((entry) => entry.statusCode === 503 && entry.url === '/api/hello?name=you');
  assert.deepEqual([line?.level, line?.cause], ['warn', { code: 'overloaded', message: 'eventLoopDelay past its bound' }]);
  await request(app.server).get('/health/live').expect(200);
  await request(app.server).get('/health/ready').expect(200);

  // The next samples are calm again, and so is the frontend, without a restart.
  await until(async () => (await request(app.server).get('/api/hello?name=you')).status === 200, 'serving again after the stall');
});

test('calls waiting for the backend are bounded: beyond BACKEND_MAX_PENDING, an immediate 503', async (t) => {
  const held: Array<() => void> = [];
  const url = await fakeBackend(t, (_req, res) => {
    held.push(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"greeting":"Hello, x!","servedBy":{"service":"backend","hostname":"h","pid":1}}'));
  });
  const { app } = await frontendApp(t, { BACKEND_URL: url, BACKEND_MAX_PENDING: '3', BACKEND_CONNECTIONS: '1', BACKEND_TIMEOUT_MS: '5000' });
  await app.listen({ host: '127.0.0.1', port: 0 });

  const waiting = Array.from({ length: 3 }, () => request(app.server).get('/api/hello?name=x'));
  const started = waiting.map((req) => req.then((res) => res));
  while (held.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  const refused = await request(app.server).get('/api/hello?name=x').expect(503);
  assert.equal(refused.body.code, 'backend_overloaded');

  // The bound frees up as answers come back.
  const release = setInterval(() => held.shift()?.(), 5);
  t.after(() => clearInterval(release));
  for (const res of await Promise.all(started)) assert.equal(res.status, 200);
  await request(app.server).get('/api/hello?name=x').expect(200);
});
