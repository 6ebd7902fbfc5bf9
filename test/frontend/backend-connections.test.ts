import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { frontendApp } from '../helpers/apps.ts';
import { until } from '../helpers/wait.ts';

const CONNECTIONS = 4;
const TIMEOUT_MS = 200;
const HANG_MS = 1_000;
const CALLERS = 40;
const HELLO = '{"greeting":"Hello, x!","servedBy":{"service":"backend","hostname":"h","pid":1}}';

test('a hung backend that recovers sees a bounded number of new connections, not a storm', async (t) => {
  let hung = false;
  let accepted = 0;
  const held: ServerResponse[] = [];
  const backend = createServer((_req, res) => {
    if (hung) held.push(res);
    else res.writeHead(200, { 'content-type': 'application/json' }).end(HELLO);
  });
  backend.on('connection', () => (accepted += 1));
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    backend.closeAllConnections();
    return new Promise((resolve) => backend.close(resolve));
  });
  const { app } = await frontendApp(t, {
    BACKEND_URL: `http://127.0.0.1:${(backend.address() as AddressInfo).port}`,
    BACKEND_CONNECTIONS: String(CONNECTIONS),
    BACKEND_MAX_PENDING: String(CALLERS),
    BACKEND_TIMEOUT_MS: String(TIMEOUT_MS),
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });

  // Callers that keep asking, each as soon as its last answer came back.
  const callers = new Pool(url, { connections: CALLERS });
  t.after(() => callers.close());
  const statuses = new Map<number, number>();
  const count = (status: number) => statuses.get(status) ?? 0;
  let running = true;
  const workers = Array.from({ length: CALLERS }, async () => {
    while (running) {
      const res = await callers.request({ method: 'GET', path: '/api/hello?name=x' });
      await res.body.dump();
      statuses.set(res.statusCode, count(res.statusCode) + 1);
    }
  });

  // Steady traffic first: every connection the pool needs is open.
  await until(() => count(200) >= 100, 'steady traffic');
  const before = accepted;
  hung = true;
  await sleep(HANG_MS); // the fault itself: a backend that hangs this long
  hung = false;
  for (const res of held.splice(0)) res.destroy();
  const answered = count(200);
  await until(() => count(200) >= answered + 100, 'answers again after the hang');
  running = false;
  await Promise.all(workers);
  const during = accepted - before;

  t.diagnostic(`connections: ${before} before the hang, ${during} while hung and recovering; answers ${JSON.stringify(Object.fromEntries(statuses))}`);
  assert.ok(before <= CONNECTIONS, `${before} connections for steady traffic`);
  assert.ok(count(504) > 0, 'calls timed out while the backend hung');
  // Each deadline may close the calls on a connection: at most CONNECTIONS
  // new ones per timeout while hung, and CONNECTIONS more to recover. Calls
  // that gave up while waiting for a connection cost none.
  const bound = CONNECTIONS * (Math.ceil(HANG_MS / TIMEOUT_MS) + 2);
  assert.ok(during <= bound, `${during} new connections for a ${HANG_MS} ms hang (bound ${bound})`);
});
