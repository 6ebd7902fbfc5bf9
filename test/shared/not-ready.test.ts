import assert from 'node:assert/strict';
import { test } from 'node:test';
import request from 'supertest';
import { buildApp as buildBackend } from '../../services/backend/app.ts';
import { loadBackendConfig } from '../../services/backend/config.ts';
import { buildApp as buildFrontend } from '../../services/frontend/app.ts';
import { loadFrontendConfig } from '../../services/frontend/config.ts';
import { fakeSecretsManager } from '../helpers/fake-secrets-manager.ts';
import { until } from '../helpers/wait.ts';
import { PROJECT_NAME } from '../../services/shared/project.ts';

test('without the secret both services stay up but not ready, and recover once it exists', async (t) => {
  const sm = await fakeSecretsManager(t);
  const backend = buildBackend(loadBackendConfig({}), { secretsClient: sm.client });
  t.after(() => backend.close());
  const backendUrl = await backend.listen({ host: '127.0.0.1', port: 0 });
  const frontend = buildFrontend(loadFrontendConfig({ BACKEND_URL: backendUrl }), { secretsClient: sm.client });
  t.after(() => frontend.close());
  await frontend.ready();

  await request(backend.server).get('/health').expect(503);
  const hello = await request(backend.server).get('/hello?name=you').set('authorization', 'Bearer guess-guess-guess-guess').expect(503);
  assert.equal(hello.body.code, 'not_ready');
  await request(frontend.server).get('/health/live').expect(200);
  const ready = await request(frontend.server).get('/health/ready').expect(503);
  assert.equal(ready.body.code, 'not_ready');
  assert.equal((await request(frontend.server).get('/api/hello?name=you').expect(503)).body.code, 'not_ready');

  // Both read it again at their next retry (0.5 s after the first failed
  // read, then 1.5 s, 3.5 s...): ready without a restart.
  sm.state.secrets.set(`${PROJECT_NAME}/internal-token`, JSON.stringify({ token: 'created-later-0123456789' }));
  await until(async () => (await request(frontend.server).get('/health/ready')).status === 200, 'ready once the secret exists');
  await request(frontend.server).get('/api/hello?name=you').expect(200);
});
