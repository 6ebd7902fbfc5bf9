// `npm run smoke -- URL`: checks a running task from the outside, over HTTP,
// as a user reaches it: through the load balancer after `cdk deploy` (its
// ServiceUrl output), or through the published port of `docker compose up`.
// One line per check; exit code 0 when all pass, 1 when one fails, 2 for a
// bad command line.
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';

export interface SmokeCheck {
  readonly name: string;
  /** Resolves when the check passes; rejects with what was wrong. */
  readonly run: (base: URL) => Promise<void>;
}

export interface SmokeResult {
  readonly name: string;
  readonly ok: boolean;
  /** What was wrong, when it failed. */
  readonly problem?: string;
}

const REQUEST_TIMEOUT_MS = 5_000;

interface Fetched {
  readonly status: number;
  readonly headers: Headers;
  readonly json: unknown;
}

async function get(base: URL, path: string): Promise<Fetched> {
  const res = await fetch(new URL(path, base), { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const text = await res.text();
  const isJson = res.headers.get('content-type')?.startsWith('application/json') ?? false;
  return { status: res.status, headers: res.headers, json: isJson ? JSON.parse(text) : undefined };
}

function expect(condition: boolean, problem: string): asserts condition {
  if (!condition) throw new Error(problem);
}

function expectStatus(answer: Fetched, status: number): void {
  expect(answer.status === status, `status ${answer.status}, expected ${status}`);
  expect(answer.json !== null && typeof answer.json === 'object', 'the answer is not a JSON object');
}

/** A field of a JSON answer, by dotted path: `backend.servedBy.service`. */
function field(answer: Fetched, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), answer.json);
}

function expectField(answer: Fetched, path: string, expected: unknown): void {
  const actual = field(answer, path);
  expect(actual === expected, `${path} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
}

// What a browser relies on, on the HTML page and on the API alike.
const SECURITY_HEADERS: ReadonlyArray<readonly [header: string, expected: RegExp]> = [
  ['content-security-policy', /frame-ancestors 'none'/],
  ['strict-transport-security', /max-age=\d+/],
  ['x-content-type-options', /^nosniff$/],
  ['x-frame-options', /./],
  ['referrer-policy', /./],
];

export const SMOKE_CHECKS: readonly SmokeCheck[] = [
  {
    name: 'GET /health/ready answers 200 "ready"',
    run: async (base) => {
      const answer = await get(base, '/health/ready');
      expectStatus(answer, 200);
      expectField(answer, 'status', 'ready');
    },
  },
  {
    name: 'GET /api/hello?name=smoke answers 200 with the backend\'s greeting',
    run: async (base) => {
      const answer = await get(base, '/api/hello?name=smoke');
      expectStatus(answer, 200);
      expectField(answer, 'backend.greeting', 'Hello, smoke!');
      expectField(answer, 'backend.servedBy.service', 'backend');
      expectField(answer, 'frontend.service', 'frontend');
      expect(typeof field(answer, 'hopMs') === 'number', 'hopMs is not a number');
    },
  },
  {
    name: 'GET /api/hello with a bad name answers 400 with a JSON error',
    run: async (base) => {
      const answer = await get(base, `/api/hello?name=${encodeURIComponent('<script>')}`);
      expectStatus(answer, 400);
      expectField(answer, 'statusCode', 400);
      expectField(answer, 'code', 'invalid_request');
      expect(typeof field(answer, 'message') === 'string', 'the error has no message');
    },
  },
  {
    name: 'the page and the API send the security headers',
    run: async (base) => {
      for (const path of ['/', '/api/hello?name=smoke']) {
        const { headers } = await get(base, path);
        for (const [header, expected] of SECURITY_HEADERS) {
          const value = headers.get(header);
          expect(value !== null, `${path} has no ${header} header`);
          expect(expected.test(value), `${path}: ${header} is ${JSON.stringify(value)}, expected ${expected}`);
        }
      }
    },
  },
];

/** Waits until GET /health/ready answers 200: a new load balancer's name takes a while to resolve. */
export async function waitUntilReady(base: URL, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await get(base, '/health/ready')).status === 200) return true;
    } catch {
      // not answering yet
    }
    if (Date.now() + 1_000 > deadline) return false;
    await sleep(1_000);
  }
}

/** Runs every check, one after the other, and reports each. */
export async function runSmokeChecks(base: URL, report: (result: SmokeResult) => void = () => {}): Promise<SmokeResult[]> {
  const results: SmokeResult[] = [];
  for (const check of SMOKE_CHECKS) {
    let result: SmokeResult;
    try {
      await check.run(base);
      result = { name: check.name, ok: true };
    } catch (error) {
      result = { name: check.name, ok: false, problem: (error as Error).message };
    }
    report(result);
    results.push(result);
  }
  return results;
}

export function formatResult(result: SmokeResult): string {
  return result.ok ? `ok    ${result.name}` : `FAIL  ${result.name}: ${result.problem}`;
}

/** The whole smoke run as the command line shows it; true when every check passed. */
export async function smoke(url: string, options: { readyTimeoutMs: number; say: (line: string) => void }): Promise<boolean> {
  const base = new URL(url);
  if (!(await waitUntilReady(base, options.readyTimeoutMs))) {
    options.say(`FAIL  ${new URL('/health/ready', base).href} did not answer 200 within ${options.readyTimeoutMs / 1000} s`);
    return false;
  }
  const results = await runSmokeChecks(base, (result) => options.say(formatResult(result)));
  return results.every((result) => result.ok);
}

const USAGE = `Usage: npm run smoke -- URL [--wait SECONDS]

Checks the service at URL (e.g. the ServiceUrl output of cdk deploy, or
http://localhost:3000): readiness, /api/hello, a bad name, security headers.
--wait  how long to wait for /health/ready to answer first (default 60)`;

if (import.meta.main) {
  let parsed;
  try {
    parsed = parseArgs({ allowPositionals: true, strict: true, options: { wait: { type: 'string', default: '60' }, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    process.stderr.write(`smoke: ${(error as Error).message.split('. ')[0]}\n\n${USAGE}\n`);
    process.exit(2);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const [url, ...extra] = positionals;
  const problem =
    url === undefined ? 'give the URL to check'
    : extra.length > 0 ? `one URL only (got ${positionals.length})`
    : !URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol) ? `${JSON.stringify(url)} is not an http(s) URL`
    : !/^\d+$/.test(values.wait) ? `--wait ${JSON.stringify(values.wait)}: expected whole seconds`
    : undefined;
  if (problem !== undefined) {
    process.stderr.write(`smoke: ${problem}\n\n${USAGE}\n`);
    process.exit(2);
  }
  const passed = await smoke(url!, { readyTimeoutMs: Number(values.wait) * 1000, say: (line) => process.stdout.write(`${line}\n`) });
  process.exit(passed ? 0 : 1);
}
