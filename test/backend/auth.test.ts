import assert from 'node:assert/strict';
import { test } from 'node:test';
import request from 'supertest';
import { backendApp, TEST_TOKEN } from '../helpers/apps.ts';

test('GET /hello without the internal token is a JSON 401', async (t) => {
  const { app } = await backendApp(t);
  for (const authorization of [undefined, '', 'Basic abc', `Bearer`, `bearer ${TEST_TOKEN}`, `Bearer ${TEST_TOKEN} extra`]) {
    const req = request(app.server).get('/hello?name=you');
    if (authorization !== undefined) void req.set('authorization', authorization);
    const res = await req.expect(401);
    assert.equal(res.body.code, 'unauthorized', String(authorization));
    assert.match(res.body.message, /Authorization: Bearer/);
  }
});

test('GET /hello with a wrong token is a 401 that does not echo it', async (t) => {
  const { app, logs } = await backendApp(t);
  const wrong = 'wrong-token-0123456789abcdef';
  const res = await request(app.server).get('/hello?name=you').set('authorization', `Bearer ${wrong}`).expect(401);
  assert.equal(res.body.message, 'The bearer token is not valid.');
  assert.ok(!JSON.stringify(logs).includes(wrong), 'the token is not logged');
  assert.ok(!JSON.stringify(logs).includes(TEST_TOKEN));
});

test('an unauthenticated caller learns nothing about validation', async (t) => {
  const { app } = await backendApp(t);
  await request(app.server).get('/hello?name=<bad>').expect(401);
});

test('health stays open: the container health check has no token', async (t) => {
  const { app } = await backendApp(t);
  await request(app.server).get('/health').expect(200, { status: 'ok' });
});
