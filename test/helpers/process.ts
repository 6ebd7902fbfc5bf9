import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { TEST_TOKEN } from './apps.ts';
import type { HeapReport } from './heap-probe.ts';
import type { LogLine } from './logs.ts';

export interface ServiceProcess {
  readonly child: ChildProcess;
  /** Where it listens, from its own "Server listening at" log line. */
  readonly url: string;
  /** Its stdout, parsed as JSON log lines, as they arrive. */
  readonly logs: LogLine[];
  /** Resolves with the exit code once the process has exited and everything it wrote has been read. */
  readonly exited: Promise<number | null>;
  stderr(): string;
  /** Its last line when that is not JSON: cut off mid-write by a SIGKILL. Any other such line throws. */
  cutOff(): string | undefined;
  /**
   * Live heap after a full garbage collection in the process, in bytes (heap-probe.ts).
   * Only for a process started with `{ heapProbe: true }`.
   */
  heapAfterGc(): Promise<HeapReport>;
}

export interface StartOptions {
  /**
   * Preload heap-probe.ts, with --expose-gc and an IPC channel, so the test
   * can ask the process for its live heap. Nothing else in the process changes.
   */
  readonly heapProbe?: boolean;
  /** A module to load before main.ts (node --import): a fault injected from outside the service. */
  readonly preload?: string;
}

const HEAP_PROBE = fileURLToPath(new URL('./heap-probe.ts', import.meta.url));

const ROOT = new URL('../../', import.meta.url);

/** Runs services/<name>/main.ts as a real process on a free port, as the container does. */
export async function startService(
  t: TestContext,
  name: 'backend' | 'frontend',
  env: Record<string, string> = {},
  options: StartOptions = {},
): Promise<ServiceProcess> {
  const probe = options.heapProbe === true ? ['--expose-gc', '--import', HEAP_PROBE] : [];
  const preload = options.preload === undefined ? [] : ['--import', options.preload];
  const child = spawn(process.execPath, [...probe, ...preload, `services/${name}/main.ts`], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', LOG_FORMAT: 'json', INTERNAL_TOKEN: TEST_TOKEN, ...env },
    stdio: options.heapProbe === true ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  // 'close', not 'exit': by then stdout has ended, so `logs` holds every line the process wrote.
  const exited = once(child, 'close').then(([code]) => code as number | null);
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const logs: LogLine[] = [];
  let cutOff: string | undefined;
  const listening = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      // Only a line with no newline after it, given once stdout has ended, can be cut off.
      if (child.stdout!.readableEnded && !isJson(line)) return void (cutOff = line);
      const entry = JSON.parse(line) as LogLine;
      logs.push(entry);
      const url = /^Server listening at (http:\/\/127\.0\.0\.1:\d+)$/.exec(String(entry.msg))?.[1];
      if (url !== undefined) resolve(url);
    });
    void exited.then((code) => reject(new Error(`${name} exited with ${code} before listening: ${stderr}`)));
  });
  const heapAfterGc = async (): Promise<HeapReport> => {
    if (options.heapProbe !== true) throw new Error(`${name} was started without { heapProbe: true }`);
    const answer = once(child, 'message') as Promise<[HeapReport]>;
    child.send('heap');
    return (await answer)[0];
  };
  return { child, url: await listening, logs, exited, stderr: () => stderr, cutOff: () => cutOff, heapAfterGc };
}

function isJson(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}

/** Resolves with the time the process logged that it is stopping: it has handled the signal. */
export function stopping(service: ServiceProcess): Promise<number> {
  return new Promise((resolve) => {
    const check = () => {
      if (!service.logs.some((line) => String(line.msg).startsWith('stopping'))) return;
      service.child.stdout!.off('data', check);
      resolve(performance.now());
    };
    service.child.stdout!.on('data', check);
    check();
  });
}

/** GET /health/ready on a new connection, as a load balancer's health check does: the status or the error code. */
export async function probeReadiness(url: string): Promise<string> {
  const fresh = new Agent();
  try {
    const res = await request(`${url}/health/ready`, { dispatcher: fresh });
    await res.body.dump();
    return String(res.statusCode);
  } catch (error) {
    return String((error as { code?: unknown }).code);
  } finally {
    await fresh.destroy();
  }
}
