// `node bench/compose-capacity.ts [--health-checks task|none] [--json]`:
// the capacity of one task. Runs the compose stack, whose app containers have
// the task definition's sizes (0.125 vCPU and 256 MiB each), and finds the
// highest rate of GET /api/hello it answers with a p99 under 50 ms and no
// failure. That rate is the capacity per task; the auto scaling target
// (requests per target per minute) follows from it.
//
// A container health check is a process started in the container every 10 s,
// paid from its 0.125 vCPU, and the app's requests wait while it runs.
// --health-checks says which checks run: `task` (the default) those of the
// task definition, services/healthcheck.sh; `none` no container health check
// at all, as when the load balancer's checks are the only ones: the capacity
// of the app itself.
//
// It waits while another stack holds port 3000 (the e2e tests use it), and
// tears its own stack down at the end, even after a failure or Ctrl-C.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { run, runAtRate, type LoadResult } from './load.ts';
import { answers200 } from './processes.ts';
import { loadAverage1m } from './report.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
// Not the e2e tests' project (fargate-task-reference-e2e), nor the default one people run by hand.
const PROJECT = 'fargate-task-reference-bench';
const PORT = 3000;
const TARGET = { url: `http://127.0.0.1:${PORT}/api/hello?name=bench` };
const P99_LIMIT_MS = 50;
const STEP_SECONDS = 10;
const WARMUP_SECONDS = 20;
const BURSTS_PER_SECOND = 20;
const FIRST_RATE = 50;
const GROWTH = 1.5;
const MAX_RATE = 20_000;
const REFINEMENTS = 3;
const WAIT_FOR_PORT_MS = 20 * 60_000;
// Target tracking scales out when the metric stays above the target: aim
// below capacity, for the minutes a new task takes to start and for bursts.
const HEADROOM = 0.7;

const HEALTH_CHECKS = ['task', 'none'] as const;
type HealthChecks = (typeof HEALTH_CHECKS)[number];
function usage(message: string): never {
  process.stderr.write(`compose-capacity: ${message}\nusage: node bench/compose-capacity.ts [--health-checks ${HEALTH_CHECKS.join('|')}] [--json]\n`);
  process.exit(2);
}
let options;
try {
  options = parseArgs({ options: { json: { type: 'boolean', default: false }, 'health-checks': { type: 'string', default: 'task' } } }).values;
} catch (error) {
  usage((error as Error).message);
}
const json = options.json;
const healthChecks = options['health-checks'] as HealthChecks;
if (!HEALTH_CHECKS.includes(healthChecks)) usage(`--health-checks must be one of ${HEALTH_CHECKS.join(', ')}`);
const log = (line: string) => process.stderr.write(`${line}\n`);

async function docker(...args: string[]): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)('docker', args, { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`docker ${args.join(' ')} failed:\n${(stderr ?? String(error)).trim().split('\n').slice(-20).join('\n')}`);
  }
}

/** Containers publishing the port, and whether anything else on this machine listens on it. */
async function portHolders(): Promise<string[]> {
  const containers = (await docker('ps', '--filter', `publish=${PORT}`, '--format', '{{.Names}}')).split('\n').filter(Boolean);
  if (containers.length > 0) return containers;
  const probe = createServer();
  probe.listen(PORT, '0.0.0.0');
  const [event] = await Promise.race([once(probe, 'listening').then(() => ['free']), once(probe, 'error').then(() => ['taken'])]);
  probe.close();
  return event === 'free' ? [] : [`a process on port ${PORT}`];
}

async function waitForPort(): Promise<void> {
  const deadline = Date.now() + WAIT_FOR_PORT_MS;
  let holders = await portHolders();
  if (holders.length > 0) log(`waiting for port ${PORT}: held by ${holders.join(', ')}`);
  while (holders.length > 0) {
    if (Date.now() > deadline) throw new Error(`port ${PORT} is still held after ${WAIT_FOR_PORT_MS / 60_000} minutes by ${holders.join(', ')}`);
    await sleep(5_000);
    holders = await portHolders();
  }
}

/** Until the task answers: `up --wait` waited for it when there are health checks, without them it only started the processes. */
async function waitForReady(): Promise<void> {
  const url = `http://127.0.0.1:${PORT}/health/ready`;
  const deadline = Date.now() + 60_000;
  while (!(await answers200(url))) {
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within 60 s`);
    await sleep(500);
  }
}

interface Step extends LoadResult {
  readonly rate: number;
  readonly ok: boolean;
}

async function step(rate: number): Promise<Step> {
  const result = await runAtRate(TARGET, { rate, seconds: STEP_SECONDS, bursts: BURSTS_PER_SECOND });
  // Sustained: every request answered 2xx, the whole rate served, p99 under the limit.
  const ok = result.failures === 0 && result.requestsPerSecond >= rate * 0.95 && result.p99Ms < P99_LIMIT_MS;
  log(`  ${String(rate).padStart(5)} req/s offered: ${result.requestsPerSecond.toFixed(0)} served, p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms, ${result.failures} failures: ${ok ? 'sustained' : 'not sustained'}`);
  return { ...result, rate, ok };
}

/** Grows the rate by half each step until it is not sustained, then bisects between the last good and the first bad. */
async function findCapacity(): Promise<{ capacity: number; steps: Step[] }> {
  const steps: Step[] = [];
  let good = 0;
  let bad = Number.POSITIVE_INFINITY;
  for (let rate = FIRST_RATE; bad === Number.POSITIVE_INFINITY; rate = Math.round(rate * GROWTH)) {
    if (rate > MAX_RATE) throw new Error(`still sustained at ${good} requests/s: is the stack really limited to the task's size?`);
    const result = await step(rate);
    steps.push(result);
    if (result.ok) good = rate;
    else bad = rate;
  }
  for (let i = 0; i < REFINEMENTS && bad - good > 10; i += 1) {
    const rate = Math.round((good + bad) / 2);
    const result = await step(rate);
    steps.push(result);
    if (result.ok) good = rate;
    else bad = rate;
  }
  return { capacity: good, steps };
}

