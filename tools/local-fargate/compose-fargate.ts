// `npm run compose:fargate [-- up|down|print] [--cpu UNITS --memory MiB]`:
// the compose task under Fargate's CPU and memory model, on a Linux Docker
// host, as root.
//
// Fargate enforces the task's `cpu` as one CFS quota on the task's cgroup
// (256 = 25 ms per 100 ms) and its `memory` as that cgroup's limit; a
// container's `cpu` is only a weight (CPU shares) under the quota, and its
// `memory` a hard limit of its own. Plain `docker compose up` cannot express
// a limit shared by two containers, so it caps each at its own half
// (docker-compose.yml). Here the task's cgroup is made first, with the
// task's quota and memory, and the task's containers start inside it
// (`cgroup_parent`) with their weights (`cpu_shares`) and no quota of their
// own. Every size is read from tools/task-definition/task-definition.json, unless --cpu and
// --memory ask for another of Fargate's task sizes: the containers' weights
// and memory limits then grow or shrink with the task's, in proportion, and
// the task metadata endpoint reports the size asked for. Each `up` gives the
// task a new random credentials path (TASK_CREDENTIALS_ID), as ECS does.
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { readComposeFile } from '../../test/helpers/compose-file.ts';
import { FARGATE_SIZES as LINT_SIZES } from '../task-definition/lint/size.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CGROUP_ROOT = '/sys/fs/cgroup';
// The kernel's default CFS period, as the ECS agent uses it.
export const CFS_PERIOD_US = 100_000;

/** A task's CPU units as the CFS quota the ECS agent gives its cgroup, in microseconds per period. */
export const cfsQuotaMicros = (cpu: number) => Math.round((cpu / 1024) * CFS_PERIOD_US);

/** A cgroup's cpu.stat (`nr_periods`, `nr_throttled`, ...) as numbers. */
export function cpuStat(file: string): Record<string, number> {
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(' ') as [string, string])
      .map(([key, value]) => [key, Number(value)]),
  );
}
// The namespace owner: ECS's pause container, and the server of ECS's endpoints.
const NAMESPACE_OWNER = 'task';

const USAGE = 'usage: npm run compose:fargate [-- up|down|print] [--cpu UNITS] [--memory MiB]';

export interface TaskSizes {
  /** CPU units, 1024 to a vCPU. */
  readonly cpu: number;
  /** MiB. */
  readonly memory: number;
  readonly containers: ReadonlyArray<{ readonly name: string; readonly cpu: number; readonly memory: number }>;
}

class UsageError extends Error {}
/** A bad command line: exit code 2. */
class CommandLineError extends UsageError {}

/** Fargate's task sizes, the linter's table (lint/size.ts): the memory (MiB) each task cpu allows. */
export const FARGATE_SIZES: ReadonlyMap<number, readonly number[]> = new Map(
  LINT_SIZES.map(({ cpu, memory }) => [cpu, 'from' in memory ? Array.from({ length: (memory.to - memory.from) / memory.step + 1 }, (_, i) => memory.from + i * memory.step) : memory]),
);

/** The sizes the task definition gives the task and its containers. */
export function taskSizes(file = join(ROOT, 'tools/task-definition/task-definition.json')): TaskSizes {
  const task = JSON.parse(readFileSync(file, 'utf8')) as {
    cpu: string;
    memory: string;
    containerDefinitions: Array<{ name: string; cpu?: number; memory?: number }>;
  };
  return {
    cpu: Number(task.cpu),
    memory: Number(task.memory),
    containers: task.containerDefinitions.map(({ name, cpu, memory }) => {
      if (cpu === undefined || memory === undefined) throw new UsageError(`${file}: the container ${name} needs cpu and memory`);
      return { name, cpu, memory };
    }),
  };
}

/**
 * The task at another of Fargate's sizes: each container's weight and memory
 * limit scaled as the task's (128 of 256 CPU units stays half of the task's).
 * Throws naming the option when the size is not one of Fargate's.
 */
export function resized(sizes: TaskSizes, cpu: number, memory: number): TaskSizes {
  const memories = FARGATE_SIZES.get(cpu);
  if (memories === undefined) throw new CommandLineError(`--cpu: a Fargate task's cpu is ${[...FARGATE_SIZES.keys()].join(', ')}, not ${cpu}`);
  if (!memories.includes(memory)) {
    const valid = memories.length > 3 ? `${memories[0]} to ${memories.at(-1)}, step ${memories[1]! - memories[0]!}` : memories.join(', ');
    throw new CommandLineError(`--memory: a Fargate task of cpu ${cpu} takes ${valid} MiB, not ${memory}`);
  }
  // Rounded down, so the containers' sums never pass the task's.
  return {
    cpu,
    memory,
    containers: sizes.containers.map((c) => ({ name: c.name, cpu: Math.floor((c.cpu * cpu) / sizes.cpu), memory: Math.floor((c.memory * memory) / sizes.memory) })),
  };
}

