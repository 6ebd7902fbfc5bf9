import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import request from 'supertest';
import { buildApp as buildBackend } from '../../services/backend/app.ts';
import { loadBackendConfig } from '../../services/backend/config.ts';
import { buildApp as buildFrontend } from '../../services/frontend/app.ts';
import { loadFrontendConfig } from '../../services/frontend/config.ts';
import { frontendApp } from '../helpers/apps.ts';
import { fakeSecretsManager } from '../helpers/fake-secrets-manager.ts';
import { captureLogs, type LogLine } from '../helpers/logs.ts';
import { until } from '../helpers/wait.ts';
import { PROJECT_NAME } from '../../services/shared/project.ts';

// Both services read the token from (a fake) Secrets Manager, as on Fargate.
// A rotation must not fail a request, whichever side sees the new token first.

const SECRET_ID = `${PROJECT_NAME}/internal-token`;
const OLD = 'old-token-aaaaaaaaaaaaaaaaaaaa';
const NEW = 'new-token-bbbbbbbbbbbbbbbbbbbb';

async function setup(t: TestContext) {
  const sm = await fakeSecretsManager(t);
  const logs: LogLine[] = [];
  const secret = (token: string) => sm.state.secrets.set(SECRET_ID, JSON.stringify({ token }));
  const backend = async (ttlSeconds = 300) => {
    const captured = captureLogs('backend');
    const app = buildBackend(loadBackendConfig({ SECRET_TTL_SECONDS: String(ttlSeconds) }), { logger: captured.logger, secretsClient: sm.client });
    t.after(() => app.close());
    await app.ready();
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    await until(() => captured.lines.some((line) => line.msg === 'internal token loaded'), 'the backend loaded its token');
    logs.push(...captured.lines);
    return { url, lines: captured.lines };
  };
  const frontend = async (backendUrl: string) => {
    const captured = captureLogs('frontend');
    const app = buildFrontend(loadFrontendConfig({ BACKEND_URL: backendUrl }), { logger: captured.logger, secretsClient: sm.client });
    t.after(() => app.close());
    await app.ready();
    await until(() => captured.lines.some((line) => line.msg === 'internal token loaded'), 'the frontend loaded its token');
    t.after(() => {
      // Whatever happened, no token reached a log line.
      const all = JSON.stringify([...logs, ...captured.lines]);
      assert.ok(!all.includes(OLD) && !all.includes(NEW), 'a token was logged');
    });
    return { app, lines: captured.lines };
  };
  return { sm, secret, backend, frontend };
}

test('frontend first: the backend reads the secret again when it sees a token it does not know', async (t) => {
  const { sm, secret, backend, frontend } = await setup(t);
  secret(OLD);
  const b = await backend();
  secret(NEW);
  const f = await frontend(b.url); // reads NEW; the backend still has OLD
  const calls = sm.state.calls;
  await request(f.app.server).get('/api/hello?name=you').expect(200);
  assert.equal(sm.state.calls, calls + 1, 'one forced refresh, by the backend');
  assert.ok(b.lines.some((line) => line.msg === 'internal token rotated'));
});

test('backend first: the previous token is still accepted during the grace period', async (t) => {
  const { sm, secret, backend, frontend } = await setup(t);
  secret(OLD);
  const b = await backend(1); // a 1 s TTL: it picks up the rotation by itself
  const f = await frontend(b.url); // reads OLD, keeps it for 300 s
  secret(NEW);
  await until(() => b.lines.some((line) => line.msg === 'internal token rotated'), 'the backend read the new token by itself');
  const calls = sm.state.calls;
  await request(f.app.server).get('/api/hello?name=you').expect(200);
  assert.equal(sm.state.calls, calls, 'no Secrets Manager call on the request path');
});

test('a backend that never knew the old token answers 401; the frontend reads the secret again and retries once', async (t) => {
  const { secret, backend, frontend } = await setup(t);
  secret(NEW);
  const b = await backend(); // started after the rotation: it only knows NEW
  secret(OLD);
  const f = await frontend(b.url); // a frontend that read the secret before the rotation
  secret(NEW);
  const res = await request(f.app.server).get('/api/hello?name=you').expect(200);
  assert.equal(res.body.backend.greeting, 'Hello, you!');
  assert.ok(b.lines.some((line) => line.msg === 'rejected a request with an unknown internal token'));
  assert.ok(f.lines.some((line) => line.msg === 'internal token rotated'));
});

test('a token nobody can confirm is a 502 naming the problem, after exactly one retry', async (t) => {
  const { secret, backend } = await setup(t);
  secret(NEW);
  const b = await backend();
  const { app } = await frontendApp(t, { BACKEND_URL: b.url, INTERNAL_TOKEN: 'a-token-the-backend-never-saw' });
  const res = await request(app.server).get('/api/hello?name=you').expect(502);
  assert.equal(res.body.code, 'backend_rejected_token');
  assert.equal(b.lines.filter((line) => line.msg === 'rejected a request with an unknown internal token').length, 2);
});
