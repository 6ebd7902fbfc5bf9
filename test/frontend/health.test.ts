import assert from 'node:assert/strict';
import { test } from 'node:test';
import request from 'supertest';
import { frontendApp, listeningBackend } from '../helpers/apps.ts';
import { closedOrigin } from '../helpers/fake-backend.ts';

test('liveness answers while the backend is down; readiness does not', async (t) => {
  const { app } = await frontendApp(t, { BACKEND_URL: await closedOrigin() });
  await request(app.server).get('/health/live').expect(200, { status: 'ok' });
  const res = await request(app.server).get('/health/ready').expect(503);
  assert.equal(res.body.code, 'not_ready');
  assert.match(res.body.message, /backend/);
});

test('readiness answers 200 when the backend answers its health check', async (t) => {
  const backend = await listeningBackend(t);
  const { app } = await frontendApp(t, { BACKEND_URL: backend.url });
  await request(app.server).get('/health/ready').expect(200, { status: 'ready' });
});
