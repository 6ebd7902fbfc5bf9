// The task's CPU and memory, per container, from the ECS task metadata
// endpoint v4: `${ECS_CONTAINER_METADATA_URI_V4}/task` (the task's size, its
// containers and their limits) and `/task/stats` (Docker's stats JSON for
// each container, by DockerId). The shapes are AWS's documented examples,
// quoted in test/fixtures/task-metadata.ts.
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { HttpError } from '../shared/errors.ts';
import type { TaskUsage } from '../shared/schemas.ts';

type Fields = Readonly<Record<string, unknown>>;
type ContainerUsage = TaskUsage['containers'][number];

const MIB = 1024 * 1024;

function fields(value: unknown): Fields | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : undefined;
}

const count = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined);
const positive = (value: unknown): number | undefined => (count(value) ?? 0) > 0 ? (value as number) : undefined;
const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Seconds since the epoch and nanoseconds of an RFC 3339 time with up to nine fractional digits, as Docker writes `read`. */
function parseTime(text: unknown): { seconds: number; nanos: number } | undefined {
  if (typeof text !== 'string') return undefined;
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (match === null) return undefined;
  const ms = Date.parse(`${match[1]}${match[3]}`);
  return Number.isNaN(ms) ? undefined : { seconds: ms / 1000, nanos: Number((match[2] ?? '').padEnd(9, '0')) };
}

/**
 * vCPU used between Docker's two samples: nanoseconds of CPU time over
 * nanoseconds of wall time. Null without a previous sample: Docker then
 * writes its zero time ("0001-01-01T00:00:00Z") as `preread`.
 */
export function cpuOf(stats: Fields): number | null {
  const used = count(fields(fields(stats.cpu_stats)?.cpu_usage)?.total_usage);
  const before = count(fields(fields(stats.precpu_stats)?.cpu_usage)?.total_usage);
  const now = parseTime(stats.read);
  const then = parseTime(stats.preread);
  if (used === undefined || before === undefined || now === undefined || then === undefined || then.seconds <= 0) return null;
  // Differences first: nanoseconds since the epoch are beyond a double's precision.
  const interval = (now.seconds - then.seconds) * 1e9 + (now.nanos - then.nanos);
  if (interval <= 0 || used < before) return null;
  return (used - before) / interval;
}

/**
 * Bytes in use as `docker stats` counts them: the usage without the page
 * cache the kernel can reclaim (total_inactive_file on cgroup v1,
 * inactive_file on v2; Docker 19.03 and older subtracted `cache`).
 */
export function memoryOf(stats: Fields): number | null {
  const memory = fields(stats.memory_stats);
  const usage = count(memory?.usage);
  if (usage === undefined) return null;
  const detail = fields(memory?.stats) ?? {};
  const reclaimable = count(detail.total_inactive_file) ?? count(detail.inactive_file) ?? count(detail.cache) ?? 0;
  return reclaimable < usage ? usage - reclaimable : usage;
}

/**
 * The two documents read into what /api/task answers; undefined for a
 * document that is not the shape AWS documents. A container whose stats are
 * null or missing (just started, or stopped) has null usage. Without a
 * memory limit of its own a container is bounded by the task's: Docker then
 * reports no limit, as a huge number.
 */
export function readTaskUsage(task: unknown, stats: unknown): TaskUsage | undefined {
  const doc = fields(task);
  const byDockerId = fields(stats);
  const limits = fields(doc?.Limits);
  const cpu = positive(limits?.CPU);
  const memoryMiB = positive(limits?.Memory);
  if (doc === undefined || byDockerId === undefined || cpu === undefined || memoryMiB === undefined || !Array.isArray(doc.Containers)) return undefined;
  const containers: ContainerUsage[] = [];
  for (const entry of doc.Containers as unknown[]) {
    const container = fields(entry);
    if (typeof container?.Name !== 'string' || typeof container.DockerId !== 'string') return undefined;
    const sample = fields(byDockerId[container.DockerId]);
    const reported = count(fields(sample?.memory_stats)?.limit);
    const limitMiB = positive(fields(container.Limits)?.Memory) ?? Math.min(memoryMiB, reported === undefined ? Infinity : reported / MIB);
    const used = sample === undefined ? null : cpuOf(sample);
    const bytes = sample === undefined ? null : memoryOf(sample);
    containers.push({
      name: container.Name,
      cpu: used === null ? null : round(used, 4),
      memoryMiB: bytes === null ? null : round(bytes / MIB, 2),
      memoryLimitMiB: round(limitMiB, 2),
    });
  }
  return { limits: { cpu, memoryMiB }, containers };
}

