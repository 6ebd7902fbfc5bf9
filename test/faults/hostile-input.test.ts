import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { taskApps, TEST_TOKEN } from '../helpers/apps.ts';
import { assertSafeAnswer } from '../helpers/safe-answer.ts';

// Property tests: whatever a caller sends to any route of either service, the
// answer is a 2xx or a JSON 4xx that leaks nothing (safe-answer.ts), and the
// app keeps serving. fast-check prints the seed and the smallest failing input.

const NUM_RUNS = 200;
const AUTH = `Bearer ${TEST_TOKEN}`;
const ROUTES = [
  { service: 'frontend', path: '/' },
  { service: 'frontend', path: '/assets/page.js' },
  { service: 'frontend', path: '/assets/page.css' },
  { service: 'frontend', path: '/api/hello' },
  { service: 'frontend', path: '/health/live' },
  { service: 'frontend', path: '/health/ready' },
  { service: 'backend', path: '/hello' },
  { service: 'backend', path: '/health' },
] as const;
type Route = (typeof ROUTES)[number];

/** A client of both services of the task, which checks every answer it gets. */
async function checkedClient(t: TestContext) {
  const { backend, frontend } = await taskApps(t);
  const apps = { frontend: frontend.app, backend: backend.app };
  return {
    /** Sends a request to a route; the backend's get the internal token unless the headers say otherwise. */
    async send(route: Route, options: Omit<InjectOptions, 'url'> & { query?: string }, label: string) {
      const { query, headers, ...rest } = options;
      const url = query === undefined ? route.path : `${route.path}?${query}`;
      const res = await apps[route.service].inject({
        ...rest,
        url,
        headers: { ...(route.service === 'backend' ? { authorization: AUTH } : {}), ...headers },
      });
      const answer = { status: res.statusCode, headers: res.headers, body: res.body };
      assertSafeAnswer(answer, `${label}: ${rest.method ?? 'GET'} ${route.service} ${url.slice(0, 200)}`);
      if (answer.status >= 400 && answer.body !== '') assert.equal(typeof res.json().code, 'string', 'the app names every error');
      return answer;
    },
    /** Both still answer their health checks. */
    async assertUp() {
      assert.equal((await apps.frontend.inject('/health/live')).statusCode, 200);
      assert.equal((await apps.frontend.inject('/health/ready')).statusCode, 200);
      assert.equal((await apps.backend.inject('/health')).statusCode, 200);
    },
  };
}

// Any unicode; control, format and bidi characters; what means something in a
// URL, a header or JSON; and now and then a huge value.
const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({
    unit: fc.constantFrom('\0', '\t', '\n', '\r', '\x7f', '\u2028', '\u202e', '\ufeff', '%', '&', '=', '[', ']', '+', '"', "'", '<', '\\', '/', '.', ' ', 'a', 'é', '東', '😀'),
    maxLength: 30,
  }),
  fc.integer({ min: 1_000, max: 12_000 }).map((length) => 'x'.repeat(length)),
);
const validName = fc.stringMatching(/^[A-Za-z0-9 ._-]{1,64}$/);
const route = fc.constantFrom(...ROUTES);

test('any query string: 2xx or a JSON 4xx, nothing leaked, both services up', async (t) => {
  const { send, assertUp } = await checkedClient(t);
  const key = fc.oneof(fc.constantFrom('name', 'name[]', 'name[0]', '__proto__', 'constructor', 'toString'), hostileText);
  // Repeated keys (arrays), empty pairs, raw or percent-encoded text, malformed escapes ("%zz", "%E0%A4").
  const pair = fc.oneof(
    fc.tuple(key, fc.oneof(validName, hostileText), fc.boolean()).map(([k, v, encode]) => (encode ? `${encodeURIComponent(k)}=${encodeURIComponent(v)}` : `${k}=${v}`)),
    fc.constantFrom('', 'name', 'name=', '=x', '%', '%zz', 'name=%E0%A4', 'name=%00', 'name=a%0d%0aSet-Cookie:%20x'),
  );
  // One query in four also carries a valid name, so the calls that reach the backend get hostile extras too.
  const query = fc
    .tuple(fc.array(pair, { maxLength: 6 }), fc.option(validName, { freq: 3 }))
    .map(([pairs, name]) => (name === null ? pairs : [`name=${encodeURIComponent(name)}`, ...pairs]).join('&'));
  await fc.assert(
    fc.asyncProperty(route, query, async (target, q) => {
      await send(target, { query: q }, 'query');
    }),
    { numRuns: NUM_RUNS },
  );
  await assertUp();
});

test('any headers, including forged request ids and tokens: 2xx or a JSON 4xx, nothing leaked, both services up', async (t) => {
  const { send, assertUp } = await checkedClient(t);
  // What the client (or anything between it and the task) computes, the injector computes too.
  const framing = new Set(['content-length', 'transfer-encoding', 'host', 'connection', 'expect', 'upgrade', '__proto__']);
  const name = fc
    .oneof(
      fc.constantFrom('x-request-id', 'x-amzn-trace-id', 'authorization', 'cookie', 'content-type', 'accept', 'accept-encoding', 'x-forwarded-for', 'origin', 'if-none-match'),
      fc.stringMatching(/^[a-z0-9!#$%&'*+.^_`|~-]{1,30}$/),
    )
    .filter((header) => !framing.has(header));
  const value = fc.oneof(
    hostileText,
    fc.constantFrom(AUTH, `${AUTH}x`, `Bearer ${TEST_TOKEN.slice(0, -1)}`, 'Bearer', 'Root=1-67891233-abcdef012345678912345678;Sampled=1', 'Root=1-zzzz'),
    fc.array(hostileText, { minLength: 2, maxLength: 3 }),
  );
  await fc.assert(
    fc.asyncProperty(route, fc.dictionary(name, value, { maxKeys: 8 }), async (target, headers) => {
      await send(target, { query: 'name=Ada', headers }, 'headers');
    }),
    { numRuns: NUM_RUNS },
  );
  await assertUp();
});

test('any method, content type and body, malformed JSON and oversized bodies included: 2xx or a JSON 4xx, both services up', async (t) => {
  const { send, assertUp } = await checkedClient(t);
  const method = fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS') satisfies fc.Arbitrary<InjectOptions['method']>;
  const contentType = fc.oneof(
    fc.constantFrom('application/json', 'application/json; charset=utf-16', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', 'application/xml'),
    hostileText,
  );
  const payload = fc.oneof(
    hostileText,
    fc.constantFrom('{', '{"name":', '[1,2', 'null', '{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}'),
    fc.json(),
    fc.uint8Array({ maxLength: 20_000 }).map((bytes) => Buffer.from(bytes)),
  );
  await fc.assert(
    fc.asyncProperty(route, method, contentType, payload, async (target, m, type, body) => {
      await send(target, { method: m, query: 'name=Ada', headers: { 'content-type': type }, payload: body }, 'body');
    }),
    { numRuns: NUM_RUNS },
  );
  assert.equal(({} as { polluted?: boolean }).polluted, undefined, 'no prototype was polluted');
  await assertUp();
});
