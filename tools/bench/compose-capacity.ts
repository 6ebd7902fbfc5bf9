// `node tools/bench/compose-capacity.ts [--json] [--step-seconds N] [--sizes 256,512,1024]`:
// the capacity of one task at each of several Fargate task sizes (CPU units;
// the smallest memory Fargate allows with each: 0.25 vCPU 512 MiB, 0.5 vCPU
// 1024 MiB, 1 vCPU 2048 MiB), under Fargate's CPU and memory model (`npm run
// compose:fargate -- up --cpu N --memory M`: one CFS quota and one memory
// limit for the whole task, the containers' weights and memory limits scaled
// from the task definition's), its container health checks running as in the
// task definition. For each size, a fresh task (capacity-run.ts):
//
// - A new task: from the moment it is ready until it has served 20,000
//   requests, the share of requests the scaling target gives a task (in
//   proportion to its size), at once (as without the target group's slow
//   start); at the task definition's own size also, after restarting the
//   containers, ramped up over the slow start.
// - Capacity: once V8 has compiled the hot code, the highest rate of GET
//   /api/hello answered with a p99 under 50 ms and no failure, offered
//   open-loop (Poisson arrivals over 64 keep-alive connections, as a load
//   balancer keeps many open), each latency timed from the request's
//   scheduled send time (open-loop.ts), with each step's CPU time per
//   request. Evenly spaced arrivals at the same rate are run beside it.
// - Saturation: the task's throughput when callers never wait (closed loop),
//   and its CPU time per request, from the task cgroup's own counters.
// - Each container's memory high-water mark, from its cgroup.
// - The generator's own ceiling: the same open-loop load, at the highest
//   rate offered to the size, on a trivial server. If the generator lags or
//   fails there, this 2-core machine cannot drive the size and the table says
//   so instead of a capacity. If the task used well under its quota at
//   saturation, the machine set the limit, and the table says that too.
// - What follows (capacity-table.ts): the auto scaling target (requests per
//   target per minute) and the cost of a million requests at Fargate's list
//   prices.
//
// Linux, root, Docker's cgroupfs driver (as compose:fargate). It waits while
// another stack holds port 3000 (the e2e tests use it), and takes its own
// stack down after each size, even after a failure or Ctrl-C. About 16
// minutes for the three sizes at the default 10 s steps.
import { once } from 'node:events';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { FARGATE_SIZES, resized, taskSizes } from '../local-fargate/compose-fargate.ts';
import { synthesizeTemplate } from '../../test/helpers/synth.ts';
import { measureSize, P99_LIMIT_MS, PORT, stopTask, type SizeRun } from './capacity-run.ts';
import { formatCapacityTable, HEADROOM, PRICE, summarise } from './capacity-table.ts';
import { loadAverage1m } from './report.ts';

const DEFAULT_SIZES = '256,512,1024';
const WAIT_FOR_PORT_MS = 20 * 60_000;

function usage(message: string): never {
  process.stderr.write(`compose-capacity: ${message}\nusage: node tools/bench/compose-capacity.ts [--json] [--step-seconds N] [--sizes ${DEFAULT_SIZES}]\n`);
  process.exit(2);
}
let options;
try {
  options = parseArgs({
    options: { json: { type: 'boolean', default: false }, 'step-seconds': { type: 'string', default: '10' }, sizes: { type: 'string', default: DEFAULT_SIZES } },
  }).values;
} catch (error) {
  usage((error as Error).message);
}
const stepSeconds = Number(options['step-seconds']);
if (!Number.isInteger(stepSeconds) || stepSeconds < 2 || stepSeconds > 120) usage('--step-seconds must be an integer from 2 to 120');
const cpus = options.sizes.split(',').map(Number);
if (cpus.some((cpu) => !FARGATE_SIZES.has(cpu))) usage(`--sizes takes Fargate task cpus (${[...FARGATE_SIZES.keys()].join(', ')}), comma-separated: not ${options.sizes}`);
const log = (line: string) => process.stderr.write(`${line}\n`);

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

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void stopTask().finally(() => process.exit(130)));
}

await waitForPort();
const loadAtStart = loadAverage1m();
const definition = taskSizes();
const deployed = deployedSettings();
const runs: SizeRun[] = [];
for (const cpu of cpus) {
  const sizes = resized(definition, cpu, FARGATE_SIZES.get(cpu)![0]!);
  runs.push(
    await measureSize(sizes, {
      stepSeconds,
      sharePerSecond: Math.round((deployed.sharePerSecond * cpu) / definition.cpu),
      slowStartSeconds: cpu === definition.cpu ? deployed.slowStartSeconds : 0,
    }),
  );
}

const header = {
  date: new Date().toISOString(),
  command: `node tools/bench/compose-capacity.ts${options.json ? ' --json' : ''} --step-seconds ${stepSeconds} --sizes ${cpus.join(',')}`,
  loadAverage1m: loadAtStart,
  sharePerSecond: deployed.sharePerSecond,
  definitionCpu: definition.cpu,
  slowStartSeconds: deployed.slowStartSeconds,
};
const sizes = runs.map(summarise);
if (options.json) {
  process.stdout.write(`${JSON.stringify({ ...header, p99LimitMs: P99_LIMIT_MS, headroom: HEADROOM, price: PRICE, sizes })}\n`);
} else {
  process.stdout.write(`${formatCapacityTable(header, sizes)}\n`);
}