// undici's error codes, grouped as backend-client.ts groups them.
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED']);

const unusable = (message: string, options?: ErrorOptions) => new HttpError(502, 'task_metadata_error', message, options);

/**
 * What the caller sees when the endpoint fails: 503 when it cannot be
 * reached or is throttling us (ECS rate-limits it), 504 when it is too slow,
 * 502 when it answers something we cannot use.
 */
function toHttpError(error: unknown, timedOut: boolean): HttpError {
  if (error instanceof HttpError) return error;
  if (timedOut) return new HttpError(504, 'task_metadata_timeout', 'The task metadata endpoint did not answer in time.', { cause: error });
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && UNREACHABLE.has(code)) {
    return new HttpError(503, 'task_metadata_unavailable', 'The task metadata endpoint cannot be reached.', { cause: error });
  }
  return unusable('The task metadata endpoint sent an answer the frontend cannot use.', { cause: error });
}

function unexpectedStatus(status: number): HttpError {
  if (status === 429 || status === 503) return new HttpError(503, 'task_metadata_unavailable', `The task metadata endpoint answered ${status}; retry shortly.`);
  return unusable(`The task metadata endpoint answered with status ${status}.`);
}

export interface TaskMetadataOptions {
  /** ECS_CONTAINER_METADATA_URI_V4; undefined outside ECS and the compose task. */
  readonly uri: string | undefined;
  /** How long one read may take, each document. */
  readonly timeoutMs?: number;
  /** How long an answer, or a failure, is reused after it came. */
  readonly ttlMs?: number;
}

/**
 * Reads the endpoint only when asked, and shares one read among every caller
 * for ttlMs after it: ECS rate-limits the endpoints (containers-roadmap#1649),
 * and a status page open in many tabs must not multiply the calls.
 */
export class TaskMetadata {
  readonly #pool: Pool | undefined;
  readonly #path: string;
  readonly #timeoutMs: number;
  readonly #ttlMs: number;
  #last: { readonly usage: Promise<TaskUsage>; settledAt: number | undefined } | undefined;

  constructor(options: TaskMetadataOptions) {
    this.#timeoutMs = options.timeoutMs ?? 2_000;
    this.#ttlMs = options.ttlMs ?? 2_000;
    const url = options.uri === undefined ? undefined : new URL(options.uri);
    this.#path = url?.pathname.replace(/\/$/, '') ?? '';
    // undici, as backend-client.ts: the frontend loads it anyway, and its
    // errors carry the codes (ECONNREFUSED, ...) that the mapping above and
    // the access log's `cause` read; fetch hides them behind a TypeError.
    this.#pool = url === undefined ? undefined : new Pool(url.origin, { connections: 2, connectTimeout: this.#timeoutMs });
  }

  read(): Promise<TaskUsage> {
    if (this.#pool === undefined) {
      return Promise.reject(
        new HttpError(503, 'no_task_metadata', 'There is no task metadata endpoint here (ECS_CONTAINER_METADATA_URI_V4 is not set): run the task on Fargate or with docker compose.'),
      );
    }
    const last = this.#last;
    if (last !== undefined && (last.settledAt === undefined || performance.now() - last.settledAt < this.#ttlMs)) return last.usage;
    const next = { usage: this.#readBoth(this.#pool), settledAt: undefined as number | undefined };
    const settled = () => void (next.settledAt = performance.now());
    next.usage.then(settled, settled);
    this.#last = next;
    return next.usage;
  }

  async #readBoth(pool: Pool): Promise<TaskUsage> {
    const [task, stats] = await Promise.all([this.#getJson(pool, '/task'), this.#getJson(pool, '/task/stats')]);
    const usage = readTaskUsage(task, stats);
    if (usage === undefined) throw unusable('The task metadata endpoint answered in a shape the frontend does not know.');
    return usage;
  }

  async #getJson(pool: Pool, path: string): Promise<unknown> {
    const signal = AbortSignal.timeout(this.#timeoutMs);
    try {
      // A new connection each time (reset): reads are seconds apart, and a
      // kept-alive one that the endpoint closed meanwhile would fail the read.
      const res = await pool.request({ method: 'GET', path: `${this.#path}${path}`, headers: { accept: 'application/json' }, reset: true, signal });
      if (res.statusCode !== 200) {
        await res.body.dump();
        throw unexpectedStatus(res.statusCode);
      }
      return await res.body.json();
    } catch (error) {
      throw toHttpError(error, signal.aborted);
    }
  }

  async close(): Promise<void> {
    await this.#pool?.close();
  }
}
