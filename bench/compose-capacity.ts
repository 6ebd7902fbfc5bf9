// `node bench/compose-capacity.ts [--json] [--step-seconds N]`: the capacity
// of one task, under Fargate's CPU and memory model (`npm run
// compose:fargate`: one 0.25 vCPU quota and 512 MiB for the whole task), its
// container health checks running as in the task definition.
//
// - A new task: from the moment it is ready until it has served 20,000
//   requests, the share of requests the scaling target gives a task, at once
//   (as without the target group's slow start) and, after restarting the
//   containers, ramped up over the slow start.
// - Capacity: once V8 has compiled the hot code, the highest rate of GET
//   /api/hello answered with a p99 under 50 ms and no failure, offered
//   open-loop (Poisson arrivals over 64 keep-alive connections, as a load
//   balancer keeps many open), each latency timed from the request's
//   scheduled send time (open-loop.ts), with each step's CPU time per
//   request. Evenly spaced arrivals at the same rate are printed beside it.
// - Saturation: the task's throughput when callers never wait (closed loop),
//   and its CPU time per request, from the task cgroup's own counters.
// - The generator's own ceiling: the same open-loop load on a trivial server.
// - What follows: the auto scaling target (requests per target per minute)
//   and the cost of a million requests at Fargate's list prices.
//
// Linux, root, Docker's cgroupfs driver (as compose:fargate). It waits while
// another stack holds port 3000 (the e2e tests use it), and takes its own
// stack down at the end, even after a failure or Ctrl-C. About 7 minutes.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { composeFargateFor, taskCpu, taskSizes } from '../infra/compose-fargate.ts';
import { synthesizeTemplate } from '../infra/synth.ts';
import { run } from './load.ts';
import { openLoop, type OpenLoopOptions, type OpenLoopResult } from './open-loop.ts';
import { answers200 } from './processes.ts';
import { loadAverage1m } from './report.ts';

// Not the e2e tests' projects, nor the default one people run by hand.
const PROJECT = 'fargate-task-reference-bench';
const PORT = 3000;
const ORIGIN = `http://127.0.0.1:${PORT}`;
const PATH = '/api/hello?name=bench';
const P99_LIMIT_MS = 50;
const CONNECTIONS = 64;
const TIMEOUT_MS = 2_000;
// V8 keeps compiling hot functions for some 15,000 requests after a start
// (--trace-opt), and under the quota its compiler threads take the task's
// CPU in bursts: a new task is watched up to 20,000 requests, and the steps
// measure a task past them.
const JIT_SETTLED_AFTER = 20_000;
const FIRST_RATE = 200;
const GROWTH = 1.25;
const MAX_RATE = 20_000;
const REFINEMENTS = 3;
const SATURATION_SECONDS = 10;
const WAIT_FOR_PORT_MS = 20 * 60_000;
// Target tracking scales out when the metric stays above the target: aim
// below capacity, for the minutes a new task takes to start and for bursts.
const HEADROOM = 0.7;
// Fargate's list prices, us-east-1, Linux x86: per vCPU-hour and per GB-hour.
const PRICE = { vcpuHour: 0.04048, gbHour: 0.004445 };

function usage(message: string): never {
  process.stderr.write(`compose-capacity: ${message}\nusage: node bench/compose-capacity.ts [--json] [--step-seconds N]\n`);
  process.exit(2);
}
let options;
try {
  options = parseArgs({ options: { json: { type: 'boolean', default: false }, 'step-seconds': { type: 'string', default: '10' } } }).values;
} catch (error) {
  usage((error as Error).message);
}
const stepSeconds = Number(options['step-seconds']);
if (!Number.isInteger(stepSeconds) || stepSeconds < 2 || stepSeconds > 120) usage('--step-seconds must be an integer from 2 to 120');
const log = (line: string) => process.stderr.write(`${line}\n`);

