// The Docker Engine API, over its Unix socket: the few calls the endpoints
// make, and the parts of Docker's answers they read. Whoever can use this
// socket is root on the host (docs/parity.md): only the namespace owner,
// which serves ECS's endpoints, is given it.
import { request, type IncomingMessage } from 'node:http';
import { createInterface } from 'node:readline';

// Docker 20.10's API version: every engine since then still serves it.
const API = '/v1.41';

/** A container of `GET /containers/json`. */
export interface ContainerSummary {
  readonly Id: string;
  readonly Labels: Readonly<Record<string, string>>;
}

/** The parts of `GET /containers/{id}/json` the metadata is made of. */
export interface ContainerInspect {
  readonly Id: string;
  readonly Name: string;
  /** The image's id, sha256:... */
  readonly Image: string;
  readonly Created: string;
  readonly RestartCount: number;
  readonly Config: { readonly Image: string; readonly Labels: Readonly<Record<string, string>> };
  readonly State: {
    /** created, running, paused, restarting, removing, exited or dead. */
    readonly Status: string;
    readonly ExitCode: number;
    readonly StartedAt: string;
    readonly FinishedAt: string;
    readonly Health?: {
      /** starting, healthy or unhealthy. */
      readonly Status: string;
      readonly Log: ReadonlyArray<{ readonly ExitCode: number; readonly Output: string }> | null;
    };
  };
  readonly HostConfig: {
    readonly CpuShares: number;
    readonly NanoCpus: number;
    /** Bytes; 0 without a limit. */
    readonly Memory: number;
    readonly LogConfig: { readonly Type: string; readonly Config: Readonly<Record<string, string>> };
  };
}

/** Docker's stats JSON for one container, as `docker stats` reads it: `read`, `preread`, `cpu_stats`, `precpu_stats`, `memory_stats`, ... */
export type DockerStats = Readonly<Record<string, unknown>>;

export interface DockerApi {
  /** The containers of a compose project, running or not. */
  containers(project: string): Promise<ContainerSummary[]>;
  inspect(id: string): Promise<ContainerInspect>;
  /** Docker's stats for a container, one document a second, until `signal` aborts or the container stops. */
  stats(id: string, signal: AbortSignal): AsyncIterable<DockerStats>;
}

/** A Docker API answer other than 200: the status and Docker's message. */
export class DockerError extends Error {
  readonly status: number;

  constructor(status: number, path: string, body: string) {
    let message = body;
    try {
      message = (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {}
    super(`Docker API GET ${path}: ${status} ${message.trim()}`);
    this.name = 'DockerError';
    this.status = status;
  }
}

/** The Docker Engine API on the Unix socket at `socketPath`. */
export function dockerOverSocket(socketPath: string, timeoutMs = 5_000): DockerApi {
  const get = (path: string, signal: AbortSignal) =>
    new Promise<IncomingMessage>((resolve, reject) => {
      const req = request({ socketPath, path: `${API}${path}`, signal }, resolve);
      req.on('error', reject).end();
    });

  const json = async <T>(path: string): Promise<T> => {
    const res = await get(path, AbortSignal.timeout(timeoutMs));
    let body = '';
    for await (const chunk of res.setEncoding('utf8')) body += chunk;
    if (res.statusCode !== 200) throw new DockerError(res.statusCode ?? 0, path, body);
    return JSON.parse(body) as T;
  };

  return {
    containers(project) {
      const filters = JSON.stringify({ label: [`com.docker.compose.project=${project}`] });
      return json(`/containers/json?all=true&filters=${encodeURIComponent(filters)}`);
    },
    inspect(id) {
      return json(`/containers/${encodeURIComponent(id)}/json`);
    },
    async *stats(id, signal) {
      const path = `/containers/${encodeURIComponent(id)}/stats?stream=true`;
      const res = await get(path, signal);
      if (res.statusCode !== 200) {
        let body = '';
        for await (const chunk of res.setEncoding('utf8')) body += chunk;
        throw new DockerError(res.statusCode ?? 0, path, body);
      }
      // One JSON document per line, about once a second.
      for await (const line of createInterface({ input: res })) {
        if (line.trim() !== '') yield JSON.parse(line) as DockerStats;
      }
    },
  };
}
