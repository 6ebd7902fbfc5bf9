// The internal token against a real Secrets Manager API (moto), with both
// services as real processes: start-up without the secret, and rotations
// under load.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test, type TestContext } from 'node:test';
import { CreateSecretCommand, PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { request } from 'undici';
import { startLoad, summarize } from '../helpers/load.ts';
import { startService, type ServiceProcess } from '../helpers/process.ts';
import { waitFor } from '../helpers/compose.ts';
import { secretsManager, startMoto, type Moto } from '../helpers/moto.ts';

const TTL_SECONDS = 2;

let moto: Moto;
let sm: SecretsManagerClient;
before(async () => {
  moto = await startMoto();
  sm = secretsManager(moto);
});
after(async () => {
  sm?.destroy();
  await moto?.stop();
});

const newToken = () => randomBytes(24).toString('base64url');

/** Both services reading SECRET_ID from moto, as on Fargate (no INTERNAL_TOKEN). */
async function servicesReading(t: TestContext, secretId: string) {
  const env = {
    ...moto.env,
    SECRET_ID: secretId,
    SECRET_TTL_SECONDS: String(TTL_SECONDS),
    INTERNAL_TOKEN: '',
    // This test reads every log line of both services through a pipe. On a
    // busy machine a full pipe stalls a service's event loop long enough to
    // trip the load shedder (tested in test/frontend/load-shedding.test.ts),
    // which is not what this test is about.
    MAX_EVENT_LOOP_DELAY_MS: '60000',
  };
  const backend = await startService(t, 'backend', env);
  const frontend = await startService(t, 'frontend', { ...env, BACKEND_URL: backend.url });
  return { backend, frontend };
}

async function status(url: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await request(url, { headers });
  await res.body.dump();
  return res.statusCode;
}

const logText = (...services: ServiceProcess[]) => services.map((s) => JSON.stringify(s.logs) + s.stderr()).join('\n');

test('without the secret the task is up but not ready; it recovers once the secret exists', { timeout: 60_000 }, async (t) => {
  const secretId = `e2e/${randomUUID()}`;
  const { backend, frontend } = await servicesReading(t, secretId);

  assert.equal(await status(`${frontend.url}/health/live`), 200);
  assert.equal(await status(`${frontend.url}/health/ready`), 503);
  const line = await waitFor('the error line', async () => backend.logs.find((l) => l.level === 'error'), 10_000);
  assert.equal(line.secretId, secretId);
  assert.match(String(line.reason), /ResourceNotFoundException/);
  assert.equal(line.msg, 'could not read the internal token; not ready, retrying');

  const token = newToken();
  await sm.send(new CreateSecretCommand({ Name: secretId, SecretString: JSON.stringify({ token }) }));
  await waitFor('readiness', async () => ((await status(`${frontend.url}/health/ready`)) === 200 ? true : undefined), 30_000);
  assert.equal(await status(`${frontend.url}/api/hello?name=you`), 200);
  assert.ok(!logText(backend, frontend).includes(token), 'the token was logged');
});

test('two rotations under continuous load: no failed request, the newest token in use within the TTL', { timeout: 90_000 }, async (t) => {
  const secretId = `e2e/${randomUUID()}`;
  const tokens = [newToken()];
  await sm.send(new CreateSecretCommand({ Name: secretId, SecretString: JSON.stringify({ token: tokens[0] }) }));
  const { backend, frontend } = await servicesReading(t, secretId);
  await waitFor('readiness', async () => ((await status(`${frontend.url}/health/ready`)) === 200 ? true : undefined), 30_000);

  // Eight clients, as long as the rotations last.
  const load = startLoad(t, frontend.url, { connections: 8, ratePerSecond: 5_000, path: '/api/hello?name=load' });

  const rotations: number[] = [];
  for (let i = 1; i <= 2; i++) {
    await sleep(1_000);
    tokens.push(newToken());
    rotations.push(Date.now());
    await sm.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify({ token: tokens[i] }) }));
    // Both sides pick the new token up by themselves within the TTL (refresh at 80-95% of it).
    for (const service of [backend, frontend]) {
      await waitFor(`${service === backend ? 'backend' : 'frontend'} rotation ${i}`, async () =>
        service.logs.filter((l) => l.msg === 'internal token rotated').length >= i ? true : undefined, (TTL_SECONDS + 1) * 1000);
    }
    await sleep(TTL_SECONDS * 1000);
  }
  const { sent, outcomes } = summarize(await load.stop());
  t.diagnostic(`requests: ${sent}, outcomes: ${JSON.stringify(outcomes)}`);
  assert.ok(sent > 100, `only ${sent} requests`);
  assert.deepEqual(Object.keys(outcomes), ['200'], 'every request succeeded');

  // The rotation lines came within the TTL of each rotation, on both sides.
  for (const service of [backend, frontend]) {
    const at = service.logs.filter((l) => l.msg === 'internal token rotated').map((l) => Date.parse(String(l.time)));
    rotations.forEach((rotatedAt, i) => assert.ok(at[i]! - rotatedAt <= TTL_SECONDS * 1000 + 250, `picked up after ${at[i]! - rotatedAt} ms`));
  }
  // Only the newest token opens the backend now; the grace period of the others is over.
  assert.equal(await status(`${backend.url}/hello?name=x`, { authorization: `Bearer ${tokens[2]}` }), 200);
  assert.equal(await status(`${backend.url}/hello?name=x`, { authorization: `Bearer ${tokens[0]}` }), 401);
  assert.equal(await status(`${backend.url}/hello?name=x`, { authorization: `Bearer ${tokens[1]}` }), 401);

  const logs = logText(backend, frontend);
  for (const token of tokens) assert.ok(!logs.includes(token!), 'a token was logged');
});
