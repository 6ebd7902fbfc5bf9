import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { taskApps, TEST_TOKEN } from '../helpers/apps.ts';
import { openSocket, parseResponse, rawRequest, readAll } from '../helpers/raw-http.ts';
import { assertSafeAnswer } from '../helpers/safe-answer.ts';

// What Node's HTTP server decides (sizes, framing, timeouts) never reaches
// Fastify's inject: these tests speak HTTP/1.1 over real sockets, byte for byte.

/** Where each service of the task listens, and what to ask it. */
async function endpoints(t: TestContext) {
  const { backend, frontend } = await taskApps(t);
  const frontendUrl = await frontend.app.listen({ host: '127.0.0.1', port: 0 });
  return [
    { service: 'frontend', url: frontendUrl, hello: '/api/hello', health: '/health/live', auth: '' },
    { service: 'backend', url: backend.url, hello: '/hello', health: '/health', auth: `Authorization: Bearer ${TEST_TOKEN}\r\n` },
  ] as const;
}

function get(path: string, headers = ''): string {
  return `GET ${path} HTTP/1.1\r\nHost: localhost\r\n${headers}Connection: close\r\n\r\n`;
}

/** Sends a raw request and checks the answer is a safe one with the expected status. */
async function expectStatus(url: string, request: string | Buffer, status: number, label: string) {
  const answer = await rawRequest(url, request);
  assertSafeAnswer(answer, label);
  assert.equal(answer.status, status, `${label}: ${answer.body}`);
}

test('oversized URL and headers: a JSON 431 from the server, which keeps serving', async (t) => {
  for (const { service, url, hello, health, auth } of await endpoints(t)) {
    await expectStatus(url, get(`${hello}?name=${'a'.repeat(20_000)}`, auth), 431, `${service}: 20 kB URL`);
    await expectStatus(url, get(hello, `${auth}X-Big: ${'b'.repeat(20_000)}\r\n`), 431, `${service}: a 20 kB header`);
    const many = (size: number) => Array.from({ length: 200 }, (_, i) => `X-H${i}: ${'c'.repeat(size)}\r\n`).join('');
    await expectStatus(url, get(health, many(100)), 431, `${service}: 200 headers, 20 kB`);
    await expectStatus(url, get(health, many(8)), 200, `${service}: 200 small headers`);
    await expectStatus(url, get(`${hello}?name=ok`, auth), 200, `${service}: still serving`);
  }
});

test('path traversal: a JSON 404, never a file', async (t) => {
  const attempts = [
    '/assets/../app.ts',
    '/assets/../../package.json',
    '/assets/..%2fapp.ts',
    '/assets/%2e%2e/app.ts',
    '/assets/%2e%2e%2fapp.ts',
    '/assets/%252e%252e%252fapp.ts',
    '/assets/..%5capp.ts',
    '/assets/..\\app.ts',
    '/assets/page.js/../../app.ts',
    '/assets/page.js%00.ts',
    '/assets/./page.js',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/../../../../etc/passwd',
    '//etc/passwd',
    '/assets/%c0%ae%c0%ae/app.ts',
  ];
  for (const { service, url } of await endpoints(t)) {
    for (const path of attempts) {
      const answer = await rawRequest(url, get(path));
      assertSafeAnswer(answer, `${service} ${path}`);
      assert.ok([400, 404].includes(answer.status), `${service} ${path}: ${answer.status}`);
      assert.doesNotMatch(answer.body, /import |root:x:0:|"dependencies"/, `${service} ${path} served a file`);
    }
  }
});

test('control characters, raw bytes and broken framing: a JSON 400 from the server, no crash', async (t) => {
  const requests: Array<[string, string | Buffer]> = [
    ['a control character in the URL', 'GET /api/hello?name=a\x01b HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a space in the URL', 'GET /api/hello?name=a b HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['NUL in a header value', 'GET /health/live HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n'],
    ['a space in a header name', 'GET /health/live HTTP/1.1\r\nHost: x\r\nX A: b\r\n\r\n'],
    ['bare LF line endings', 'GET /health/live HTTP/1.1\nHost: x\n\n'],
    ['Content-Length and Transfer-Encoding (smuggling)', 'GET /health/live HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['two different Content-Lengths', 'GET /health/live HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab'],
    ['an invalid method', 'G\x00T /health/live HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['an HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
    ['not HTTP at all', Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03])],
  ];
  for (const { service, url, health } of await endpoints(t)) {
    for (const [label, request] of requests) await expectStatus(url, request, 400, `${service}: ${label}`);
    await expectStatus(url, get(health), 200, `${service}: still serving`);
  }
});

test('raw UTF-8, malformed JSON, wrong content types and oversized bodies over the wire: a JSON 4xx', async (t) => {
  const send = (method: string, type: string, body: string) =>
    `${method} /api/hello?name=x HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
  const [frontend] = await endpoints(t);
  // Neither service takes a body: a GET's is never parsed, and any other
  // method reaches the 404 handler only through Fastify's bounded parsers.
  const cases: Array<[string, string | Buffer, number]> = [
    ['raw UTF-8 bytes in the query', Buffer.from('GET /api/hello?name=Zoë HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), 400],
    ['a GET with malformed JSON', send('GET', 'application/json', '{"name":'), 200],
    ['a POST with malformed JSON', send('POST', 'application/json', '{"name":'), 400],
    ['a POST with a prototype key', send('POST', 'application/json', '{"__proto__":{"polluted":true}}'), 400],
    ['a POST of an unknown content type', send('POST', 'application/xml', '<a/>'), 404],
    ['a POST over the 16 kB limit', send('POST', 'application/json', `"${'x'.repeat(20_000)}"`), 413],
    ['a POST of text', send('POST', 'text/plain', 'hi'), 404],
  ];
  for (const [label, request, status] of cases) await expectStatus(frontend.url, request, status, label);
  assert.equal(({} as { polluted?: boolean }).polluted, undefined);
});

test('a client dribbling its headers byte by byte is cut off by the headers timeout', { timeout: 15_000 }, async (t) => {
  const [frontend] = await endpoints(t);
  const socket = await openSocket(frontend.url);
  const received = readAll(socket);
  const started = performance.now();
  socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\nX-Slow: ');
  let closed = false;
  void received.then(() => (closed = true));
  const dribble = (async () => {
    while (!closed && socket.writable) {
      socket.write('a');
      await sleep(100);
    }
  })();

  // Meanwhile everyone else is served as usual.
  await expectStatus(frontend.url, get('/health/live'), 200, 'another client during the dribble');
  const text = await received;
  const ms = performance.now() - started;
  await dribble;
  t.diagnostic(`slow client cut off after ${Math.round(ms)} ms with ${text === '' ? 'no answer' : JSON.stringify(text.split('\r\n')[0])}`);

  // headersTimeout is 5 s, checked every second (services/shared/server.ts):
  // cut off after 5 to 6 s, later only on a busy machine, and long before
  // the 10 s requestTimeout, which would end a dribble too.
  assert.ok(ms >= 5_000, `closed after ${Math.round(ms)} ms, before the headers timeout`);
  assert.ok(ms < 9_000, `closed after ${Math.round(ms)} ms: not by the headers timeout`);
  if (text !== '') {
    const answer = parseResponse(text);
    assertSafeAnswer(answer, 'slow client');
    assert.equal(answer.status, 408);
  }
});
