import assert from 'node:assert/strict';
import { test } from 'node:test';
import { captureLogs } from '../helpers/logs.ts';

test('log lines are JSON with the service, an ISO time and a level name', () => {
  const { logger, lines } = captureLogs('backend');
  logger.info({ answer: 42 }, 'hello');
  assert.equal(lines.length, 1);
  assert.equal(lines[0]?.service, 'backend');
  assert.equal(lines[0]?.level, 'info');
  assert.equal(lines[0]?.answer, 42);
  assert.match(String(lines[0]?.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});

test('credentials are redacted wherever a log line is likely to carry them', () => {
  const { logger, lines } = captureLogs('backend');
  const secret = 'the-secret-value-0123456789';
  logger.info({ req: { headers: { authorization: `Bearer ${secret}`, cookie: secret, accept: '*/*' } } }, 'request');
  logger.info({ headers: { authorization: secret } }, 'headers');
  logger.info({ token: secret, secret, SecretString: secret }, 'fields');
  logger.child({ reqId: 'r1' }).error({ err: Object.assign(new Error('boom'), { token: secret }) }, 'error');
  assert.equal(lines.length, 4);
  assert.ok(!JSON.stringify(lines).includes(secret), JSON.stringify(lines));
  assert.equal((lines[0]?.req as { headers: Record<string, string> }).headers.accept, '*/*', 'other headers stay');
  assert.equal(lines[3]?.reqId, 'r1');
});
