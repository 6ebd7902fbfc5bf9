import assert from 'node:assert/strict';
import { test } from 'node:test';
import { internalToken, parseSecret, SecretFormatError } from '../../services/shared/internal-token.ts';
import { fakeSecretsManager } from '../helpers/fake-secrets-manager.ts';
import { captureLogs } from '../helpers/logs.ts';
import { until } from '../helpers/wait.ts';
import { PROJECT_NAME } from '../../services/shared/project.ts';

const SECRET_ID = `${PROJECT_NAME}/internal-token`;
const TOKEN = 'rotating-token-aaaaaaaaaaaaaaaa';

const settings = { secretId: SECRET_ID, secretTtlSeconds: 300, internalToken: undefined };

async function loaded(token: ReturnType<typeof internalToken>) {
  await until(() => token.current() !== undefined, 'the token was read');
  return token.current();
}

test('the token is read from Secrets Manager with the SDK', async (t) => {
  const sm = await fakeSecretsManager(t);
  sm.state.secrets.set(SECRET_ID, JSON.stringify({ token: TOKEN }));
  const { logger, lines } = captureLogs('backend');
  const token = internalToken(settings, logger, sm.client);
  t.after(() => token.stop());
  token.start();
  assert.equal(await loaded(token), TOKEN);
  assert.ok(token.accepts(TOKEN));
  assert.ok(!token.accepts(`${TOKEN}x`));
  assert.deepEqual(lines.map((line) => line.msg), ['internal token loaded']);
  assert.ok(!JSON.stringify(lines).includes(TOKEN));
});

test('INTERNAL_TOKEN skips Secrets Manager entirely', async (t) => {
  const sm = await fakeSecretsManager(t);
  const { logger } = captureLogs('backend');
  const token = internalToken({ ...settings, internalToken: TOKEN }, logger, sm.client);
  token.start();
  await token.refresh();
  assert.equal(token.current(), TOKEN);
  assert.equal(sm.state.calls, 0);
});

test('a missing secret: one clear line with the reason and the secret id, then retries until it exists', async (t) => {
  const sm = await fakeSecretsManager(t);
  const { logger, lines } = captureLogs('backend');
  const token = internalToken(settings, logger, sm.client);
  t.after(() => token.stop());
  token.start();
  await until(() => lines.length > 0, 'the failure was logged');
  assert.equal(token.current(), undefined);
  assert.equal(lines[0]?.level, 'error');
  assert.equal(lines[0]?.secretId, SECRET_ID);
  assert.match(String(lines[0]?.reason), /^ResourceNotFoundException: /);
  assert.equal(lines[0]?.msg, 'could not read the internal token; not ready, retrying');

  sm.state.secrets.set(SECRET_ID, JSON.stringify({ token: TOKEN }));
  assert.equal(await loaded(token), TOKEN);
});

test('access denied is reported as such', async (t) => {
  const sm = await fakeSecretsManager(t);
  sm.state.failure = { status: 400, type: 'AccessDeniedException' };
  const { logger, lines } = captureLogs('backend');
  const token = internalToken(settings, logger, sm.client);
  t.after(() => token.stop());
  token.start();
  await until(() => lines.length > 0, 'the failure was logged');
  assert.match(String(lines[0]?.reason), /^AccessDeniedException: /);
});

test('a malformed secret is a clear error that never quotes the value', () => {
  const cases: Array<[string | undefined, RegExp]> = [
    [undefined, /no SecretString/],
    ['s3cr3t-not-json', /not JSON/],
    ['{"password":"s3cr3t-value-xxxxxxxx"}', /no string "token" field/],
    ['{"token":42}', /no string "token" field/],
    ['null', /no string "token" field/],
    ['{"token":"short"}', /shorter than 16 characters/],
  ];
  for (const [value, reason] of cases) {
    assert.throws(() => parseSecret(value), (error: Error) => {
      assert.ok(error instanceof SecretFormatError);
      assert.match(error.message, reason);
      assert.ok(!error.message.includes('s3cr3t'));
      return true;
    });
  }
  assert.equal(parseSecret(JSON.stringify({ token: TOKEN, other: 1 })), TOKEN);
});
