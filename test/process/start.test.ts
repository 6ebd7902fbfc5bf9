import assert from 'node:assert/strict';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { closedOrigin, fakeBackend } from '../helpers/fake-backend.ts';
import { until } from '../helpers/wait.ts';

/** A loopback port nothing listens on. */
const freePort = async () => Number(new URL(await closedOrigin()).port);

interface Launcher {
  readonly child: ChildProcessByStdio<null, Readable, null>;
  readonly lines: string[];
  readonly port: number;
  readonly backendPort: number;
}

/** `npm start`'s launcher, in a process group of its own as a terminal's foreground job is, once it says it is ready. */
async function startLauncher(t: TestContext, env: Record<string, string> = {}): Promise<Launcher> {
  const [port, backendPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, ['services/start.ts'], {
    env: { PATH: process.env.PATH, PORT: String(port), BACKEND_PORT: String(backendPort), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  t.after(() => child.exitCode === null && child.kill('SIGKILL'));
  const lines: string[] = [];
  await new Promise<void>((resolve) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      if (line.includes('ready: curl')) resolve();
    });
  });
  return { child, lines, port, backendPort };
}

/** Ctrl-C: the terminal signals the whole group, not only start.ts. */
async function ctrlC({ child }: Launcher): Promise<number | null> {
  process.kill(-child.pid!, 'SIGINT');
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

test('npm start runs both services, answers through the frontend, and Ctrl-C stops both', { timeout: 30_000 }, async (t) => {
  const launcher = await startLauncher(t);
  const { port, backendPort, lines } = launcher;

  const res = await request(`http://127.0.0.1:${port}/api/hello?name=you`);
  assert.equal(res.statusCode, 200);
  const body = (await res.body.json()) as { backend: { greeting: string; servedBy: { pid: number } }; frontend: { pid: number } };
  assert.equal(body.backend.greeting, 'Hello, you!');
  assert.notEqual(body.backend.servedBy.pid, body.frontend.pid, 'two processes');

  // Both services' lines come through, told apart by their prefix (JSON
  // lines are written in batches, at least once a second: logger.ts).
  await until(() => lines.some((line) => line.startsWith('backend  |')), "a line prefixed 'backend  |'");
  await until(() => lines.some((line) => line.startsWith('frontend |')), "a line prefixed 'frontend |'");

  assert.equal(await ctrlC(launcher), 0);
  for (const p of [port, backendPort]) {
    await assert.rejects(request(`http://127.0.0.1:${p}/`), { code: 'ECONNREFUSED' }, `port ${p} still listening`);
  }
});

// A service that got the terminal's SIGINT and then the launcher's SIGTERM
// would take the second signal as "exit now" and drop the request.
test('Ctrl-C with a request in flight: the request is answered, then both services exit 0', { timeout: 30_000 }, async (t) => {
  const slowBackend = await fakeBackend(t, (req, res) => {
    const answer = (body: object) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/health') return answer({ status: 'ok' });
    setTimeout(() => answer({ greeting: 'Hello, you!', servedBy: { service: 'backend', hostname: 'fake', pid: 1 } }), 1_500);
  });
  const launcher = await startLauncher(t, { BACKEND_URL: slowBackend });
  const inFlight = request(`http://127.0.0.1:${launcher.port}/api/hello?name=you`).then(async (res) => (await res.body.dump(), res.statusCode));
  await sleep(300); // on loopback the request reaches the frontend, and it the backend, within milliseconds
  assert.equal(await ctrlC(launcher), 0);
  assert.equal(await inFlight, 200);
});
