// The task under Fargate's CPU quota, without Docker: both processes of a
// variant in one cgroup whose CFS quota is the task definition's (512 CPU units = 50 ms
// per 100 ms), their stdout read through a pipe by this process, outside the
// quota, as Docker reads a container's stdout for awslogs. Compared:
//   ours            our backend and frontend, production logging
//   ours, logs off  the same with LOG_LEVEL=silent: what logging costs
//   floor           tools/bench/floor-proxy.ts in front of our backend (logging):
//                   the least any Node process in front of it costs
// Each variant starts fresh, is warmed up with no quota (so V8 has compiled
// the request path: a new task's compile storm is compose-capacity.ts's
// subject), then measured with no quota and under the quota, closed loop.
// Linux and root (cgroups); elsewhere the comparison is skipped.
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { containerNodeFlags } from '../../test/helpers/node-flags.ts';
import { CFS_PERIOD_US, cfsQuotaMicros, cpuStat, taskSizes } from '../local-fargate/compose-fargate.ts';
import { cpuMicros, freePort, startProcess, stopProcess, type Started } from './processes.ts';
import { median } from './report.ts';
import { frontendDefaultBackendConnections } from './variants.ts';
import { runWrk } from './wrk.ts';

export const QUOTA_VARIANTS = ['ours', 'ours, logs off', 'floor'] as const;
export type QuotaVariant = (typeof QUOTA_VARIANTS)[number];

const CGROUP_ROOT = '/sys/fs/cgroup';
const CONNECTIONS = 64;
// Enough requests for V8 to have optimised the request path (some 15,000:
// docs/performance.md) before anything is measured.
const WARMUP_SECONDS = 6;
const ROOT = new URL('../../', import.meta.url).pathname;
const NODE = process.execPath;

/** One cgroup for a variant's processes, with the CPU controller's quota in microseconds per period (-1: none). */
interface QuotaCgroup {
  /** The file a process writes its pid to, to join. */
  readonly procs: string;
  setQuota(micros: number): void;
  /** CFS periods so far, and those in which the quota ran out. */
  periods(): { periods: number; throttled: number };
  remove(): void;
}

function quotaCgroup(name: string): QuotaCgroup {
  const v2 = existsSync(join(CGROUP_ROOT, 'cgroup.controllers'));
  const dir = v2 ? join(CGROUP_ROOT, name) : join(CGROUP_ROOT, 'cpu', name);
  mkdirSync(dir, { recursive: true });
  return {
    procs: join(dir, 'cgroup.procs'),
    setQuota(micros) {
      if (v2) writeFileSync(join(dir, 'cpu.max'), `${micros < 0 ? 'max' : micros} ${CFS_PERIOD_US}`);
      else {
        writeFileSync(join(dir, 'cpu.cfs_period_us'), String(CFS_PERIOD_US));
        writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(micros));
      }
    },
    periods() {
      const stat = cpuStat(join(dir, 'cpu.stat'));
      return { periods: stat.nr_periods ?? 0, throttled: stat.nr_throttled ?? 0 };
    },
    remove: () => existsSync(dir) && rmdirSync(dir),
  };
}

