// `npm run bench`: the cost of the localhost hop, measured. Starts the real
// services (and the peers) fresh each round, loads them with wrk (installed
// first when it is missing and apt-get may), interleaves the variants and
// prints the medians, the ratios to the backend alone and to the floor, the
// generator's own ceiling and the issue's targets. `npm run bench -- --json`
// prints one JSON line.
//
// Options: --rounds N (3), --seconds N (5, the req/s run; the latency run is
// 4 s), --threads N (wrk's, 1), --backend-connections N (the frontend's
// BACKEND_CONNECTIONS and the floor's pool size, to tune it),
// --node-flags="FLAGS" (more node flags for both services, such as
// --node-flags=--max-semi-space-size=16), --no-compile-cache (start the
// services without the compile cache their images ship, to see what it
// saves), --profile DIR (CPU profiles of both services, and their top
// functions).
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { findNginx, NGINX_SETUP } from './nginx.ts';
import { formatSelfTime, topSelfTime } from './profile.ts';
import { answers200, cpuMicros, machineCpuMicros, reapedChildrenCpuMicros, rssMb } from './processes.ts';
import { buildReport, formatTable, loadAverage1m, type StartupSample, type VariantSample } from './report.ts';
import { containerNodeFlags } from '../../test/helpers/node-flags.ts';
import { frontendDefaultBackendConnections, startStack, writeCompileCache, type Stack, type Variant, type VariantKey } from './variants.ts';
import { formatUnderQuota, measureUnderQuota, underQuotaUnavailable, type UnderQuotaReport } from './under-quota.ts';
import { ensureWrk, runWrk, writeWrkScript } from './wrk.ts';

const WARMUP_SECONDS = 3;
const LATENCY_SECONDS = 4;
const THROUGHPUT_CONNECTIONS = 50;
const LATENCY_CONNECTIONS = 10;
// One wrk thread: on two cores it keeps one for itself and leaves the other
// to the server; a second thread takes CPU from the server it measures
// (against nginx's `return 200`: 104k req/s with one thread, 80k with two).
const DEFAULT_THREADS = 1;

function usage(message: string): never {
  process.stderr.write(`bench: ${message}\nusage: npm run bench -- [--json] [--rounds N] [--seconds N] [--threads N] [--backend-connections N] [--node-flags="FLAGS"] [--no-compile-cache] [--profile DIR]\n`);
  process.exit(2);
}

function positiveInteger(name: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > max) usage(`--${name} must be an integer from 1 to ${max} (got ${JSON.stringify(raw)})`);
  return value;
}

let parsed;
try {
  parsed = parseArgs({
    allowNegative: true,
    options: {
      json: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      seconds: { type: 'string' },
      threads: { type: 'string' },
      'backend-connections': { type: 'string' },
      'node-flags': { type: 'string' },
      'compile-cache': { type: 'boolean', default: true },
      profile: { type: 'string' },
      hop: { type: 'boolean', default: true },
      quota: { type: 'boolean', default: true },
    },
  }).values;
} catch (error) {
  usage((error as Error).message);
}
const rounds = positiveInteger('rounds', parsed.rounds, 3, 20);
const seconds = positiveInteger('seconds', parsed.seconds, 5, 60);
const threads = positiveInteger('threads', parsed.threads, DEFAULT_THREADS, LATENCY_CONNECTIONS);
const backendConnections = positiveInteger('backend-connections', parsed['backend-connections'], frontendDefaultBackendConnections(), 1024);
const profileDir = parsed.profile === undefined ? undefined : resolve(parsed.profile);
const nodeFlags = (parsed['node-flags'] ?? '').split(/\s+/).filter(Boolean);
for (const flag of nodeFlags) if (!flag.startsWith('--')) usage(`--node-flags takes node options such as --max-semi-space-size=16 (got ${JSON.stringify(flag)})`);
const log = (line: string) => process.stderr.write(`${line}\n`);

