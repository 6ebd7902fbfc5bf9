import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { closedOrigin, fakeBackend } from '../helpers/fake-backend.ts';

const portOf = (origin: string) => new URL(origin).port;

// The containers' health check: `bash services/healthcheck.sh PORT PATH`, run inside the image.
function check(...args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['services/healthcheck.sh', ...args], (error, _stdout, stderr) => {
      resolve({ code: error === null ? 0 : ((error as { code?: number }).code ?? null), stderr });
    });
  });
}

test('healthy: exit 0 on a 200', async (t) => {
  const paths: string[] = [];
  const url = await fakeBackend(t, (req, res) => (paths.push(req.url ?? ''), res.end('{"status":"ok"}')));
  assert.deepEqual(await check(portOf(url), '/health/ready'), { code: 0, stderr: '' });
  assert.deepEqual(paths, ['/health/ready']);
});

test('unhealthy: exit 1 and the reason on a non-200, a refused connection or no answer', async (t) => {
  const notReady = await fakeBackend(t, (_req, res) => res.writeHead(503).end());
  const silent = await fakeBackend(t, () => {});
  const cases: Array<[string, RegExp]> = [
    [notReady, /unhealthy: :\d+\/health answered "HTTP\/1\.1 503 Service Unavailable"/],
    [await closedOrigin(), /Connection refused/],
    [silent, /unhealthy: no answer from :\d+\/health within 2 s/],
  ];
  for (const [url, reason] of cases) {
    const { code, stderr } = await check(portOf(url), '/health');
    assert.equal(code, 1, url);
    assert.match(stderr, reason);
  }
});

test('usage: exit 2 without a port and a path', async () => {
  assert.deepEqual(await check(), { code: 2, stderr: 'usage: bash services/healthcheck.sh PORT PATH\n' });
});
