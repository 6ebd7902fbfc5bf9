// The processes under test: started fresh, timed from spawn to their first
// 200, measured from /proc, and stopped. Linux only (/proc).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';

export interface Started {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Milliseconds from spawn to the first 200 on the health URL. */
  readonly readyMs: number;
  /** Where the process's stdout goes (its log lines), or undefined for /dev/null or a pipe. */
  readonly logFile: string | undefined;
  /** Bytes read so far from its stdout, when it goes to a pipe (`pipeStdout`). */
  pipedBytes(): number;
}

export interface StartOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Polled until it answers 200. */
  readonly healthUrl: string;
  /** stdout is appended to this file; undefined sends it to /dev/null. */
  readonly logFile?: string;
  /**
   * stdout into a pipe this process reads and counts, as Docker reads a
   * container's stdout for awslogs; instead of logFile.
   */
  readonly pipeStdout?: boolean;
  readonly timeoutMs?: number;
}

/** A free loopback port: the kernel picks it, we release it and hand it to a child. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** True when `url` answers 200; false when it answers anything else or nothing. */
export async function answers200(url: string, headers: Readonly<Record<string, string>> = {}): Promise<boolean> {
  try {
    const res = await request(url, { headers: { ...headers }, headersTimeout: 1_000, bodyTimeout: 1_000, reset: true });
    await res.body.dump();
    return res.statusCode === 200;
  } catch {
    return false;
  }
}

/**
 * Spawns a process and resolves once its health URL answers 200. The poll is
 * every 2 ms: coarse enough to leave the starting process the CPU, fine enough
 * for a start-up time measured in tens of milliseconds.
 */
export async function startProcess(options: StartOptions): Promise<Started> {
  const stdout = options.pipeStdout === true ? 'pipe' : options.logFile === undefined ? 'ignore' : openSync(options.logFile, 'a');
  let stderr = '';
  let pipedBytes = 0;
  const started = performance.now();
  const child = spawn(options.command, [...options.args], { env: { ...options.env }, stdio: ['ignore', stdout, 'pipe'] });
  if (typeof stdout === 'number') closeSync(stdout);
  child.stdout?.on('data', (chunk: Buffer) => (pipedBytes += chunk.length));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = started + (options.timeoutMs ?? 10_000);
  while (!(await answers200(options.healthUrl))) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${options.name} exited (${child.signalCode ?? child.exitCode}) before it was ready: ${stderr.trim()}`);
    }
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${options.name} did not answer 200 on ${options.healthUrl} within ${options.timeoutMs ?? 10_000} ms: ${stderr.trim()}`);
    }
    await sleep(2);
  }
  const readyMs = performance.now() - started;
  if (child.pid === undefined) throw new Error(`${options.name} has no pid`);
  return { name: options.name, child, pid: child.pid, readyMs, logFile: options.logFile, pipedBytes: () => pipedBytes };
}

/** SIGTERM, as ECS stops a container; SIGKILL if it is still there after a few seconds. */
export async function stopProcess(started: Started): Promise<void> {
  const { child } = started;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

// A process and its children (nginx's master and its worker).
function family(pid: number): number[] {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // gone, or a kernel without the children file: the process alone
  }
  return [pid, ...children.flatMap(family)];
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux we run on (getconf CLK_TCK)

// The fields after the command name in /proc/PID/stat, from utime (field 14 of stat(5)) on.
function statFields(pid: number | 'self'): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces: count fields after its closing parenthesis.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ').slice(11);
}

/**
 * CPU time (user + system) of this process's children that have exited and
 * been waited for, and of theirs, in microseconds (cutime and cstime): wrk
 * after each run, the services after each round.
 */
export function reapedChildrenCpuMicros(): number {
  const [, , cutime, cstime] = statFields('self');
  return ((Number(cutime) + Number(cstime)) * 1_000_000) / CLOCK_TICKS_PER_SECOND;
}

/** CPU time (user + system) used so far by a process and its children, in microseconds. */
export function cpuMicros(pid: number): number {
  let ticks = 0;
  for (const member of family(pid)) {
    const [utime, stime] = statFields(member);
    ticks += Number(utime) + Number(stime);
  }
  return (ticks * 1_000_000) / CLOCK_TICKS_PER_SECOND;
}

/** Resident memory of a process and its children, in MB (VmRSS). */
export function rssMb(pid: number): number {
  let kb = 0;
  for (const member of family(pid)) {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${member}/status`, 'utf8'));
    kb += Number(match?.[1] ?? 0);
  }
  return kb / 1024;
}

/**
 * CPU time of the whole machine so far, in microseconds: busy (user, nice,
 * system, irq, softirq, steal) and in all (idle and iowait too), from /proc/stat.
 */
export function machineCpuMicros(): { busy: number; all: number } {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.slice(0, 8).map((field) => (Number(field) * 1_000_000) / CLOCK_TICKS_PER_SECOND);
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  return { busy, all: busy + idle! + iowait! };
}
