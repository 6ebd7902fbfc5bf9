// What is compared: the backend alone (A, the limit for this hop), our
// frontend in front of it (B), and the peers in front of the same backend:
// the floor of the approach, a bare node:http server with one undici Pool
// (F), a plain @fastify/reply-from proxy (C) and nginx (D, when installed).
// And no backend at all: the cheapest answer a server gives (G), the load
// generator's ceiling.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { FrontendEnv } from '../../services/frontend/config.ts';
import { defaultOf } from '../../services/shared/load-config.ts';
import { containerNodeFlags } from '../../test/helpers/node-flags.ts';
import type { Target } from './load.ts';
import { nginxArgs } from './nginx.ts';
import { freePort, startProcess, stopProcess, type Started } from './processes.ts';

export type VariantKey = 'G' | 'A' | 'B' | 'F' | 'C' | 'D';

export const VARIANT_NAMES: Readonly<Record<VariantKey, string>> = {
  G: 'generator ceiling',
  A: 'backend alone',
  B: 'our frontend',
  F: 'floor: node:http + Pool',
  C: 'reply-from, plain',
  D: 'nginx keep-alive',
};

/** The order of the report's rows. */
export const VARIANT_ORDER: readonly VariantKey[] = ['G', 'A', 'B', 'F', 'C', 'D'];

export interface Variant {
  readonly key: VariantKey;
  readonly target: Target;
  /** The process the load goes through: the proxy, or for A the backend itself. */
  readonly front: Started;
}

export interface Stack {
  readonly backend: Started;
  /** What answers G: nginx's `return 200`, or without nginx trivial-server.ts. */
  readonly ceilingServer: string;
  readonly variants: readonly Variant[];
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Where the log files and nginx's config go; deleted by the caller. */
  readonly dir: string;
  readonly token: string;
  /** The nginx binary, or undefined to leave nginx out. */
  readonly nginx: string | undefined;
  /** The frontend's BACKEND_CONNECTIONS, which the floor's pool uses too. */
  readonly backendConnections: number;
  /** The services' compile cache, from writeCompileCache; undefined for none. */
  readonly compileCache: string | undefined;
  /** Extra node flags for the two services (--cpu-prof while profiling). */
  readonly nodeFlags: (service: 'backend' | 'frontend') => readonly string[];
}

const ROOT = new URL('../../', import.meta.url).pathname;
const NODE = process.execPath;
const QUERY = '?name=bench';

/**
 * The frontend's default BACKEND_CONNECTIONS, read from its config schema
 * (its config module, not the app): the floor's pool gets the same number.
 */
export function frontendDefaultBackendConnections(): number {
  return defaultOf(FrontendEnv, 'BACKEND_CONNECTIONS');
}

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
      env: { ...production, PORT: String(frontendPort), BACKEND_URL: backendUrl, BACKEND_CONNECTIONS: String(options.backendConnections) },
      healthUrl: `http://127.0.0.1:${frontendPort}/health/ready`,
      logFile: join(dir, 'frontend.log'),
    });
    started.push(frontend);
    variants.push({ key: 'B', front: frontend, target: { url: `http://127.0.0.1:${frontendPort}/api/hello${QUERY}` } });

    const floorPort = await freePort();
    const floor = await startProcess({
      name: 'floor proxy',
      command: NODE,
      // The frontend's node options, as for C.
      args: [...containerNodeFlags('frontend'), join(ROOT, 'tools/bench/floor-proxy.ts')],
      env: { PATH: production.PATH, PORT: String(floorPort), BACKEND_URL: backendUrl, BACKEND_CONNECTIONS: String(options.backendConnections), INTERNAL_TOKEN: token },
      healthUrl: `http://127.0.0.1:${floorPort}/health`,
    });
    started.push(floor);
    variants.push({ key: 'F', front: floor, target: { url: `http://127.0.0.1:${floorPort}/api/hello${QUERY}` } });

    const replyFromPort = await freePort();
    const replyFrom = await startProcess({
      name: 'reply-from proxy',
      command: NODE,
      // Our frontend's node options too: its 8 MB semi-spaces would help any
      // proxy that waits on a backend, so B and C compare code, not flags.
      args: [...containerNodeFlags('frontend'), join(ROOT, 'tools/bench/reply-from-proxy.ts')],
      env: { PATH: production.PATH, PORT: String(replyFromPort), BACKEND_URL: backendUrl, INTERNAL_TOKEN: token },
      healthUrl: `http://127.0.0.1:${replyFromPort}/health`,
    });
    started.push(replyFrom);
    variants.push({ key: 'C', front: replyFrom, target: { url: `http://127.0.0.1:${replyFromPort}/api/hello${QUERY}` } });

    const ceilingPort = await freePort();
    let ceilingServer: string;
    if (options.nginx !== undefined) {
      const nginxPort = await freePort();
      // One nginx, two servers: the proxy (D) and, on its own port, the
      // trivial answer (G). They are never loaded at the same time.
      const nginx = await startProcess({
        name: 'nginx',
        command: options.nginx,
        args: nginxArgs({ dir, port: nginxPort, backendPort, token, ceilingPort }),
        env: { PATH: production.PATH },
        healthUrl: `http://127.0.0.1:${nginxPort}/health`,
      });
      started.push(nginx);
      variants.push({ key: 'D', front: nginx, target: { url: `http://127.0.0.1:${nginxPort}/api/hello${QUERY}` } });
      variants.push({ key: 'G', front: nginx, target: { url: `http://127.0.0.1:${ceilingPort}/` } });
      ceilingServer = "nginx `return 200` (the same single worker as D, no log)";
    } else {
      const trivial = await startProcess({
        name: 'trivial server',
        command: NODE,
        args: [join(ROOT, 'tools/bench/trivial-server.ts')],
        env: { PATH: production.PATH, PORT: String(ceilingPort) },
        healthUrl: `http://127.0.0.1:${ceilingPort}/`,
      });
      started.push(trivial);
      variants.push({ key: 'G', front: trivial, target: { url: `http://127.0.0.1:${ceilingPort}/` } });
      ceilingServer = 'tools/bench/trivial-server.ts, a bare node:http server (nginx not installed): it saturates before wrk, so this ceiling is a lower bound';
    }
    return { backend, ceilingServer, variants, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
