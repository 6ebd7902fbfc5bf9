// What compose-capacity.ts prints: one summary per task size, with what
// follows from its capacity (the scaling target, the cost of a million
// requests), as a table for people and as one JSON line for scripts. A figure
// the machine could not measure is replaced by what held it back.
import { CONNECTIONS, failed, JIT_SETTLED_AFTER, MAX_SEND_LAG_MS, P99_LIMIT_MS, QUOTA_REACHED, SATURATION_SECONDS, type SizeRun } from './capacity-run.ts';
import { alignColumns, fixed } from './report.ts';

// Target tracking scales out when the metric stays above the target: aim
// below capacity, for the minutes a new task takes to start and for bursts.
export const HEADROOM = 0.7;
// Fargate's list prices, us-east-1, Linux x86: per vCPU-hour and per GB-hour.
export const PRICE = { vcpuHour: 0.04048, gbHour: 0.004445 };

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

export interface SizeSummary {
  readonly task: string;
  readonly cpu: number;
  readonly memory: number;
  /** Null when the generator could not drive this size: see measuredCapacityRequestsPerSecond. */
  readonly capacityRequestsPerSecond: number | null;
  readonly measuredCapacityRequestsPerSecond: number;
  readonly generatorBound: boolean;
  readonly machineBound: boolean;
  readonly saturatedRequestsPerSecond: number;
  readonly vcpuAtSaturation: number;
  readonly capacityShareOfSaturation: number | null;
  readonly newTask: ReadonlyArray<{ rampSeconds: number; rate: number; seconds: number; p99Ms: number; maxMs: number; sent: number; failed: number }>;
  readonly memoryPeakMiB: Readonly<Record<string, number>>;
  readonly cpuMicrosPerRequest: { readonly atCapacity: number | null; readonly atSaturation: number };
  readonly taskHourUsd: number;
  readonly usdPerMillionRequests: { readonly atCapacity: number | null; readonly atTarget: number | null };
  readonly requestsPerTargetPerMinute: number | null;
  readonly capacityEven: { rate: number; p50Ms: number; p99Ms: number; failed: number };
  readonly generator: { rate: number; p99Ms: number; sendLagP99Ms: number; failed: number };
  readonly steps: ReadonlyArray<Record<string, unknown>>;
}

