import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import request from 'supertest';
import { frontendApp } from '../helpers/apps.ts';
import type { LogLine } from '../helpers/logs.ts';

test('each change of readiness is logged once, with its cause; the probes themselves are not', async (t) => {
  // A backend that can be taken away and brought back on the same port.
  let healthy = false;
  const server: Server = createServer((_req, res) => {
    if (healthy) res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    else res.writeHead(503, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { app, logs } = await frontendApp(t, { BACKEND_URL: url });

  const probe = async (times: number, status: number) => {
    for (let i = 0; i < times; i++) await request(app.server).get('/health/ready').expect(status);
  };
  await probe(3, 503);
  healthy = true;
  await probe(3, 200);
  healthy = false;
  await probe(3, 503);
  healthy = true;
  await probe(2, 200);

  const changes = logs.filter((line) => /^(not )?ready$/.test(String(line.msg))).map((line: LogLine) => [line.level, line.msg, (line.cause as { code?: string } | undefined)?.code]);
  assert.deepEqual(changes, [
    ['warn', 'not ready', 'backend_unavailable'],
    ['info', 'ready', undefined],
    ['warn', 'not ready', 'backend_unavailable'],
    ['info', 'ready', undefined],
  ]);
  assert.equal(logs.filter((line) => String(line.url).startsWith('/health')).length, 0, 'no line per probe');
});
