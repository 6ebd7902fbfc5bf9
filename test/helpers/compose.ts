// The e2e tests' way to Docker: the compose stack built from this checkout,
// and the few docker commands the tests need around it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs `docker ARGS`, with `input` on stdin; resolves with stdout, rejects with the command and its stderr. */
export async function docker(args: readonly string[], input = ''): Promise<string> {
  const child = spawn('docker', args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // A command that fails before reading its input closes stdin (EPIPE): its exit code says why.
  child.stdin.on('error', () => {});
  child.stdin.end(input);
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) {
    throw new Error(`docker ${args.join(' ')} exited with ${code}:\n${stderr.trim().split('\n').slice(-20).join('\n')}`);
  }
  return stdout;
}

/** Polls `probe` until it returns a value other than undefined; a thrown error counts as "not yet". */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await sleep(100);
  }
  const reason = last === undefined ? '' : `; last error: ${(last as Error).message}`;
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
}

/** The parts of `docker inspect`'s answer the tests read. */
export interface Container {
  readonly Id: string;
  readonly Config: { readonly User: string; readonly Hostname: string; readonly Labels: Readonly<Record<string, string>> };
  readonly State: {
    readonly Status: string;
    readonly ExitCode: number;
    readonly OOMKilled: boolean;
    readonly StartedAt: string;
    readonly FinishedAt: string;
    readonly Health?: { readonly Log: readonly { readonly Start: string; readonly End: string; readonly ExitCode: number }[] };
  };
  readonly HostConfig: {
    readonly ReadonlyRootfs: boolean;
    readonly CapDrop: readonly string[] | null;
    readonly SecurityOpt: readonly string[] | null;
    readonly Init: boolean | null;
    readonly NanoCpus: number;
    readonly Memory: number;
    readonly NetworkMode: string;
  };
  readonly NetworkSettings: {
    readonly Ports: Readonly<Record<string, readonly { HostIp: string; HostPort: string }[] | null>>;
    readonly Networks: Readonly<Record<string, unknown>>;
  };
}

/**
 * One compose project built from this checkout's docker-compose.yml, under a
 * fixed project name so that the next run cleans up after one that crashed.
 * `files` adds override files, as `docker compose -f` does.
 */
export class ComposeStack {
  readonly project: string;
  readonly #files: readonly string[];

  constructor(project: string, files: readonly string[] = []) {
    this.project = project;
    this.#files = ['docker-compose.yml', ...files];
  }

  /** `docker compose ARGS` for this project. */
  compose(args: readonly string[], input = ''): Promise<string> {
    const files = this.#files.flatMap((file) => ['-f', file]);
    return docker(['compose', '-p', this.project, '--project-directory', ROOT, ...files, ...args], input);
  }

  /** Builds the images (reusing Docker's build cache) and starts the stack from scratch; resolves once every health check passes. */
  async up(): Promise<void> {
    await this.down();
    await this.compose(['up', '--build', '--wait', '--wait-timeout', '180']);
  }

  /** Removes the containers, networks and volumes. */
  async down(): Promise<void> {
    await this.compose(['down', '--volumes', '--remove-orphans']);
  }

  /** Every container of the project, running or not. */
  async containers(): Promise<Container[]> {
    const ids = (await this.compose(['ps', '--all', '--quiet'])).split('\n').filter((id) => id !== '');
    return JSON.parse(await docker(['inspect', ...ids])) as Container[];
  }

  async containerId(service: string): Promise<string> {
    const id = (await this.compose(['ps', '--all', '--quiet', service])).trim();
    if (!/^[0-9a-f]{12,64}$/.test(id)) throw new Error(`expected one container for the service ${service}, got ${JSON.stringify(id)}`);
    return id;
  }

  async inspect(service: string): Promise<Container> {
    const [container] = JSON.parse(await docker(['inspect', await this.containerId(service)])) as Container[];
    if (container === undefined) throw new Error(`docker inspect returned nothing for the service ${service}`);
    return container;
  }

  /** The network that compose created for the project: where other containers meet the task. */
  async network(): Promise<string> {
    const [network, ...others] = Object.keys((await this.inspect('task')).NetworkSettings.Networks);
    if (network === undefined || others.length > 0) throw new Error(`expected the task on one network, got ${[network, ...others].join(', ')}`);
    return network;
  }

  /**
   * Watches a service's log from now on for the first JSON log line that
   * `matches`. Start it before the action that should write the line, and
   * stop it when done, whatever happened.
   */
  async watchLog(service: string, matches: (line: Record<string, unknown>) => boolean, timeoutMs: number): Promise<LogWatch> {
    const since = new Date().toISOString();
    const child = spawn('docker', ['logs', '--follow', '--since', since, await this.containerId(service)], { stdio: ['ignore', 'pipe', 'ignore'] });
    let timer: NodeJS.Timeout | undefined;
    const line = new Promise<Record<string, unknown>>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no matching log line from ${service} within ${timeoutMs} ms`)), timeoutMs);
      createInterface({ input: child.stdout }).on('line', (text) => {
        const entry = parseJson(text);
        if (entry !== undefined && matches(entry)) resolve(entry);
      });
      child.once('exit', () => reject(new Error(`docker logs for ${service} ended before a matching line`)));
    });
    // A watch that is stopped without being awaited must not become an unhandled rejection.
    line.catch(() => {});
    return {
      line,
      stop: () => {
        clearTimeout(timer);
        child.kill();
      },
    };
  }
}

export interface LogWatch {
  readonly line: Promise<Record<string, unknown>>;
  stop(): void;
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