/** `npm run compose:fargate -- ACTION` for the bench's project; throws with its last lines when it fails. */
async function composeFargate(action: 'up' | 'down'): Promise<void> {
  const { code, output } = await composeFargateFor(PROJECT, action);
  if (code !== 0) throw new Error(`compose:fargate ${action} exited with ${code}:\n${output.trim().split('\n').slice(-20).join('\n')}`);
}

async function portFree(): Promise<boolean> {
  const probe = createServer();
  probe.listen(PORT, '0.0.0.0');
  const [event] = await Promise.race([once(probe, 'listening').then(() => ['free']), once(probe, 'error').then(() => ['taken'])]);
  probe.close();
  return event === 'free';
}

async function waitForPort(): Promise<void> {
  const deadline = Date.now() + WAIT_FOR_PORT_MS;
  if (!(await portFree())) log(`waiting for port ${PORT}: another stack holds it`);
  while (!(await portFree())) {
    if (Date.now() > deadline) throw new Error(`port ${PORT} is still held after ${WAIT_FOR_PORT_MS / 60_000} minutes`);
    await sleep(5_000);
  }
}

const load = (rate: number, arrivals: OpenLoopOptions['arrivals'], origin = ORIGIN, path = PATH) =>
  openLoop({ origin, path, rate, seconds: stepSeconds, arrivals, connections: CONNECTIONS, timeoutMs: TIMEOUT_MS });

interface Step extends OpenLoopResult {
  readonly sustained: boolean;
  readonly throttledShare: number;
  readonly cpuMicrosPerRequest: number;
}

const failed = (result: OpenLoopResult) => Object.values(result.failures).reduce((sum, n) => sum + n, 0);

// A step whose requests left this late was measuring the generator (the
// machine is shared): it runs again, up to twice.
const MAX_SEND_LAG_MS = P99_LIMIT_MS / 5;
const RETRIES = 2;

async function step(rate: number, arrivals: OpenLoopOptions['arrivals'] = 'poisson'): Promise<Step> {
  for (let attempt = 0; ; attempt += 1) {
    const result = await measureStep(rate, arrivals);
    if (result.sendLagP99Ms <= MAX_SEND_LAG_MS || attempt === RETRIES) return result;
    log(`  the generator sent late (p99 ${result.sendLagP99Ms.toFixed(1)} ms > ${MAX_SEND_LAG_MS} ms): again`);
  }
}

async function measureStep(rate: number, arrivals: OpenLoopOptions['arrivals']): Promise<Step> {
  const before = taskCpu(PROJECT);
  const result = await load(rate, arrivals);
  const after = taskCpu(PROJECT);
  const throttledShare = (after.throttledPeriods - before.throttledPeriods) / Math.max(1, after.periods - before.periods);
  const cpuMicrosPerRequest = Math.round((after.usageMicros - before.usageMicros) / Math.max(1, result.sent));
  const sustained = failed(result) === 0 && result.p99Ms < P99_LIMIT_MS;
  log(
    `  ${String(rate).padStart(5)}/s ${arrivals.padEnd(7)}: p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms, ` +
      `${failed(result)} failed, ${cpuMicrosPerRequest} µs of CPU per request, throttled in ${(throttledShare * 100).toFixed(0)}% of periods, ` +
      `send lag p99 ${result.sendLagP99Ms.toFixed(1)} ms: ${sustained ? 'sustained' : 'not sustained'}`,
  );
  return { ...result, sustained, throttledShare, cpuMicrosPerRequest };
}

/** Grows the rate until it is not sustained, then bisects between the last good and the first bad. */
async function findCapacity(): Promise<{ capacity: number; steps: Step[] }> {
  const steps: Step[] = [];
  let good = 0;
  let bad = Number.POSITIVE_INFINITY;
  for (let rate = FIRST_RATE; bad === Number.POSITIVE_INFINITY; rate = Math.round(rate * GROWTH)) {
    if (rate > MAX_RATE) throw new Error(`still sustained at ${good} requests/s: is the task really under its quota?`);
    const result = await step(rate);
    steps.push(result);
    if (result.sustained) good = rate;
    else bad = rate;
  }
  for (let i = 0; i < REFINEMENTS && bad - good > 10; i += 1) {
    const rate = Math.round((good + bad) / 2);
    const result = await step(rate);
    steps.push(result);
    if (result.sustained) good = rate;
    else bad = rate;
  }
  return { capacity: good, steps };
}

