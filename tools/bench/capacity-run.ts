// One task size's run for compose-capacity.ts: the task started at that size
// (`npm run compose:fargate -- up --cpu N --memory M`), a new task's first
// 20,000 requests, the capacity steps, saturation and the containers' memory
// high-water marks; the task taken down; then the generator alone at the
// highest rate offered, to tell whether the capacity figure was the task's
// or the generator's.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { composeFargateFor, containerMemoryPeak, taskCpu, type TaskSizes } from '../local-fargate/compose-fargate.ts';
import { run } from './load.ts';
import { openLoop, type Arrivals, type OpenLoopResult } from './open-loop.ts';
import { answers200 } from './processes.ts';
import { PROJECT_NAME } from '../../services/shared/project.ts';

// Not the e2e tests' projects, nor the default one people run by hand.
export const PROJECT = `${PROJECT_NAME}-bench`;
export const PORT = 3000;
const ORIGIN = `http://127.0.0.1:${PORT}`;
const PATH = '/api/hello?name=bench';
export const P99_LIMIT_MS = 50;
export const CONNECTIONS = 64;
const TIMEOUT_MS = 2_000;
// V8 keeps compiling hot functions for some 15,000 requests after a start
// (--trace-opt), and under the quota its compiler threads take the task's
// CPU in bursts: a new task is watched up to 20,000 requests, and the steps
// measure a task past them.
export const JIT_SETTLED_AFTER = 20_000;
// The first step: 200/s at 0.25 vCPU, in proportion at other sizes.
const FIRST_RATE_PER_VCPU = 800;
const GROWTH = 1.25;
const MAX_RATE = 20_000;
const REFINEMENTS = 3;
export const SATURATION_SECONDS = 10;
// A step whose requests left this late was measuring the generator (the
// machine is shared): it runs again, up to twice. The same bound, on the
// trivial server, says whether a size's capacity figure is the generator's.
export const MAX_SEND_LAG_MS = P99_LIMIT_MS / 5;
const RETRIES = 2;
// Below this share of its quota at saturation, the task was held back by the
// machine (the generator, Docker's proxy), not by its quota.
export const QUOTA_REACHED = 0.85;

const log = (line: string) => process.stderr.write(`${line}\n`);
export const failed = (result: OpenLoopResult) => Object.values(result.failures).reduce((sum, n) => sum + n, 0);

export interface Step extends OpenLoopResult {
  readonly sustained: boolean;
  readonly throttledShare: number;
  readonly cpuMicrosPerRequest: number;
}

export interface StartUp {
  readonly rampSeconds: number;
  readonly seconds: number;
  readonly result: OpenLoopResult;
}

export interface Saturation {
  readonly requestsPerSecond: number;
  readonly cpuMicrosPerRequest: number;
  readonly vcpu: number;
}

export interface SizeRun {
  readonly sizes: TaskSizes;
  /** At once; and, for the task definition's own size, ramped over the slow start. */
  readonly newTask: readonly StartUp[];
  readonly capacity: number;
  readonly steps: readonly Step[];
  /** Evenly spaced arrivals at the capacity. */
  readonly even: Step;
  readonly saturation: Saturation;
  /** Each container's memory high-water mark, MiB. */
  readonly memoryPeakMiB: Readonly<Record<string, number>>;
  /** The generator alone, on a trivial server, at the highest rate offered to this size. */
  readonly generator: OpenLoopResult;
  /** The generator lagged or failed at that rate: the capacity figure may be its own. */
  readonly generatorBound: boolean;
  /** The task used well under its quota at saturation: the machine, not the quota, set its limits. */
  readonly machineBound: boolean;
}

export interface RunSettings {
  readonly stepSeconds: number;
  /** A new task's share of requests at the scaling target, already scaled to this size. */
  readonly sharePerSecond: number;
  /** The target group's slow start, for the ramped new-task run; 0: at once only. */
  readonly slowStartSeconds: number;
}

