import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { frontendApp, listeningBackend } from '../helpers/apps.ts';
import { openSocket, parseResponse, rawRequest, readAll } from '../helpers/raw-http.ts';
import { assertSafeAnswer } from '../helpers/safe-answer.ts';

// services/shared/server.ts: the whole request within 10 s, checked every second.
const REQUEST_TIMEOUT_MS = 10_000;

test('a client that sends its headers and then holds the body back is cut off with a JSON 408', { timeout: 30_000 }, async (t) => {
  const backend = await listeningBackend(t);
  const frontend = await frontendApp(t, { BACKEND_URL: backend.url });
  const url = await frontend.app.listen({ host: '127.0.0.1', port: 0 });

  const socket = await openSocket(url);
  const received = readAll(socket);
  const started = performance.now();
  // Headers complete, 10 of the 100 bytes announced, then nothing.
  socket.write('POST /api/hello?name=x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":"x');

  const other = await rawRequest(url, 'GET /api/hello?name=y HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.equal(other.status, 200, 'everyone else is served meanwhile');

  const text = await received;
  const ms = performance.now() - started;
  t.diagnostic(`held request cut off after ${Math.round(ms)} ms with ${JSON.stringify(text.split('\r\n')[0])}`);
  assert.ok(ms >= REQUEST_TIMEOUT_MS - 100, `closed after ${Math.round(ms)} ms, before the request timeout`);
  // Bounded, not exact: the check runs every second on a machine that may be busy.
  assert.ok(ms < REQUEST_TIMEOUT_MS + 5_000, `closed after ${Math.round(ms)} ms`);
  const answer = parseResponse(text);
  assertSafeAnswer(answer, 'held request');
  assert.equal(answer.status, 408);
});