export function summarise(run: SizeRun): SizeSummary {
  const { sizes, saturation } = run;
  const capacity = run.generatorBound ? null : run.capacity;
  const atCapacity = run.steps.find((s) => s.rate === run.capacity && s.sustained);
  const taskHourUsd = (sizes.cpu / 1024) * PRICE.vcpuHour + (sizes.memory / 1024) * PRICE.gbHour;
  const usdPerMillion = (rate: number | null) => (rate === null || rate === 0 ? null : round((taskHourUsd / (rate * 3600)) * 1e6, 4));
  const requestsPerTarget = capacity === null ? null : Math.floor((capacity * 60 * HEADROOM) / 100) * 100;
  return {
    task: `${sizes.cpu / 1024} vCPU, ${sizes.memory} MiB`,
    cpu: sizes.cpu,
    memory: sizes.memory,
    capacityRequestsPerSecond: capacity,
    measuredCapacityRequestsPerSecond: run.capacity,
    generatorBound: run.generatorBound,
    machineBound: run.machineBound,
    saturatedRequestsPerSecond: Math.round(saturation.requestsPerSecond),
    vcpuAtSaturation: round(saturation.vcpu, 3),
    capacityShareOfSaturation: capacity === null ? null : round(capacity / saturation.requestsPerSecond, 2),
    newTask: run.newTask.map(({ rampSeconds, seconds, result }) => ({
      rampSeconds,
      rate: result.rate,
      seconds,
      p99Ms: result.p99Ms,
      maxMs: result.maxMs,
      sent: result.sent,
      failed: failed(result),
    })),
    memoryPeakMiB: run.memoryPeakMiB,
    cpuMicrosPerRequest: { atCapacity: atCapacity?.cpuMicrosPerRequest ?? null, atSaturation: Math.round(saturation.cpuMicrosPerRequest) },
    taskHourUsd: round(taskHourUsd, 5),
    usdPerMillionRequests: { atCapacity: usdPerMillion(capacity), atTarget: usdPerMillion(requestsPerTarget === null ? null : requestsPerTarget / 60) },
    requestsPerTargetPerMinute: requestsPerTarget,
    capacityEven: { rate: run.even.rate, p50Ms: run.even.p50Ms, p99Ms: run.even.p99Ms, failed: failed(run.even) },
    generator: { rate: run.generator.rate, p99Ms: run.generator.p99Ms, sendLagP99Ms: run.generator.sendLagP99Ms, failed: failed(run.generator) },
    steps: run.steps.map(({ rate, p50Ms, p99Ms, sendLagP99Ms, throttledShare, cpuMicrosPerRequest, sustained, failures }) => ({
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
}

export interface Header {
  readonly date: string;
  readonly command: string;
  readonly loadAverage1m: number;
  /** A task's share of requests at the scaling target, at the task definition's size. */
  readonly sharePerSecond: number;
  readonly definitionCpu: number;
  readonly slowStartSeconds: number;
}

const withCommas = (value: number) => value.toLocaleString('en-US');
const newTaskCell = (run: SizeSummary['newTask'][number] | undefined) =>
  run === undefined ? '—' : `${fixed(run.p99Ms, 0)} / ${fixed(run.maxMs, 0)} / ${run.failed}`;

/** Why a size's figures are not the task's own, if they are not. */
function warnings(size: SizeSummary): string[] {
  return [
    ...(size.generatorBound
      ? [
          `GENERATOR-BOUND: alone on a trivial server at ${size.generator.rate}/s, the generator had send lag p99 ${fixed(size.generator.sendLagP99Ms, 1)} ms ` +
            `(bound ${MAX_SEND_LAG_MS} ms), p99 ${fixed(size.generator.p99Ms, 1)} ms, ${size.generator.failed} failed: this machine cannot drive this size; ` +
            `the steps found ${size.measuredCapacityRequestsPerSecond}/s`,
        ]
      : []),
    ...(size.machineBound
      ? [`MACHINE-BOUND: ${size.vcpuAtSaturation} of its ${size.cpu / 1024} vCPU used at saturation (under ${QUOTA_REACHED}): the machine, not the task's quota, set the limit`]
      : []),
  ];
}

export function formatCapacityTable(header: Header, sizes: readonly SizeSummary[]): string {
  const containers = [...new Set(sizes.flatMap((size) => Object.keys(size.memoryPeakMiB)))];
  const rows = sizes.map((size) => [
    size.task,
    size.generatorBound ? 'generator-bound' : withCommas(size.measuredCapacityRequestsPerSecond),
    `${withCommas(size.saturatedRequestsPerSecond)}${size.machineBound ? ' machine-bound' : ''}`,
    fixed(size.capacityShareOfSaturation ?? undefined, 2),
    newTaskCell(size.newTask.find((run) => run.rampSeconds === 0)),
    ...containers.map((name) => fixed(size.memoryPeakMiB[name], 0)),
    fixed(size.cpuMicrosPerRequest.atCapacity ?? undefined, 0),
    fixed(size.cpuMicrosPerRequest.atSaturation, 0),
    fixed(size.usdPerMillionRequests.atCapacity ?? undefined, 4),
    size.requestsPerTargetPerMinute === null ? '—' : withCommas(size.requestsPerTargetPerMinute),
  ]);
  const titles = [
    'task',
    `capacity/s`,
    'saturation/s',
    'cap/sat',
    'new task at once p99/max ms, failed',
    ...containers.map((name) => `${name} MiB peak`),
    'CPU µs/req cap',
    'CPU µs/req sat',
    'USD/M req',
    'RequestsPerTarget',
  ];
  const details = sizes.flatMap((size) => [
    `${size.task}:`,
    ...size.newTask.map(
      (run) =>
        `  new task: ${run.rate}/s from ready to ${withCommas(run.sent)} requests (${run.seconds} s), ` +
        `${run.rampSeconds === 0 ? 'at once' : `ramped up over ${run.rampSeconds} s (the target group's slow start)`}: ` +
        `p99 ${fixed(run.p99Ms, 0)} ms, max ${fixed(run.maxMs, 0)} ms, ${withCommas(run.failed)} failed`,
    ),
    `  evenly spaced at ${size.capacityEven.rate}/s: p50 ${fixed(size.capacityEven.p50Ms, 1)} ms, p99 ${fixed(size.capacityEven.p99Ms, 1)} ms, ${size.capacityEven.failed} failed; ` +
      `saturation used ${size.vcpuAtSaturation} vCPU`,
    `  generator alone at ${size.generator.rate}/s (the highest rate offered) on a trivial server: p99 ${fixed(size.generator.p99Ms, 1)} ms, ` +
      `send lag p99 ${fixed(size.generator.sendLagP99Ms, 1)} ms, ${size.generator.failed} failed`,
    `  ${size.taskHourUsd} USD per task-hour; at the scaling target ${fixed(size.usdPerMillionRequests.atTarget ?? undefined, 4)} USD per million requests`,
    ...warnings(size).map((warning) => `  ${warning}`),
  ]);
  return [
    `date:        ${header.date}`,
    `command:     ${header.command} (load average at start ${header.loadAverage1m.toFixed(2)})`,
    `task:        npm run compose:fargate at each size; the containers' weights and memory limits scaled from the task definition's; health checks as in the task definition`,
    `capacity:    the highest rate with p99 < ${P99_LIMIT_MS} ms and no failure (Poisson arrivals, ${CONNECTIONS} connections, latency from the scheduled send time), past the first ${withCommas(JIT_SETTLED_AFTER)} requests`,
    `saturation:  closed loop, ${CONNECTIONS} connections, ${SATURATION_SECONDS} s; CPU per request from the task cgroup's counters`,
    `new task:    a task's share at the scaling target (${header.sharePerSecond}/s at ${header.definitionCpu / 1024} vCPU, in proportion at other sizes) ` +
      `from ready to ${withCommas(JIT_SETTLED_AFTER)} requests, at once${header.slowStartSeconds > 0 ? `; and ramped over the ${header.slowStartSeconds} s slow start at the task definition's size` : ''}`,
    `cost:        USD per million requests at capacity, Fargate list prices (${PRICE.vcpuHour} per vCPU-hour, ${PRICE.gbHour} per GB-hour, us-east-1); ` +
      `RequestsPerTarget = capacity × 60 × ${HEADROOM} headroom, to the hundred below`,
    '',
    ...alignColumns([titles, ...rows]),
    '',
    ...details,
  ].join('\n');
}