const load = (rate: number, arrivals: Arrivals, seconds: number, origin = ORIGIN, path = PATH) =>
  openLoop({ origin, path, rate, seconds, arrivals, connections: CONNECTIONS, timeoutMs: TIMEOUT_MS });

async function step(rate: number, seconds: number, arrivals: Arrivals = 'poisson'): Promise<Step> {
  for (let attempt = 0; ; attempt += 1) {
    const result = await measureStep(rate, seconds, arrivals);
    if (result.sendLagP99Ms <= MAX_SEND_LAG_MS || attempt === RETRIES) return result;
    log(`  the generator sent late (p99 ${result.sendLagP99Ms.toFixed(1)} ms > ${MAX_SEND_LAG_MS} ms): again`);
  }
}

async function measureStep(rate: number, seconds: number, arrivals: Arrivals): Promise<Step> {
  const before = taskCpu(PROJECT);
  const result = await load(rate, arrivals, seconds);
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
async function findCapacity(firstRate: number, seconds: number): Promise<{ capacity: number; steps: Step[] }> {
  const steps: Step[] = [];
  let good = 0;
  let bad = Number.POSITIVE_INFINITY;
  for (let rate = firstRate; bad === Number.POSITIVE_INFINITY; rate = Math.round(rate * GROWTH)) {
    if (rate > MAX_RATE) throw new Error(`still sustained at ${good} requests/s: is the task really under its quota?`);
    const result = await step(rate, seconds);
    steps.push(result);
    if (result.sustained) good = rate;
    else bad = rate;
  }
  for (let i = 0; i < REFINEMENTS && bad - good > 10; i += 1) {
    const rate = Math.round((good + bad) / 2);
    const result = await step(rate, seconds);
    steps.push(result);
    if (result.sustained) good = rate;
    else bad = rate;
  }
  return { capacity: good, steps };
}

/** Closed loop, as many callers as connections, none waiting: the task's throughput and CPU time per request. */
async function saturate(): Promise<Saturation> {
  const before = taskCpu(PROJECT);
  const started = performance.now();
  const result = await run({ url: `${ORIGIN}${PATH}` }, { connections: CONNECTIONS, seconds: SATURATION_SECONDS });
  const seconds = (performance.now() - started) / 1000;
  const used = taskCpu(PROJECT).usageMicros - before.usageMicros;
  return { requestsPerSecond: result.requestsPerSecond, cpuMicrosPerRequest: used / result.requests, vcpu: used / 1e6 / seconds };
}

/** The generator alone: the same open-loop load on tools/bench/trivial-server.ts, in another process. */
async function generatorCeiling(rate: number, seconds: number): Promise<OpenLoopResult> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  const child = spawn(process.execPath, ['tools/bench/trivial-server.ts'], { cwd: new URL('../../', import.meta.url), env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
  try {
    const origin = `http://127.0.0.1:${port}`;
    while (!(await answers200(`${origin}/`))) await sleep(50);
    return await load(rate, 'poisson', seconds, origin, '/');
  } finally {
    child.kill();
  }
}

const containerName = (service: string) => `${PROJECT}-${service}-1`;

function docker(args: readonly string[]): string {
  const result = spawnSync('docker', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`docker ${args.join(' ')} failed: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

/** Each app container's memory high-water mark since it started, in MiB, from its cgroup under the task's. */
function memoryPeaks(sizes: TaskSizes): Record<string, number> {
  return Object.fromEntries(
    sizes.containers.map(({ name }) => [name, Math.round(containerMemoryPeak(docker(['inspect', '--format', '{{.Id}}', containerName(name)]), PROJECT) / 2 ** 20)]),
  );
}

/** Restarts the app containers: fresh processes, as in a new task, in the same task cgroup. */
async function restartApps(sizes: TaskSizes): Promise<void> {
  docker(['restart', ...sizes.containers.map((c) => containerName(c.name))]);
  while (!(await answers200(`${ORIGIN}/health/ready`))) await sleep(200);
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
/** Takes the bench's task down, if it is up: after each size, and on a failure or Ctrl-C. */
export async function stopTask(): Promise<void> {
  if (!up) return;
  up = false;
  log(`stopping the task (${PROJECT})`);
  await composeFargate('down');
}

/** `npm run compose:fargate -- ACTION` for the bench's project; throws with its last lines when it fails. */
async function composeFargate(action: 'up' | 'down', sizes?: TaskSizes): Promise<void> {
  const { code, output } = await composeFargateFor(PROJECT, action, sizes);
  if (code !== 0) throw new Error(`compose:fargate ${action} exited with ${code}:\n${output.trim().split('\n').slice(-20).join('\n')}`);
}

/** The whole run at one size, the task started fresh and taken down at the end. */
export async function measureSize(sizes: TaskSizes, settings: RunSettings): Promise<SizeRun> {
  const vcpu = sizes.cpu / 1024;
  const { stepSeconds, sharePerSecond, slowStartSeconds } = settings;
  let newTasks: StartUp[];
  let found: { capacity: number; steps: Step[] };
  let even: Step;
  let saturation: Saturation;
  const memoryPeakMiB: Record<string, number> = {};
  const keepPeaks = () => {
    for (const [name, mib] of Object.entries(memoryPeaks(sizes))) memoryPeakMiB[name] = Math.max(mib, memoryPeakMiB[name] ?? 0);
  };
  try {
    log(`starting the task as project ${PROJECT} (npm run compose:fargate: ${vcpu} vCPU and ${sizes.memory} MiB for the whole task)`);
    up = true;
    await composeFargate('up', sizes);
    while (!(await answers200(`${ORIGIN}/health/ready`))) await sleep(200);
    log(
      `a new task, ready: its share at the scaling target (${sharePerSecond}/s) up to ${JIT_SETTLED_AFTER} requests, at once` +
        `${slowStartSeconds > 0 ? `, then after a restart ramped up over the slow start (${slowStartSeconds} s)` : ''}`,
    );
    newTasks = [await newTask(sharePerSecond, 0)];
    if (slowStartSeconds > 0) {
      // A restart makes the containers' cgroups anew: keep the peaks so far.
      keepPeaks();
      await restartApps(sizes);
      newTasks.push(await newTask(sharePerSecond, slowStartSeconds));
    }
    log(`offering increasing rates, ${stepSeconds} s each; sustained means no failure and p99 < ${P99_LIMIT_MS} ms from the scheduled send time`);
    const firstRate = Math.round(FIRST_RATE_PER_VCPU * vcpu);
    found = await findCapacity(firstRate, stepSeconds);
    even = await step(Math.max(found.capacity, firstRate), stepSeconds, 'even');
    log(`saturating: ${CONNECTIONS} connections, closed loop, ${SATURATION_SECONDS} s`);
    saturation = await saturate();
    keepPeaks();
  } finally {
    await stopTask();
  }
  const highest = Math.max(...found.steps.map((s) => s.rate));
  log(`the generator alone: ${highest}/s, open loop, on a trivial server`);
  const generator = await generatorCeiling(highest, stepSeconds);
  log(`  p99 ${generator.p99Ms.toFixed(1)} ms, send lag p99 ${generator.sendLagP99Ms.toFixed(1)} ms, ${failed(generator)} failed`);
  return {
    sizes,
    newTask: newTasks,
    capacity: found.capacity,
    steps: found.steps,
    even,
    saturation,
    memoryPeakMiB,
    generator,
    generatorBound: generator.sendLagP99Ms > MAX_SEND_LAG_MS || failed(generator) > 0 || !(generator.p99Ms < P99_LIMIT_MS),
    machineBound: saturation.vcpu < QUOTA_REACHED * vcpu,
  };
}