const argv = process.argv.slice(2).join(' ');
const command = process.env.npm_lifecycle_event === 'bench' ? `npm run bench${argv ? ` -- ${argv}` : ''}` : `node tools/bench/bench.ts ${argv}`.trim();
const wrkVersion = ensureWrk(log);
const generatorTool = `wrk ${wrkVersion}, ${threads} thread${threads === 1 ? '' : 's'}, unpinned (as in every variant's run)`;
const LATENCY_NOTE = `wrk's own percentiles, closed loop at ${LATENCY_CONNECTIONS} connections: each connection sends its next request when the last answer arrives, so these are not latencies at a fixed rate`;
const nginx = findNginx();
const NGINX_MISSING = 'not installed: D skipped, and G (the generator ceiling) falls back to a node:http server, a lower bound (apt-get install -y nginx-light)';
const loadAtStart = loadAverage1m();
const dir = mkdtempSync(join(tmpdir(), 'fargate-bench-'));
const wrkScript = writeWrkScript(dir);
const compileCache = parsed['compile-cache'] ? join(dir, 'compile-cache') : undefined;
// One token for the run: the services get it through their environment, never on a command line.
const token = randomBytes(32).toString('base64url');

let stack: Stack | undefined;
async function cleanUp(): Promise<void> {
  await stack?.stop();
  stack = undefined;
  rmSync(dir, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void cleanUp().then(() => process.exit(130)));
}

const fileSize = (file: string | undefined) => (file === undefined ? undefined : statSync(file).size);

const wrk = (variant: Variant, connections: number, seconds: number) => runWrk(variant.target, { script: wrkScript, connections, seconds, threads });

/** A check that it answers 200 (wrk counts only 400 and above as failures), a warm-up, req/s and CPU at 50 connections, latency at 10. */
async function measure(variant: Variant, backendPid: number, rssIdleMb: number): Promise<VariantSample> {
  const { front, target } = variant;
  if (!(await answers200(target.url, target.headers))) throw new Error(`${variant.key}: ${target.url} does not answer 200`);
  await wrk(variant, THROUGHPUT_CONNECTIONS, WARMUP_SECONDS);
  const logBefore = fileSize(front.logFile);
  const frontBefore = cpuMicros(front.pid);
  const backendBefore = cpuMicros(backendPid);
  const load = await wrk(variant, THROUGHPUT_CONNECTIONS, seconds);
  const frontCpuUs = (cpuMicros(front.pid) - frontBefore) / load.requests;
  // G has no backend behind it.
  const backendCpuUs = variant.key === 'G' ? undefined : (cpuMicros(backendPid) - backendBefore) / load.requests;
  const logAfter = fileSize(front.logFile);
  const latency = await wrk(variant, LATENCY_CONNECTIONS, LATENCY_SECONDS);
  return {
    requestsPerSecond: load.requestsPerSecond,
    p50Ms: latency.p50Ms,
    p99Ms: latency.p99Ms,
    frontCpuUs,
    backendCpuUs,
    generatorCores: load.generatorCores,
    frontRssIdleMb: rssIdleMb,
    frontRssLoadedMb: rssMb(front.pid),
    frontLogBytes: logBefore === undefined || logAfter === undefined ? undefined : (logAfter - logBefore) / load.requests,
  };
}

// What the rest of the machine did meanwhile: its busy time, less this
// process's and its children's (wrk and the services, all exited and reaped
// by the end). The load average cannot tell, as it counts the bench's own
// processes.
const machineAtStart = machineCpuMicros();
const selfAtStart = process.cpuUsage();
const childrenAtStart = reapedChildrenCpuMicros();
let ceilingServer = '';

const samples: Partial<Record<VariantKey, VariantSample[]>> = {};
const startups: StartupSample[] = [];
const backendRssLoadedMb: number[] = [];
if (profileDir !== undefined) mkdirSync(profileDir, { recursive: true });