/** Why the comparison cannot run here, or undefined when it can. */
export function underQuotaUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `needs Linux cgroups (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'needs root, to create a cgroup';
  return undefined;
}

export interface QuotaSample {
  readonly requestsPerSecond: number;
  /** CPU time of both processes per answer, in microseconds. */
  readonly cpuMicrosPerRequest: number;
  /** The share of CFS periods in which the quota ran out (0 with no quota). */
  readonly throttledShare: number;
  /** Log bytes both processes wrote per answer. */
  readonly logBytesPerRequest: number;
}

export interface QuotaRun {
  readonly unconstrained: QuotaSample;
  readonly underQuota: QuotaSample;
}

export interface UnderQuotaOptions {
  readonly rounds: number;
  readonly seconds: number;
  readonly token: string;
  readonly compileCache: string | undefined;
  readonly wrkScript: string;
  readonly threads: number;
  readonly log: (line: string) => void;
}

export interface UnderQuotaReport {
  /** The task's CPU units, from the task definition. */
  readonly taskCpu: number;
  readonly quotaMicros: number;
  readonly runs: Readonly<Record<QuotaVariant, readonly QuotaRun[]>>;
}

/** Starts a process inside the cgroup from its first instruction: a shell joins it, then becomes node. */
function startInCgroup(cgroup: QuotaCgroup, name: string, script: string, flags: readonly string[], env: Record<string, string>, healthUrl: string) {
  return startProcess({
    name,
    command: 'sh',
    args: ['-c', 'echo $$ > "$0" && exec "$@"', cgroup.procs, NODE, ...flags, join(ROOT, script)],
    env,
    healthUrl,
    pipeStdout: true,
  });
}

async function startVariant(variant: QuotaVariant, cgroup: QuotaCgroup, options: UnderQuotaOptions): Promise<{ processes: Started[]; url: string }> {
  const base = {
    PATH: process.env.PATH ?? '',
    HOST: '127.0.0.1',
    LOG_FORMAT: 'json',
    LOG_LEVEL: variant === 'ours, logs off' ? 'silent' : 'info',
    INTERNAL_TOKEN: options.token,
    ...(options.compileCache === undefined ? {} : { NODE_COMPILE_CACHE: options.compileCache }),
  };
  const processes: Started[] = [];
  try {
    const backendPort = await freePort();
    const backendUrl = `http://127.0.0.1:${backendPort}`;
    processes.push(await startInCgroup(cgroup, 'backend', 'services/backend/main.ts', containerNodeFlags('backend'), { ...base, PORT: String(backendPort) }, `${backendUrl}/health`));
    const port = await freePort();
    const env = { ...base, PORT: String(port), BACKEND_URL: backendUrl };
    if (variant === 'floor') {
      // The floor's pool is as large as our frontend's.
      const connections = String(frontendDefaultBackendConnections());
      processes.push(await startInCgroup(cgroup, 'floor proxy', 'tools/bench/floor-proxy.ts', containerNodeFlags('frontend'), { ...env, BACKEND_CONNECTIONS: connections }, `http://127.0.0.1:${port}/health`));
    } else {
      processes.push(await startInCgroup(cgroup, 'frontend', 'services/frontend/main.ts', containerNodeFlags('frontend'), env, `http://127.0.0.1:${port}/health/ready`));
    }
    return { processes, url: `http://127.0.0.1:${port}/api/hello?name=bench` };
  } catch (error) {
    for (const child of processes.toReversed()) await stopProcess(child);
    throw error;
  }
}


async function sample(processes: readonly Started[], cgroup: QuotaCgroup, url: string, options: UnderQuotaOptions): Promise<QuotaSample> {
  const cpu = () => processes.reduce((sum, p) => sum + cpuMicros(p.pid), 0);
  const logBytes = () => processes.reduce((sum, p) => sum + p.pipedBytes(), 0);
  const [cpuBefore, logBefore, periodsBefore] = [cpu(), logBytes(), cgroup.periods()];
  const load = await runWrk({ url }, { script: options.wrkScript, connections: CONNECTIONS, seconds: options.seconds, threads: options.threads });
  const periods = cgroup.periods();
  return {
    requestsPerSecond: load.requestsPerSecond,
    cpuMicrosPerRequest: (cpu() - cpuBefore) / load.requests,
    throttledShare: (periods.throttled - periodsBefore.throttled) / Math.max(1, periods.periods - periodsBefore.periods),
    logBytesPerRequest: (logBytes() - logBefore) / load.requests,
  };
}