/** Closed loop, as many callers as connections, none waiting: the task's throughput and CPU time per request. */
async function saturate(): Promise<{ requestsPerSecond: number; cpuMicrosPerRequest: number; vcpu: number }> {
  const before = taskCpu(PROJECT);
  const started = performance.now();
  const result = await run({ url: `${ORIGIN}${PATH}` }, { connections: CONNECTIONS, seconds: SATURATION_SECONDS });
  const seconds = (performance.now() - started) / 1000;
  const used = taskCpu(PROJECT).usageMicros - before.usageMicros;
  return { requestsPerSecond: result.requestsPerSecond, cpuMicrosPerRequest: used / result.requests, vcpu: used / 1e6 / seconds };
}

/** The generator alone: the same open-loop load on bench/trivial-server.ts, in another process. */
async function generatorCeiling(rate: number): Promise<OpenLoopResult> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  const child = spawn(process.execPath, ['bench/trivial-server.ts'], { cwd: new URL('../', import.meta.url), env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
  try {
    const origin = `http://127.0.0.1:${port}`;
    while (!(await answers200(`${origin}/`))) await sleep(50);
    return await load(rate, 'poisson', origin, '/');
  } finally {
    child.kill();
  }
}

/** What the deployed stack says: the target group's slow start, and the share of requests a task gets at the scaling target. */
function deployedSettings(): { slowStartSeconds: number; sharePerSecond: number } {
  const resources = Object.values(synthesizeTemplate().Resources);
  const [group] = resources.filter((r) => r.Type === 'AWS::ElasticLoadBalancingV2::TargetGroup');
  const attributes = (group?.Properties?.TargetGroupAttributes ?? []) as Array<{ Key: string; Value: string }>;
  const slowStartSeconds = Number(attributes.find((a) => a.Key === 'slow_start.duration_seconds')?.Value ?? 0);
  const policies = resources.filter((r) => r.Type === 'AWS::ApplicationAutoScaling::ScalingPolicy');
  const requests = policies
    .map((r) => r.Properties?.TargetTrackingScalingPolicyConfiguration as { TargetValue: number; PredefinedMetricSpecification?: { PredefinedMetricType: string } })
    .find((c) => c.PredefinedMetricSpecification?.PredefinedMetricType === 'ALBRequestCountPerTarget');
  if (requests === undefined) throw new Error('the stack has no request-count scaling policy');
  return { slowStartSeconds, sharePerSecond: Math.round(requests.TargetValue / 60) };
}

/** Restarts both app containers: fresh processes, as in a new task, in the same task cgroup. */
async function restartApps(): Promise<void> {
  const result = spawnSync('docker', ['restart', `${PROJECT}-backend-1`, `${PROJECT}-frontend-1`], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`docker restart failed: ${result.stderr.trim()}`);
  while (!(await answers200(`${ORIGIN}/health/ready`))) await sleep(200);
}

interface StartUp {
  readonly rampSeconds: number;
  readonly seconds: number;
  readonly result: OpenLoopResult;
}

/** A task that has just become ready, given its share of requests at once or ramped up, until it has served JIT_SETTLED_AFTER. */
async function newTask(rate: number, rampSeconds: number): Promise<StartUp> {
  // A linear ramp serves rate × ramp / 2 requests.
  const rampRequests = (rate * rampSeconds) / 2;
  const seconds = Math.ceil(
    rampRequests >= JIT_SETTLED_AFTER ? Math.sqrt((2 * rampSeconds * JIT_SETTLED_AFTER) / rate) : rampSeconds + (JIT_SETTLED_AFTER - rampRequests) / rate,
  );
  const result = await openLoop({ origin: ORIGIN, path: PATH, rate, seconds, rampSeconds, arrivals: 'poisson', connections: CONNECTIONS, timeoutMs: TIMEOUT_MS });
  log(
    `  ${rampSeconds === 0 ? 'at once' : `ramped over ${rampSeconds} s`}: p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms, ` +
      `max ${result.maxMs.toFixed(0)} ms, ${failed(result)} of ${result.sent} failed ${JSON.stringify(result.failures)}`,
  );
  return { rampSeconds, seconds, result };
}

let up = false;
async function down(): Promise<void> {
  if (!up) return;
  up = false;
  log(`stopping the task (${PROJECT})`);
  await composeFargate('down');
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void down().finally(() => process.exit(130)));
}