/** The command line: the action, and the task's sizes (the task definition's unless --cpu/--memory). */
export function parseCommandLine(argv: readonly string[], sizes: TaskSizes = taskSizes()): { action: 'up' | 'down' | 'print'; sizes: TaskSizes } {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, options: { cpu: { type: 'string' }, memory: { type: 'string' } } });
  } catch (error) {
    throw new CommandLineError((error as Error).message.split('\n')[0]!);
  }
  const { positionals, values } = parsed;
  const [action = 'up', ...rest] = positionals;
  if (rest.length > 0 || (action !== 'up' && action !== 'down' && action !== 'print')) throw new CommandLineError(`one action, up, down or print, not: ${positionals.join(' ')}`);
  const number = (option: 'cpu' | 'memory') => {
    const value = values[option];
    if (value === undefined) return sizes[option];
    if (!/^\d+$/.test(value)) throw new CommandLineError(`--${option}: ${value} is not a whole number`);
    return Number(value);
  };
  const [cpu, memory] = [number('cpu'), number('memory')];
  return { action, sizes: cpu === sizes.cpu && memory === sizes.memory ? sizes : resized(sizes, cpu, memory) };
}

/** The compose project's name: COMPOSE_PROJECT_NAME, as docker compose reads it, or the compose file's `name`. */
export function projectName(env: NodeJS.ProcessEnv = process.env): string {
  return env.COMPOSE_PROJECT_NAME ?? String((readComposeFile() as { name: unknown }).name);
}

/** The compose override that puts the task's containers into the task's cgroup. */
export function fargateOverride(sizes: TaskSizes, cgroupParent: string): string {
  const services: Record<string, unknown> = {
    // Outside the task's cgroup: on Fargate, ECS's endpoints are served from
    // outside the task and take none of its CPU or memory (and the pause
    // container the owner also stands for uses none). It reports this size.
    [NAMESPACE_OWNER]: { environment: { TASK_CPU: String(sizes.cpu), TASK_MEMORY: String(sizes.memory) } },
  };
  for (const container of sizes.containers) {
    services[container.name] = {
      cgroup_parent: cgroupParent,
      // A weight, not a cap: the task's quota is the only cap.
      cpus: 0,
      cpu_shares: container.cpu,
      mem_limit: `${container.memory}m`,
    };
  }
  return stringify({ services });
}

interface TaskCgroup {
  create(sizes: TaskSizes): void;
  /** Removes it, and on cgroup v1 the folders Docker made for it under the other controllers. */
  remove(): void;
}

function taskCgroup(name: string): TaskCgroup {
  const quota = (sizes: TaskSizes) => cfsQuotaMicros(sizes.cpu);
  const bytes = (sizes: TaskSizes) => sizes.memory * 1024 * 1024;
  if (existsSync(join(CGROUP_ROOT, 'cgroup.controllers'))) {
    const dir = join(CGROUP_ROOT, name);
    return {
      remove: () => existsSync(dir) && rmdirSync(dir),
      create(sizes) {
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'cpu.max'), `${quota(sizes)} ${CFS_PERIOD_US}`);
        writeFileSync(join(dir, 'memory.max'), String(bytes(sizes)));
      },
    };
  }
  const cpu = join(CGROUP_ROOT, 'cpu', name);
  const memory = join(CGROUP_ROOT, 'memory', name);
  return {
    remove() {
      for (const controller of readdirSync(CGROUP_ROOT)) {
        const dir = join(CGROUP_ROOT, controller, name);
        if (existsSync(dir)) rmdirSync(dir);
      }
    },
    create(sizes) {
      mkdirSync(cpu, { recursive: true });
      mkdirSync(memory, { recursive: true });
      writeFileSync(join(cpu, 'cpu.cfs_period_us'), String(CFS_PERIOD_US));
      writeFileSync(join(cpu, 'cpu.cfs_quota_us'), String(quota(sizes)));
      writeFileSync(join(memory, 'memory.limit_in_bytes'), String(bytes(sizes)));
    },
  };
}

export interface TaskCpu {
  /** CPU time the task's processes used, in microseconds. */
  readonly usageMicros: number;
  /** CFS periods in which the task ran, and those in which its quota ran out. */
  readonly periods: number;
  readonly throttledPeriods: number;
}

/** The task cgroup's CPU counters, from the kernel: what `docker stats` cannot show for the task as a whole. */
export function taskCpu(project = projectName()): TaskCpu {
  if (existsSync(join(CGROUP_ROOT, 'cgroup.controllers'))) {
    const cpu = cpuStat(join(CGROUP_ROOT, project, 'cpu.stat'));
    return { usageMicros: cpu.usage_usec ?? 0, periods: cpu.nr_periods ?? 0, throttledPeriods: cpu.nr_throttled ?? 0 };
  }
  const cpu = cpuStat(join(CGROUP_ROOT, 'cpu', project, 'cpu.stat'));
  const usageNanos = Number(readFileSync(join(CGROUP_ROOT, 'cpuacct', project, 'cpuacct.usage'), 'utf8'));
  return { usageMicros: usageNanos / 1000, periods: cpu.nr_periods ?? 0, throttledPeriods: cpu.nr_throttled ?? 0 };
}

