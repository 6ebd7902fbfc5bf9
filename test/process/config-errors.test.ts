import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { startService } from '../helpers/process.ts';

async function run(service: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [`services/${service}/main.ts`], { env: { PATH: process.env.PATH, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = await once(child, 'exit');
  return { code, stdout, stderr };
}

test('a bad variable stops the service with exit code 1 and one line naming it', async () => {
  const cases: Array<[string, Record<string, string>, string]> = [
    ['backend', { PORT: 'abc' }, 'backend: configuration error: PORT must be an integer from 0 to 65535 (got "abc")\n'],
    ['frontend', { BACKEND_URL: 'localhost:8080' }, 'frontend: configuration error: BACKEND_URL must be an http:// or https:// URL, such as http://localhost:8080 (got "localhost:8080")\n'],
  ];
  for (const [service, env, line] of cases) {
    const { code, stdout, stderr } = await run(service, env);
    assert.equal(code, 1);
    assert.equal(stderr, line, 'exactly one line, no stack trace');
    assert.equal(stdout, '');
  }
});

test('a port already in use stops the service with exit code 1 and a clear log line', async (t) => {
  const first = await startService(t, 'backend');
  const port = new URL(first.url).port;
  const { code, stdout } = await run('backend', { PORT: port, LOG_FORMAT: 'json' });
  assert.equal(code, 1);
  const fatal = stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.level === 'fatal');
  assert.equal(fatal?.msg, `could not listen on 127.0.0.1:${port}`);
});
