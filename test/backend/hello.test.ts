import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { test } from 'node:test';
import request from 'supertest';
import { NAME_RULE } from '../../services/shared/schemas.ts';
import { backendApp, TEST_TOKEN } from '../helpers/apps.ts';

const AUTH = `Bearer ${TEST_TOKEN}`;

test('GET /hello greets the name and says who served it', async (t) => {
  const { app } = await backendApp(t);
  const res = await request(app.server).get('/hello').set('authorization', AUTH).query({ name: 'Ada Lovelace' }).expect(200);
  assert.match(res.headers['content-type'] ?? '', /^application\/json/);
  assert.deepEqual(res.body, {
    greeting: 'Hello, Ada Lovelace!',
    servedBy: { service: 'backend', hostname: hostname(), pid: process.pid },
  });
});

test('GET /hello accepts letters beyond ASCII, digits, "-", "_" and "."', async (t) => {
  const { app } = await backendApp(t);
  for (const name of ['José', 'Zoë_2.0-beta', 'x', 'a'.repeat(64), '東京']) {
    const res = await request(app.server).get('/hello').set('authorization', AUTH).query({ name }).expect(200);
    assert.equal(res.body.greeting, `Hello, ${name}!`);
  }
});

test('GET /hello rejects a bad name with a 400 that says what is wrong', async (t) => {
  const { app } = await backendApp(t);
  const cases: Array<[string, Record<string, string>]> = [
    ['empty', { name: '' }],
    ['65 characters', { name: 'a'.repeat(65) }],
    ['markup', { name: '<script>' }],
    ['a newline', { name: 'a\nb' }],
    ['a slash', { name: '../etc/passwd' }],
    ['an emoji', { name: 'hi 👋' }],
  ];
  for (const [label, query] of cases) {
    const res = await request(app.server).get('/hello').set('authorization', AUTH).query(query);
    assert.equal(res.status, 400, label);
    assert.deepEqual(res.body, {
      statusCode: 400,
      error: 'Bad Request',
      code: 'invalid_request',
      message: `name must be ${NAME_RULE}`,
    }, label);
  }
});

test('GET /hello without a name is a 400 naming the missing parameter', async (t) => {
  const { app } = await backendApp(t);
  const res = await request(app.server).get('/hello').set('authorization', AUTH).expect(400);
  assert.equal(res.body.code, 'invalid_request');
  assert.match(res.body.message, /"name"/);
});

test('an unknown route is a JSON 404, not an HTML page', async (t) => {
  const { app } = await backendApp(t);
  const res = await request(app.server).get('/nope').expect(404);
  assert.match(res.headers['content-type'] ?? '', /^application\/json/);
  assert.equal(res.body.code, 'not_found');
});

test('GET /health answers ok and is not logged', async (t) => {
  const { app, logs } = await backendApp(t);
  const res = await request(app.server).get('/health').expect(200);
  assert.deepEqual(res.body, { status: 'ok' });
  assert.equal(logs.filter((line) => line.url === '/health').length, 0);
});

test('each request is logged once, when it completes', async (t) => {
  const { app, logs } = await backendApp(t);
  await request(app.server).get('/hello?name=log').set('authorization', AUTH).expect(200);
  const lines = logs.filter((line) => line.url === '/hello?name=log');
  assert.equal(lines.length, 1);
  assert.equal(lines[0]?.statusCode, 200);
  assert.equal(lines[0]?.msg, 'request completed');
  assert.equal(typeof lines[0]?.responseTime, 'number');
});