/**
 * The most memory a container has used since it started, in bytes, from its
 * cgroup under the task's (cgroupfs: named by the container's full id).
 */
export function containerMemoryPeak(containerId: string, project = projectName()): number {
  const file = existsSync(join(CGROUP_ROOT, 'cgroup.controllers'))
    ? join(CGROUP_ROOT, project, containerId, 'memory.peak')
    : join(CGROUP_ROOT, 'memory', project, containerId, 'memory.max_usage_in_bytes');
  return Number(readFileSync(file, 'utf8'));
}

/**
 * `npm run compose:fargate -- ACTION` for a compose project, in a process of
 * its own, as a user runs it: its exit code and everything it printed. For
 * the capacity run and the e2e test, which each use a project of their own.
 */
export async function composeFargateFor(
  project: string,
  action: 'up' | 'down',
  size?: { readonly cpu: number; readonly memory: number },
): Promise<{ code: number | null; output: string }> {
  const sizeArgs = size === undefined ? [] : ['--cpu', String(size.cpu), '--memory', String(size.memory)];
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), action, ...sizeArgs], {
    cwd: ROOT,
    env: { ...process.env, COMPOSE_PROJECT_NAME: project },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, output };
}

function run(command: string, args: readonly string[], input?: string, env: NodeJS.ProcessEnv = process.env): void {
  const result = spawnSync(command, args, { cwd: ROOT, input, env, stdio: [input === undefined ? 'inherit' : 'pipe', 'inherit', 'inherit'] });
  if (result.error !== undefined) throw new UsageError(`${command}: ${result.error.message}`);
  if (result.status !== 0) throw new UsageError(`${command} ${args.join(' ')} exited with ${result.status}`);
}

function cgroupDriver(): string {
  const result = spawnSync('docker', ['info', '--format', '{{.CgroupDriver}}'], { encoding: 'utf8' });
  if (result.status !== 0) throw new UsageError(`docker info failed: is the Docker engine running? ${result.stderr.trim()}`);
  return result.stdout.trim();
}

function checkHost(): void {
  if (process.platform !== 'linux') {
    throw new UsageError(`needs a Linux Docker host (this is ${process.platform}): Docker Desktop's engine runs in a VM whose cgroups cannot be prepared from here; use docker compose up`);
  }
  if (process.getuid?.() !== 0) throw new UsageError('needs root, to create the task cgroup: run it with sudo');
  const driver = cgroupDriver();
  if (driver !== 'cgroupfs') {
    throw new UsageError(`needs Docker's cgroupfs cgroup driver (this engine uses ${driver}, whose cgroup_parent is a systemd slice); use docker compose up`);
  }
}

function main(argv: readonly string[]): void {
  const { action, sizes } = parseCommandLine(argv);
  const project = projectName();
  const cgroupParent = `/${project}`;
  const override = fargateOverride(sizes, cgroupParent);
  const compose = ['compose', '-p', project, '-f', 'docker-compose.yml', '-f', '-'];
  const described =
    `task cgroup ${cgroupParent}: ${sizes.cpu / 1024} vCPU (CFS quota), ${sizes.memory} MiB; ` +
    `${sizes.containers.map((c) => `${c.name} cpu_shares ${c.cpu}, ${c.memory} MiB`).join('; ')}`;
  if (action === 'print') {
    process.stdout.write(`# ${described}\n${override}`);
    return;
  }
  checkHost();
  const cgroup = taskCgroup(project);
  if (action === 'down') {
    run('docker', [...compose, 'down', '--volumes', '--remove-orphans'], override);
    cgroup.remove();
    process.stdout.write(`compose:fargate: stopped ${project} and removed its task cgroup\n`);
    return;
  }
  cgroup.create(sizes);
  process.stdout.write(`compose:fargate: ${described}\n`);
  // ECS makes the credentials path's id a UUID per task; one given in the environment is kept.
  const env = { ...process.env, TASK_CREDENTIALS_ID: process.env.TASK_CREDENTIALS_ID || randomUUID() };
  run('docker', [...compose, 'up', '--build', '--detach', '--wait', '--wait-timeout', '180'], override, env);
  process.stdout.write(`compose:fargate: the task answers on http://localhost:3000; stop it with: npm run compose:fargate -- down\n`);
}

if (import.meta.main) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    const commandLine = error instanceof CommandLineError;
    process.stderr.write(`compose:fargate: ${error.message}${commandLine ? `; ${USAGE}` : ''}\n`);
    process.exit(commandLine ? 2 : 1);
  }
}