await waitForPort();
const loadAtStart = loadAverage1m();
const sizes = taskSizes();
const deployed = deployedSettings();
let startUp: StartUp[];
let found: { capacity: number; steps: Step[] };
let even: Step;
let saturation: Awaited<ReturnType<typeof saturate>>;
try {
  log(`starting the task as project ${PROJECT} (npm run compose:fargate: ${sizes.cpu / 1024} vCPU and ${sizes.memory} MiB for the whole task)`);
  up = true;
  await composeFargate('up');
  while (!(await answers200(`${ORIGIN}/health/ready`))) await sleep(200);
  log(
    `a new task, ready: a task's share at the scaling target (${deployed.sharePerSecond}/s) up to ${JIT_SETTLED_AFTER} requests, ` +
      `at once, then after a restart ramped up over the slow start (${deployed.slowStartSeconds} s)`,
  );
  startUp = [await newTask(deployed.sharePerSecond, 0)];
  await restartApps();
  startUp.push(await newTask(deployed.sharePerSecond, deployed.slowStartSeconds));
  log(`offering increasing rates, ${stepSeconds} s each; sustained means no failure and p99 < ${P99_LIMIT_MS} ms from the scheduled send time`);
  found = await findCapacity();
  even = await step(Math.max(found.capacity, FIRST_RATE), 'even');
  log(`saturating: ${CONNECTIONS} connections, closed loop, ${SATURATION_SECONDS} s`);
  saturation = await saturate();
} finally {
  await down();
}
const generator = await generatorCeiling(Math.max(...found.steps.map((s) => s.rate)));