/** The three variants, interleaved over the rounds, each fresh: warmed up, then measured with no quota and under the task's. */
export async function measureUnderQuota(options: UnderQuotaOptions): Promise<UnderQuotaReport> {
  const taskCpu = taskSizes().cpu;
  const quotaMicros = cfsQuotaMicros(taskCpu);
  const runs: Record<QuotaVariant, QuotaRun[]> = { ours: [], 'ours, logs off': [], floor: [] };
  for (let round = 0; round < options.rounds; round += 1) {
    const progress: string[] = [];
    for (let i = 0; i < QUOTA_VARIANTS.length; i += 1) {
      const variant = QUOTA_VARIANTS[(i + round) % QUOTA_VARIANTS.length]!;
      const cgroup = quotaCgroup(`fargate-bench-quota-${process.pid}`);
      let processes: readonly Started[] = [];
      try {
        cgroup.setQuota(-1);
        const started = await startVariant(variant, cgroup, options);
        processes = started.processes;
        const url = started.url;
        await runWrk({ url }, { script: options.wrkScript, connections: CONNECTIONS, seconds: WARMUP_SECONDS, threads: options.threads });
        const unconstrained = await sample(processes, cgroup, url, options);
        cgroup.setQuota(quotaMicros);
        const underQuota = await sample(processes, cgroup, url, options);
        runs[variant].push({ unconstrained, underQuota });
        progress.push(`${variant} ${Math.round(underQuota.requestsPerSecond)} req/s under the quota`);
      } finally {
        cgroup.setQuota(-1);
        for (const child of processes.toReversed()) await stopProcess(child);
        cgroup.remove();
      }
    }
    options.log(`under the quota, round ${round + 1}/${options.rounds}: ${progress.join(', ')}`);
  }
  return { taskCpu, quotaMicros, runs };
}

const medianOf = (runs: readonly QuotaRun[], pick: (run: QuotaRun) => number) => median(runs.map(pick));

const HEADINGS = ['req/s free', 'µs/req free', 'req/s quota', 'µs/req quota', 'throttled', 'log B/req'];
const WIDTHS = HEADINGS.map((heading) => heading.length + 2);

/** The comparison as text: medians per variant, and the ratios the goals name. */
export function formatUnderQuota(report: UnderQuotaReport): string {
  const row = (variant: QuotaVariant) => {
    const runs = report.runs[variant];
    const cells = [
      medianOf(runs, (r) => r.unconstrained.requestsPerSecond).toFixed(0),
      medianOf(runs, (r) => r.unconstrained.cpuMicrosPerRequest).toFixed(1),
      medianOf(runs, (r) => r.underQuota.requestsPerSecond).toFixed(0),
      medianOf(runs, (r) => r.underQuota.cpuMicrosPerRequest).toFixed(1),
      medianOf(runs, (r) => r.underQuota.throttledShare).toFixed(2),
      medianOf(runs, (r) => r.unconstrained.logBytesPerRequest).toFixed(0),
    ];
    return `${variant.padEnd(16)}${cells.map((cell, i) => cell.padStart(WIDTHS[i]!)).join('')}`;
  };
  const ratio = (a: QuotaVariant, b: QuotaVariant, pick: (run: QuotaRun) => number) => {
    const values = report.runs[a].map((run, i) => pick(run) / pick(report.runs[b][i]!));
    return `${median(values).toFixed(2)} (rounds: ${values.map((v) => v.toFixed(2)).join(', ')})`;
  };
  const quotaRps = (run: QuotaRun) => run.underQuota.requestsPerSecond;
  const freeRps = (run: QuotaRun) => run.unconstrained.requestsPerSecond;
  return [
    `under the task's quota: ${report.taskCpu} CPU units = ${report.quotaMicros / 1000} ms per ${CFS_PERIOD_US / 1000} ms, both processes in one cgroup, stdout through a pipe, wrk ${CONNECTIONS} connections closed loop, warmed up first with no quota; medians of ${report.runs.ours.length} rounds, interleaved`,
    `${'variant'.padEnd(16)}${HEADINGS.map((heading, i) => heading.padStart(WIDTHS[i]!)).join('')}`,
    ...QUOTA_VARIANTS.map(row),
    `ours ÷ floor under the quota (goal >= 0.9):          ${ratio('ours', 'floor', quotaRps)}`,
    `ours ÷ ours with logs off under the quota (goal >= 0.9): ${ratio('ours', 'ours, logs off', quotaRps)}`,
    `no quota: ours ÷ floor ${ratio('ours', 'floor', freeRps)}; ours ÷ logs off ${ratio('ours', 'ours, logs off', freeRps)}`,
  ].join('\n');
}
