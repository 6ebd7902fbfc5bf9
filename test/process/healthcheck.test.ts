import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { closedOrigin, fakeBackend } from '../helpers/fake-backend.ts';

// The containers' health check: `node services/healthcheck.ts URL`, run inside the image.
function check(...args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['services/healthcheck.ts', ...args], (error, _stdout, stderr) => {
      resolve({ code: error === null ? 0 : ((error as { code?: number }).code ?? null), stderr });
    });
  });
}

test('healthy: exit 0 on a 200', async (t) => {
  const url = await fakeBackend(t, (_req, res) => res.end('{"status":"ok"}'));
  assert.deepEqual(await check(`${url}/health`), { code: 0, stderr: '' });
});

test('unhealthy: exit 1 and the reason on a non-200, a refused connection or no answer', async (t) => {
  const notReady = await fakeBackend(t, (_req, res) => res.writeHead(503).end());
  const silent = await fakeBackend(t, () => {});
  const cases: Array<[string, RegExp]> = [
    [`${notReady}/health`, /status 503/],
    [`${await closedOrigin()}/health`, /ECONNREFUSED/],
    [`${silent}/health`, /no answer within 2 s/],
  ];
  for (const [url, reason] of cases) {
    const { code, stderr } = await check(url);
    assert.equal(code, 1, url);
    assert.ok(stderr.startsWith(`unhealthy: ${url}: `), stderr);
    assert.match(stderr, reason);
  }
});

test('usage: exit 2 without a URL', async () => {
  assert.deepEqual(await check(), { code: 2, stderr: 'usage: node services/healthcheck.ts URL\n' });
});