const taskHourUsd = (sizes.cpu / 1024) * PRICE.vcpuHour + (sizes.memory / 1024) * PRICE.gbHour;
const usdPerMillion = (rate: number) => (taskHourUsd / (rate * 3600)) * 1e6;
const requestsPerTarget = Math.floor((found.capacity * 60 * HEADROOM) / 100) * 100;
const atCapacity = found.steps.find((s) => s.rate === found.capacity && s.sustained);
const startUpSummary = (run: StartUp) => ({
  rampSeconds: run.rampSeconds,
  rate: run.result.rate,
  seconds: run.seconds,
  p99Ms: run.result.p99Ms,
  maxMs: run.result.maxMs,
  sent: run.result.sent,
  failed: failed(run.result),
});
const summary = {
  date: new Date().toISOString(),
  command: `node bench/compose-capacity.ts${options.json ? ' --json' : ''} --step-seconds ${stepSeconds}`,
  loadAverage1m: loadAtStart,
  task: `${sizes.cpu / 1024} vCPU, ${sizes.memory} MiB, compose:fargate; container health checks as in the task definition`,
  p99LimitMs: P99_LIMIT_MS,
  newTask: startUp.map(startUpSummary),
  capacityRequestsPerSecond: found.capacity,
  cpuMicrosPerRequestAtCapacity: atCapacity?.cpuMicrosPerRequest ?? null,
  capacityEven: { rate: even.rate, p50Ms: even.p50Ms, p99Ms: even.p99Ms, failed: failed(even) },
  saturatedRequestsPerSecond: Math.round(saturation.requestsPerSecond),
  capacityShareOfSaturation: Math.round((found.capacity / saturation.requestsPerSecond) * 100) / 100,
  cpuMicrosPerRequest: Math.round(saturation.cpuMicrosPerRequest),
  vcpuAtSaturation: Math.round(saturation.vcpu * 1000) / 1000,
  generator: { rate: generator.rate, p99Ms: generator.p99Ms, sendLagP99Ms: generator.sendLagP99Ms, failed: failed(generator) },
  requestsPerTargetPerMinute: requestsPerTarget,
  headroom: HEADROOM,
  usdPerMillionRequests: { atCapacity: Math.round(usdPerMillion(found.capacity) * 10_000) / 10_000, atTarget: Math.round(usdPerMillion(requestsPerTarget / 60) * 10_000) / 10_000 },
  steps: found.steps.map(({ rate, p50Ms, p99Ms, sendLagP99Ms, throttledShare, cpuMicrosPerRequest, sustained, failures }) => ({
    rate,
    p50Ms,
    p99Ms,
    sendLagP99Ms,
    throttledShare,
    cpuMicrosPerRequest,
    failures,
    sustained,
  })),
};
if (options.json) {
  process.stdout.write(`${JSON.stringify(summary)}\n`);
} else {
  process.stdout.write(
    [
      `date:        ${summary.date}`,
      `command:     ${summary.command} (load average at start ${loadAtStart.toFixed(2)})`,
      `task:        ${summary.task}`,
      ...startUp.map(
        (run, i) =>
          `${i === 0 ? 'new task:    ' : '             '}${run.result.rate}/s (a task's share at the scaling target) from ready to ${run.result.sent} requests (${run.seconds} s), ` +
          `${run.rampSeconds === 0 ? 'at once' : `ramped up over ${run.rampSeconds} s (the target group's slow start)`}: ` +
          `p99 ${run.result.p99Ms} ms, max ${run.result.maxMs} ms, ${failed(run.result)} of ${run.result.sent} failed`,
      ),
      `capacity:    ${found.capacity} requests/s with p99 < ${P99_LIMIT_MS} ms and no failure (Poisson arrivals, ${CONNECTIONS} connections, latency from the scheduled send time), ` +
        `${JIT_SETTLED_AFTER} requests after the start; ${summary.cpuMicrosPerRequestAtCapacity ?? '—'} µs of CPU per request there`,
      `             evenly spaced at ${even.rate}/s: p50 ${even.p50Ms} ms, p99 ${even.p99Ms} ms, ${failed(even)} failed`,
      `saturation:  ${summary.saturatedRequestsPerSecond} requests/s closed loop (${CONNECTIONS} connections), ${summary.vcpuAtSaturation} vCPU, ${summary.cpuMicrosPerRequest} µs of CPU per request`,
      `             capacity / saturation: ${summary.capacityShareOfSaturation} (goal 0.75); CPU per request at saturation ÷ at capacity: ` +
        `${atCapacity === undefined ? '—' : (summary.cpuMicrosPerRequest / atCapacity.cpuMicrosPerRequest).toFixed(2)}`,
      `generator:   ${generator.rate}/s on a trivial server: p99 ${generator.p99Ms} ms, send lag p99 ${generator.sendLagP99Ms} ms, ${failed(generator)} failed`,
      `scaling:     RequestsPerTarget ${requestsPerTarget} (ALBRequestCountPerTarget counts a minute: ${found.capacity} × 60 × ${HEADROOM} headroom)`,
      `cost:        ${summary.usdPerMillionRequests.atCapacity} USD per million requests at capacity, ${summary.usdPerMillionRequests.atTarget} at the scaling target ` +
        `(${taskHourUsd.toFixed(5)} USD per task-hour: ${PRICE.vcpuHour} per vCPU-hour, ${PRICE.gbHour} per GB-hour, us-east-1)`,
    ].join('\n') + '\n',
  );
}
