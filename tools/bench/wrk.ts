// The bench's load generator: wrk (Debian's package), a native process with
// headroom the services under test cannot reach. Its numbers come from a
// small Lua `done` hook that prints one JSON line (requests, errors, latency
// percentiles in microseconds), not from its human summary.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadResult, Target } from './load.ts';
import { reapedChildrenCpuMicros } from './processes.ts';

const INSTALL_HINT = 'install it: apt-get install -y wrk (Debian, Ubuntu), brew install wrk (macOS)';

/** wrk's version line, or undefined when wrk is not on PATH. */
function wrkVersion(): string | undefined {
  // `wrk -v` prints its version and usage, and exits 1.
  const result = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  if (result.error !== undefined) return undefined;
  return /^wrk (\S+)/m.exec(result.stdout)?.[1] ?? 'unknown version';
}

/**
 * wrk's version; installs wrk first when it is missing and this process may
 * (root, with apt-get), else exits with how to install it.
 */
export function ensureWrk(log: (line: string) => void): string {
  const found = wrkVersion();
  if (found !== undefined) return found;
  const apt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' });
  if (process.getuid?.() !== 0 || apt.error !== undefined) {
    process.stderr.write(`bench: wrk, the load generator, is not installed; ${INSTALL_HINT}\n`);
    process.exit(1);
  }
  log('bench: wrk is not installed; installing it: apt-get install -y wrk');
  const install = () => spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'wrk'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  // A fresh image has no package lists: fetch them once, and only then.
  if (install().status !== 0) {
    log('bench: apt-get install failed; running apt-get update, then trying once more');
    spawnSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'] });
    install();
  }
  const installed = wrkVersion();
  if (installed === undefined) {
    process.stderr.write(`bench: could not install wrk with apt-get; ${INSTALL_HINT}\n`);
    process.exit(1);
  }
  return installed;
}

// Headers come from the environment (WRK_HEADERS, one `name: value` a line),
// so the backend's token never appears on a command line. `done` runs once,
// after every thread has stopped.
const SCRIPT = `
for name, value in (os.getenv("WRK_HEADERS") or ""):gmatch("([^:\\n]+):%s*([^\\n]*)") do
  wrk.headers[name] = value
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nWRK_JSON {"durationUs":%.0f,"requests":%.0f,"connect":%.0f,"read":%.0f,"write":%.0f,"status":%.0f,"timeout":%.0f,"p50Us":%.0f,"p99Us":%.0f,"p999Us":%.0f,"maxUs":%.0f}\\n',
    summary.duration, summary.requests, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max))
end
`;

/** Writes the Lua hook into `dir` (the bench's temporary directory) and returns its path. */
export function writeWrkScript(dir: string): string {
  const file = join(dir, 'wrk-done.lua');
  writeFileSync(file, SCRIPT);
  return file;
}

interface WrkJson {
  readonly durationUs: number;
  readonly requests: number;
  readonly connect: number;
  readonly read: number;
  readonly write: number;
  readonly status: number;
  readonly timeout: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly p999Us: number;
  readonly maxUs: number;
}

export interface WrkResult extends LoadResult {
  readonly p999Ms: number;
  readonly maxMs: number;
  /** wrk's own CPU time over the run's wall time: 1 is one core busy throughout. */
  readonly generatorCores: number;
}

export interface WrkOptions {
  readonly script: string;
  readonly connections: number;
  readonly seconds: number;
  readonly threads: number;
}

/**
 * Closed-loop load: each of `connections` keep-alive connections sends its
 * next request as soon as the last answer arrives. The latencies are wrk's
 * own (closed loop: a stalled server also stalls the sending, so they are
 * not latencies at a rate). Connection errors, timeouts and answers of 400
 * and above (wrk counts those as its `status` errors) fail the run: a broken
 * variant gives no numbers.
 */
export async function runWrk(target: Target, options: WrkOptions): Promise<WrkResult> {
  const headers = Object.entries(target.headers ?? {}).map(([name, value]) => `${name}: ${value}`).join('\n');
  const args = ['-t', String(options.threads), '-c', String(options.connections), '-d', `${options.seconds}s`, '-s', options.script, target.url];
  const cpuBefore = reapedChildrenCpuMicros();
  const child = spawn('wrk', args, { env: { PATH: process.env.PATH ?? '', WRK_HEADERS: headers }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  // The exited wrk is the only child reaped meanwhile: the services run on.
  const generatorCpuMicros = reapedChildrenCpuMicros() - cpuBefore;
  const line = /^WRK_JSON (\{.*\})$/m.exec(stdout)?.[1];
  if (code !== 0 || line === undefined) {
    throw new Error(`wrk ${args.join(' ')} failed (${signal ?? code}): ${(stderr || stdout).trim()}`);
  }
  const result = JSON.parse(line) as WrkJson;
  const failures = result.connect + result.read + result.write + result.timeout + result.status;
  const failureSummary = `${target.url}: ${result.connect} connect, ${result.read} read, ${result.write} write errors, ${result.timeout} timeouts, ${result.status} answers of 400 or above`;
  if (failures > 0) throw new Error(failureSummary);
  const seconds = result.durationUs / 1e6;
  return {
    requests: result.requests,
    failures,
    failureSummary,
    seconds,
    requestsPerSecond: result.requests / seconds,
    p50Ms: result.p50Us / 1000,
    p99Ms: result.p99Us / 1000,
    p999Ms: result.p999Us / 1000,
    maxMs: result.maxUs / 1000,
    generatorCores: generatorCpuMicros / result.durationUs,
  };
}
