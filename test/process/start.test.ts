import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { request } from 'undici';
import { closedOrigin } from '../helpers/fake-backend.ts';
import { until } from '../helpers/wait.ts';

/** A loopback port nothing listens on. */
const freePort = async () => Number(new URL(await closedOrigin()).port);

test('npm start runs both services, answers through the frontend, and Ctrl-C stops both', { timeout: 30_000 }, async (t) => {
  const [port, backendPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, ['services/start.ts'], {
    env: { PATH: process.env.PATH, PORT: String(port), BACKEND_PORT: String(backendPort) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => child.kill('SIGKILL'));
  const lines: string[] = [];
  const ready = new Promise<void>((resolve) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      if (line.includes('ready: curl')) resolve();
    });
  });
  await ready;

  const res = await request(`http://127.0.0.1:${port}/api/hello?name=you`);
  assert.equal(res.statusCode, 200);
  const body = (await res.body.json()) as { backend: { greeting: string; servedBy: { pid: number } }; frontend: { pid: number } };
  assert.equal(body.backend.greeting, 'Hello, you!');
  assert.notEqual(body.backend.servedBy.pid, body.frontend.pid, 'two processes');

  // Both services' lines come through, told apart by their prefix (JSON
  // lines are written in batches, at least once a second: logger.ts).
  await until(() => lines.some((line) => line.startsWith('backend  |')), "a line prefixed 'backend  |'");
  await until(() => lines.some((line) => line.startsWith('frontend |')), "a line prefixed 'frontend |'");

  child.kill('SIGINT');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
  for (const p of [port, backendPort]) {
    await assert.rejects(request(`http://127.0.0.1:${p}/`), { code: 'ECONNREFUSED' }, `port ${p} still listening`);
  }
});
