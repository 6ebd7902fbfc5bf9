// What is compared: the backend alone (A, the limit for this hop), our
// frontend in front of it (B), and the peers in front of the same backend:
// a plain @fastify/reply-from proxy (C) and nginx (D, when installed).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { containerNodeFlags } from './container.ts';
import type { Target } from './load.ts';
import { nginxArgs } from './nginx.ts';
import { cpuMicros, freePort, startProcess, stopProcess, type Started } from './processes.ts';

export type VariantKey = 'A' | 'B' | 'C' | 'D';

export const VARIANT_NAMES: Readonly<Record<VariantKey, string>> = {
  A: 'backend alone',
  B: 'our frontend',
  C: 'reply-from, plain',
  D: 'nginx keep-alive',
};

export interface Variant {
  readonly key: VariantKey;
  readonly target: Target;
  /** The process the load goes through: the proxy, or for A the backend itself. */
  readonly front: Started;
}

export interface Stack {
  readonly backend: Started;
  readonly variants: readonly Variant[];
  /** CPU time every process of the stack has used so far, in microseconds. */
  cpuMicros(): number;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Where the log files and nginx's config go; deleted by the caller. */
  readonly dir: string;
  readonly token: string;
  /** The nginx binary, or undefined to leave nginx out. */
  readonly nginx: string | undefined;
  /** Extra environment for the frontend (BACKEND_CONNECTIONS while tuning). */
  readonly frontendEnv: Readonly<Record<string, string>>;
  /** The services' compile cache, from writeCompileCache; undefined for none. */
  readonly compileCache: string | undefined;
  /** Extra node flags for the two services (--cpu-prof while profiling). */
  readonly nodeFlags: (service: 'backend' | 'frontend') => readonly string[];
}

const ROOT = new URL('../', import.meta.url).pathname;
const NODE = process.execPath;
const QUERY = '?name=bench';
/**
 * Writes the services' compile cache into `dir` as each image build does
 * (services/compile-cache.ts), so that a start here is a container's start.
 */
export function writeCompileCache(dir: string): void {
  for (const service of ['backend', 'frontend']) {
    execFileSync(NODE, [join(ROOT, 'services/compile-cache.ts'), service], { env: { PATH: process.env.PATH ?? '', NODE_COMPILE_CACHE: dir }, stdio: 'inherit' });
  }
}

/**
 * Starts every process fresh, one after the other so each start-up is timed
 * on a quiet machine: the backend, then what goes in front of it.
 *
 * Both services run as in production: LOG_LEVEL=info, LOG_FORMAT=json,
 * stdout appended to a file (a write(2) per line, as into the pipe awslogs
 * reads; /dev/null would hide the cost of the copy), the image's compile
 * cache, INTERNAL_TOKEN set so neither calls AWS.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const { dir, token } = options;
  const started: Started[] = [];
  const stop = async () => {
    // In reverse: the proxies before the backend they call.
    for (const child of started.toReversed()) await stopProcess(child);
  };
  try {
    const production = {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      ...(options.compileCache === undefined ? {} : { NODE_COMPILE_CACHE: options.compileCache }),
      INTERNAL_TOKEN: token,
    };
    const backendPort = await freePort();
    const backendUrl = `http://127.0.0.1:${backendPort}`;
    const backend = await startProcess({
      name: 'backend',
      command: NODE,
      args: [...containerNodeFlags('backend'), ...options.nodeFlags('backend'), join(ROOT, 'services/backend/main.ts')],
      env: { ...production, PORT: String(backendPort) },
      healthUrl: `${backendUrl}/health`,
      logFile: join(dir, 'backend.log'),
    });
    started.push(backend);
    const variants: Variant[] = [{ key: 'A', front: backend, target: { url: `${backendUrl}/hello${QUERY}`, headers: { authorization: `Bearer ${token}` } } }];

    const frontendPort = await freePort();
    const frontend = await startProcess({
      name: 'frontend',
      command: NODE,
      args: [...containerNodeFlags('frontend'), ...options.nodeFlags('frontend'), join(ROOT, 'services/frontend/main.ts')],
      env: { ...production, ...options.frontendEnv, PORT: String(frontendPort), BACKEND_URL: backendUrl },
      healthUrl: `http://127.0.0.1:${frontendPort}/health/ready`,
      logFile: join(dir, 'frontend.log'),
    });
    started.push(frontend);
    variants.push({ key: 'B', front: frontend, target: { url: `http://127.0.0.1:${frontendPort}/api/hello${QUERY}` } });

    const replyFromPort = await freePort();
    const replyFrom = await startProcess({
      name: 'reply-from proxy',
      command: NODE,
      // Our frontend's node options too: its 8 MB semi-spaces would help any
      // proxy that waits on a backend, so B and C compare code, not flags.
      args: [...containerNodeFlags('frontend'), join(ROOT, 'bench/reply-from-proxy.ts')],
      env: { PATH: production.PATH, PORT: String(replyFromPort), BACKEND_URL: backendUrl, INTERNAL_TOKEN: token },
      healthUrl: `http://127.0.0.1:${replyFromPort}/health`,
    });
    started.push(replyFrom);
    variants.push({ key: 'C', front: replyFrom, target: { url: `http://127.0.0.1:${replyFromPort}/api/hello${QUERY}` } });

    if (options.nginx !== undefined) {
      const nginxPort = await freePort();
      const nginx = await startProcess({
        name: 'nginx',
        command: options.nginx,
        args: nginxArgs({ dir, port: nginxPort, backendPort, token }),
        env: { PATH: production.PATH },
        healthUrl: `http://127.0.0.1:${nginxPort}/health`,
      });
      started.push(nginx);
      variants.push({ key: 'D', front: nginx, target: { url: `http://127.0.0.1:${nginxPort}/api/hello${QUERY}` } });
    }
    return { backend, variants, cpuMicros: () => started.reduce((sum, child) => sum + cpuMicros(child.pid), 0), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