const HEALTH_CHECK_NAMES: Readonly<Record<HealthChecks, string>> = {
  task: 'services/healthcheck.sh every 10 s, as in the task definition',
  none: 'none (the app alone)',
};

/** What docker compose merges over docker-compose.yml for these health checks (JSON is YAML). */
function override(checks: HealthChecks): object | undefined {
  if (checks === 'none') {
    return {
      services: {
        backend: { healthcheck: { disable: true } },
        frontend: { healthcheck: { disable: true }, depends_on: { backend: { condition: 'service_started' } } },
      },
    };
  }
  return undefined;
}

const overrideDir = healthChecks === 'task' ? undefined : mkdtempSync(join(tmpdir(), 'compose-capacity-'));
const files = ['-f', 'docker-compose.yml'];
if (overrideDir !== undefined) {
  const file = join(overrideDir, `health-checks-${healthChecks}.yml`);
  writeFileSync(file, JSON.stringify(override(healthChecks)));
  files.push('-f', file);
}

let up = false;
async function down(): Promise<void> {
  if (!up) return;
  up = false;
  log(`stopping the stack (${PROJECT})`);
  await docker('compose', '-p', PROJECT, ...files, 'down', '--volumes', '--remove-orphans', '--timeout', '30');
  if (overrideDir !== undefined) rmSync(overrideDir, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void down().finally(() => process.exit(130)));
}

await waitForPort();
const loadAtStart = loadAverage1m();
let found: { capacity: number; steps: Step[] };
try {
  log(`starting the compose stack as project ${PROJECT} (docker compose up --build), health checks: ${HEALTH_CHECK_NAMES[healthChecks]}`);
  up = true;
  // --wait waits for every health check, and refuses containers without one.
  await docker('compose', '-p', PROJECT, ...files, 'up', '--build', healthChecks === 'none' ? '--detach' : '--wait', '--pull', 'never');
  await waitForReady();
  // At 0.125 vCPU the JIT needs many requests before the hot path is
  // optimised: as many as the task answers in 20 s, four at a time.
  log('warming up');
  await run(TARGET, { connections: 4, seconds: WARMUP_SECONDS });
  // The warm-up saturates both containers: let their CPU quota and garbage
  // collector settle, so the first step is not measuring the warm-up's tail.
  await sleep(5_000);
  log(`offering increasing rates, ${STEP_SECONDS} s each, ${BURSTS_PER_SECOND} bursts a second; sustained means no failure and p99 < ${P99_LIMIT_MS} ms`);
  found = await findCapacity();
} finally {
  await down();
}

const requestsPerTarget = Math.floor((found.capacity * 60 * HEADROOM) / 100) * 100;
const summary = {
  date: new Date().toISOString(),
  command: `node bench/compose-capacity.ts --health-checks ${healthChecks}${json ? ' --json' : ''}`,
  healthChecks: HEALTH_CHECK_NAMES[healthChecks],
  loadAverage1m: loadAtStart,
  p99LimitMs: P99_LIMIT_MS,
  capacityRequestsPerSecond: found.capacity,
  requestsPerTargetPerMinute: requestsPerTarget,
  headroom: HEADROOM,
  steps: found.steps.map(({ rate, requestsPerSecond, p50Ms, p99Ms, failures, ok }) => ({ rate, requestsPerSecond, p50Ms, p99Ms, failures, ok })),
};
if (json) {
  process.stdout.write(`${JSON.stringify(summary)}\n`);
} else {
  process.stdout.write(
    [
      `date:     ${summary.date}`,
      `command:  ${summary.command} (load average at start ${loadAtStart.toFixed(2)})`,
      `checks:   container health checks: ${summary.healthChecks}`,
      found.capacity === 0
        ? `capacity: no rate tried (down to ${Math.min(...found.steps.map((s) => s.rate))} requests/s) kept p99 < ${P99_LIMIT_MS} ms without failure (app containers at 0.125 vCPU and 256 MiB each)`
        : `capacity: ${found.capacity} requests/s per task with p99 < ${P99_LIMIT_MS} ms and no failure (app containers at 0.125 vCPU and 256 MiB each)`,
      `scaling:  RequestsPerTarget ${requestsPerTarget} (ALBRequestCountPerTarget counts a minute: ${found.capacity} × 60 × ${HEADROOM} headroom)`,
    ].join('\n') + '\n',
  );
}
