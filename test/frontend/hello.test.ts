import assert from 'node:assert/strict';
import { test } from 'node:test';
import request from 'supertest';
import { NAME_RULE } from '../../services/shared/schemas.ts';
import { frontendApp, listeningBackend } from '../helpers/apps.ts';

test('GET /api/hello returns the backend answer, the frontend identity and the hop time', async (t) => {
  const backend = await listeningBackend(t);
  const { app } = await frontendApp(t, { BACKEND_URL: backend.url });

  const res = await request(app.server).get('/api/hello').query({ name: 'you' }).expect(200);
  assert.match(res.headers['content-type'] ?? '', /^application\/json/);
  assert.equal(res.body.backend.greeting, 'Hello, you!');
  assert.equal(res.body.backend.servedBy.service, 'backend');
  assert.equal(res.body.frontend.service, 'frontend');
  assert.equal(typeof res.body.hopMs, 'number');
  assert.ok(res.body.hopMs > 0 && res.body.hopMs < 1000, `hopMs ${res.body.hopMs}`);
  assert.deepEqual(Object.keys(res.body).sort(), ['backend', 'frontend', 'hopMs']);
});

test('GET /api/hello validates the name before calling the backend', async (t) => {
  const backend = await listeningBackend(t);
  const { app } = await frontendApp(t, { BACKEND_URL: backend.url });

  for (const name of ['', 'a'.repeat(65), '<b>', 'a;b']) {
    const res = await request(app.server).get('/api/hello').query({ name }).expect(400);
    assert.deepEqual(res.body, { statusCode: 400, error: 'Bad Request', code: 'invalid_request', message: `name must be ${NAME_RULE}` });
  }
  await request(app.server).get('/api/hello').expect(400);
  assert.equal(backend.logs.filter((line) => line.msg === 'request completed').length, 0, 'the backend was called');
});

test('the name reaches the backend intact, whatever it contains', async (t) => {
  const backend = await listeningBackend(t);
  const { app } = await frontendApp(t, { BACKEND_URL: backend.url });
  const res = await request(app.server).get('/api/hello').query({ name: 'Zoë v1.0_a-b' }).expect(200);
  assert.equal(res.body.backend.greeting, 'Hello, Zoë v1.0_a-b!');
});