const quotaUnavailable = parsed.quota ? underQuotaUnavailable() : 'not asked for (--no-quota)';
let underQuota: UnderQuotaReport | undefined;
try {
  log(`bench: ${rounds} rounds; ${generatorTool}; nginx ${nginx === undefined ? NGINX_MISSING : 'included'}; load average ${loadAtStart.toFixed(2)}`);
  if (compileCache !== undefined) writeCompileCache(compileCache);
  for (let round = 0; parsed.hop && round < rounds; round += 1) {
    stack = await startStack({
      dir,
      token,
      nginx,
      compileCache,
      backendConnections,
      nodeFlags: (service) => [
        ...nodeFlags,
        ...(profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profileDir, '--cpu-prof-name', `${service}-${round + 1}.cpuprofile`]),
      ],
    });
    ceilingServer = stack.ceilingServer;
    const byKey = new Map(stack.variants.map((variant) => [variant.key, variant]));
    startups.push({ backendReadyMs: stack.backend.readyMs, frontendReadyMs: byKey.get('B')!.front.readyMs });
    const idle = new Map(stack.variants.map((variant) => [variant.key, rssMb(variant.front.pid)]));
    // Interleaved: each round starts with the next variant, so drift in the
    // machine's load spreads over all of them instead of hitting one.
    const order = stack.variants.map((_, index) => stack!.variants[(index + round) % stack!.variants.length]!);
    const progress: string[] = [];
    for (const variant of order) {
      const sample = await measure(variant, stack.backend.pid, idle.get(variant.key)!);
      (samples[variant.key] ??= []).push(sample);
      progress.push(`${variant.key} ${Math.round(sample.requestsPerSecond)} req/s`);
    }
    backendRssLoadedMb.push(rssMb(stack.backend.pid));
    await stack.stop();
    stack = undefined;
    log(`round ${round + 1}/${rounds}: ${progress.join(', ')} (load average ${loadAverage1m().toFixed(2)})`);
  }
  if (quotaUnavailable === undefined) underQuota = await measureUnderQuota({ rounds, seconds, token, compileCache, wrkScript, threads, log });
} finally {
  await cleanUp();
}

const machine = machineCpuMicros();
const self = process.cpuUsage(selfAtStart);
const children = reapedChildrenCpuMicros() - childrenAtStart;
const othersCpuShare = (machine.busy - machineAtStart.busy - self.user - self.system - children) / (machine.all - machineAtStart.all);

const report = !parsed.hop ? undefined : buildReport({
  command,
  settings: {
    rounds,
    'warm-up s': WARMUP_SECONDS,
    [`req/s and CPU: ${THROUGHPUT_CONNECTIONS} connections, s`]: seconds,
    [`latency: ${LATENCY_CONNECTIONS} connections, s`]: LATENCY_SECONDS,
    'BACKEND_CONNECTIONS (B, and F\'s pool)': backendConnections,
    'node flags (the container\'s heap, the image\'s CMD, --node-flags)': (['backend', 'frontend'] as const)
      .map((service) => `${service} ${[...containerNodeFlags(service), ...nodeFlags].join(' ')}`)
      .join('; '),
    'C node flags (the frontend\'s image)': containerNodeFlags('frontend').join(' '),
    'service stdout': 'a file (JSON log lines)',
    'compile cache': compileCache === undefined ? 'none (--no-compile-cache)' : 'written first, as the images do',
  },
  nginx: nginx === undefined ? NGINX_MISSING : `${nginx}: ${NGINX_SETUP}`,
  generatorTool,
  generatorThreads: threads,
  ceilingServer,
  latency: LATENCY_NOTE,
  loadAverage1m: loadAtStart,
  loadAverage1mAtEnd: loadAverage1m(),
  othersCpuShare: Math.max(0, othersCpuShare),
  samples,
  startups,
  backendRssLoadedMb,
});

if (parsed.json) {
  process.stdout.write(`${JSON.stringify({ ...report, underQuota: underQuota ?? quotaUnavailable })}\n`);
} else {
  if (report !== undefined) process.stdout.write(`${formatTable(report)}\n`);
  process.stdout.write(`\n${underQuota === undefined ? `under the task's quota: not measured: ${quotaUnavailable}` : formatUnderQuota(underQuota)}\n`);
  if (profileDir !== undefined) {
    for (const file of readdirSync(profileDir).filter((name) => name.endsWith('.cpuprofile')).sort()) {
      process.stdout.write(`\n${formatSelfTime(`top self time, ${file}:`, topSelfTime(join(profileDir, file), 15))}\n`);
    }
  }
}
