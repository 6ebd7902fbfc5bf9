import assert from 'node:assert/strict';
import { test } from 'node:test';
import { frontendApp, listeningBackend, TEST_TOKEN } from '../helpers/apps.ts';
import type { LogLine } from '../helpers/logs.ts';
import { rawRequest } from '../helpers/raw-http.ts';
import { assertSafeAnswer } from '../helpers/safe-answer.ts';

// Every forged value carries this marker: it must appear in no log line.
const MARK = 'INJECTED';
const FORGED = [
  `abc\n${MARK}`,
  `abc\r\n{"level":"fatal","msg":"${MARK}"}`,
  `Root=1-67891233-abcdef012345678912345678\n${MARK}`,
  `Root=1-67891233-abcdef012345678912345678;${MARK}=${'A'.repeat(10_000)}`,
  MARK.repeat(1_250), // 10 kB of characters that are each safe on their own
  `${MARK}\u2028\u2029\u202e`,
  `${MARK}\0`,
  `${MARK}"}`,
];

function assertNotLogged(lines: readonly LogLine[], service: string): void {
  assert.ok(lines.length > 0, `${service} logged its requests`);
  for (const line of lines) {
    assert.match(String(line.reqId), /^[A-Za-z0-9._:-]{1,128}$/, `${service} request id`);
    assert.ok(!JSON.stringify(line).includes(MARK), `${service} logged a forged id: ${JSON.stringify(line).slice(0, 300)}`);
  }
}

test('a forged x-request-id or x-amzn-trace-id (newlines, JSON, 10 kB) never reaches the logs as it is', async (t) => {
  const backend = await listeningBackend(t);
  const frontend = await frontendApp(t, { BACKEND_URL: backend.url });
  for (const forged of FORGED) {
    for (const header of ['x-request-id', 'x-amzn-trace-id']) {
      const label = `${header}: ${JSON.stringify(forged.slice(0, 60))}`;
      const viaFrontend = await frontend.app.inject({ url: '/api/hello?name=x', headers: { [header]: forged } });
      assertSafeAnswer({ status: viaFrontend.statusCode, headers: viaFrontend.headers, body: viaFrontend.body }, `frontend ${label}`);
      assert.equal(viaFrontend.statusCode, 200);
      const direct = await backend.app.inject({ url: '/hello?name=x', headers: { [header]: forged, authorization: `Bearer ${TEST_TOKEN}` } });
      assertSafeAnswer({ status: direct.statusCode, headers: direct.headers, body: direct.body }, `backend ${label}`);
      assert.equal(direct.statusCode, 200);
    }
  }
  assertNotLogged(frontend.logs, 'frontend');
  assertNotLogged(backend.logs, 'backend');
});

test('over the wire, a folded or 10 kB request id is refused or replaced, never logged', async (t) => {
  const backend = await listeningBackend(t);
  const frontend = await frontendApp(t, { BACKEND_URL: backend.url });
  const url = await frontend.app.listen({ host: '127.0.0.1', port: 0 });
  const get = (headers: string) => `GET /api/hello?name=x HTTP/1.1\r\nHost: x\r\n${headers}Connection: close\r\n\r\n`;

  // An obsolete line fold would continue the header on a new line.
  const folded = await rawRequest(url, get(`X-Request-Id: abc\r\n ${MARK}\r\nX-Amzn-Trace-Id: Root=1-67891233-abcdef012345678912345678\r\n\t${MARK}\r\n`));
  assertSafeAnswer(folded, 'obs-fold');
  assert.equal(folded.status, 400);
  for (const header of ['X-Request-Id: ', 'X-Amzn-Trace-Id: Root=1-67891233-abcdef012345678912345678']) {
    const long = await rawRequest(url, get(`${header}${MARK.repeat(1_250)}\r\n`));
    assertSafeAnswer(long, `10 kB ${header}`);
    assert.equal(long.status, 200);
  }
  assertNotLogged(frontend.logs, 'frontend');
  assertNotLogged(backend.logs, 'backend');
});
