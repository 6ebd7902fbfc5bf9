import assert from 'node:assert/strict';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';

/** One request of a load run, timed with performance.now(). */
export interface Sample {
  readonly start: number;
  readonly end: number;
  /**
   * "200"; else the status and the JSON error body's code ("503 backend_unavailable"),
   * the bare status for a JSON body without a code, "<status> not-json" for any
   * other body; or the client's error code when there was no answer ("ECONNREFUSED").
   */
  readonly outcome: string;
  /** The answer's x-request-id header: what the service's access line is keyed by. */
  readonly requestId: string | undefined;
}

export interface LoadOptions {
  /** Keep-alive connections, each sending its next request once the last one is answered. */
  readonly connections: number;
  /** The most requests sent per second, over all connections: a steady load, not a flood. */
  readonly ratePerSecond: number;
  readonly path: string;
}

// Nothing a test waits for takes this long: a request that does is a hang,
// and shows as UND_ERR_HEADERS_TIMEOUT rather than stalling the test.
const CLIENT_TIMEOUT_MS = 10_000;

function outcomeOf(status: number, body: string): string {
  if (status === 200) return '200';
  try {
    const parsed = JSON.parse(body) as { statusCode?: unknown; code?: unknown };
    if (parsed.statusCode !== status) return `${status} not-json`;
    return typeof parsed.code === 'string' ? `${status} ${parsed.code}` : String(status);
  } catch {
    return `${status} not-json`;
  }
}

/** Steady load on `origin` until stop(): what a load balancer sends a busy task. */
export class Load {
  readonly samples: Sample[] = [];
  readonly options: LoadOptions;
  readonly #pool: Pool;
  readonly #intervalMs: number;
  readonly #workers: Array<Promise<void>>;
  readonly #arrived = new EventTarget();
  #running = true;
  /** While paused: resolves when the load resumes. */
  #resumed: Promise<void> | undefined;
  #resume: (() => void) | undefined;
  /** Connections that have sent a request and not yet had its answer. */
  #busy = 0;
  readonly #idle = new EventTarget();

  constructor(origin: string, options: LoadOptions) {
    this.options = options;
    this.#intervalMs = (1000 * options.connections) / options.ratePerSecond;
    this.#pool = new Pool(origin, {
      connections: options.connections,
      headersTimeout: CLIENT_TIMEOUT_MS,
      bodyTimeout: CLIENT_TIMEOUT_MS,
    });
    this.#workers = Array.from({ length: options.connections }, () => this.#work());
  }

  async #work(): Promise<void> {
    while (this.#running) {
      if (this.#resumed !== undefined) {
        await this.#resumed;
        continue;
      }
      const start = performance.now();
      let outcome: string;
      let requestId: string | undefined;
      this.#busy += 1;
      try {
        const res = await this.#pool.request({ method: 'GET', path: this.options.path });
        const id = res.headers['x-request-id'];
        if (typeof id === 'string') requestId = id;
        const body = res.statusCode === 200 ? (await res.body.dump(), '') : await res.body.text();
        outcome = outcomeOf(res.statusCode, body);
      } catch (error) {
        outcome = String((error as { code?: unknown }).code ?? (error as Error).name);
      }
      const sample = { start, end: performance.now(), outcome, requestId };
      this.#busy -= 1;
      if (this.#busy === 0) this.#idle.dispatchEvent(new Event('idle'));
      this.samples.push(sample);
      this.#arrived.dispatchEvent(new Event('sample'));
      const early = start + this.#intervalMs - performance.now();
      if (early > 0) await sleep(early);
    }
  }

  /**
   * Resolves with the `count`-th sample from now on that matches (the first
   * by default), or rejects after `timeoutMs`: a deadline for something that
   * should happen, never a measure of how long it took.
   */
  next(matches: (sample: Sample) => boolean, timeoutMs: number, count = 1): Promise<Sample> {
    return new Promise((resolve, reject) => {
      let seen = 0;
      const timer = setTimeout(() => {
        this.#arrived.removeEventListener('sample', check);
        reject(new Error(`${seen} of ${count} matching answers within ${timeoutMs} ms`));
      }, timeoutMs);
      const check = () => {
        const sample = this.samples.at(-1);
        if (sample === undefined || !matches(sample) || ++seen < count) return;
        clearTimeout(timer);
        this.#arrived.removeEventListener('sample', check);
        resolve(sample);
      };
      this.#arrived.addEventListener('sample', check);
    });
  }

  /**
   * Sends no new request until resume(), and resolves once every request sent
   * has been answered: the server is then idle, its keep-alive connections open.
   */
  async pause(): Promise<void> {
    if (this.#resumed === undefined) {
      const { promise, resolve } = Promise.withResolvers<void>();
      this.#resumed = promise;
      this.#resume = resolve;
    }
    if (this.#busy > 0) await once(this.#idle, 'idle');
  }

  resume(): void {
    const resume = this.#resume;
    this.#resumed = undefined;
    this.#resume = undefined;
    resume?.();
  }

  /** Sends no new request, waits for the outstanding ones, and returns every sample. */
  async stop(): Promise<Sample[]> {
    this.#running = false;
    this.resume();
    await Promise.all(this.#workers);
    await this.#pool.destroy();
    return this.samples;
  }
}

export function startLoad(t: TestContext, origin: string, options: LoadOptions): Load {
  const load = new Load(origin, options);
  t.after(() => load.stop());
  return load;
}

export interface Summary {
  /** Requests that reached a server: answered, reset or timed out. */
  readonly sent: number;
  /** Requests sent that did not get a 200. */
  readonly failed: number;
  /** Connections refused: nothing listened (a stopped task), so no request was sent. */
  readonly refused: number;
  /** How many requests had each outcome, most frequent first. */
  readonly outcomes: Readonly<Record<string, number>>;
  readonly worstMs: number;
}

export function summarize(samples: readonly Sample[]): Summary {
  const counts = new Map<string, number>();
  for (const { outcome } of samples) counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
  const refused = counts.get('ECONNREFUSED') ?? 0;
  return {
    sent: samples.length - refused,
    failed: samples.length - refused - (counts.get('200') ?? 0),
    refused,
    outcomes: Object.fromEntries([...counts].sort(([, a], [, b]) => b - a)),
    worstMs: Math.round(Math.max(0, ...samples.map((sample) => sample.end - sample.start))),
  };
}

/**
 * The line docs/reliability.md's table is copied from, one per fault, for a stopped load:
 * `reliability | <fault> | <load> | sent N | failed N | refused N | worst N ms | {outcomes}`.
 */
export function report(t: TestContext, fault: string, load: Load): Summary {
  const { samples, options } = load;
  const summary = summarize(samples);
  const seconds = samples.length === 0 ? 0 : (Math.max(...samples.map((s) => s.end)) - Math.min(...samples.map((s) => s.start))) / 1000;
  const label = `${options.connections} connections, up to ${options.ratePerSecond} req/s, ${seconds.toFixed(1)} s`;
  t.diagnostic(
    `reliability | ${fault} | ${label} | sent ${summary.sent} | failed ${summary.failed} | refused ${summary.refused} | worst ${summary.worstMs} ms | ${JSON.stringify(summary.outcomes)}`,
  );
  return summary;
}

export interface Latencies {
  readonly count: number;
  readonly minMs: number;
  readonly medianMs: number;
  readonly maxMs: number;
}

/** How long the requests with `outcome` took, rounded to the millisecond (Infinity when there were none). */
export function latencies(samples: readonly Sample[], outcome: string): Latencies {
  const ms = samples.filter((sample) => sample.outcome === outcome).map((sample) => sample.end - sample.start).sort((a, b) => a - b);
  const at = (index: number) => Math.round(ms[index] ?? Infinity);
  return { count: ms.length, minMs: at(0), medianMs: at(Math.floor(ms.length / 2)), maxMs: at(ms.length - 1) };
}

/** Fails unless every request had one of the `allowed` outcomes. */
export function assertOutcomes(summary: Summary, allowed: readonly string[]): void {
  const unexpected = Object.keys(summary.outcomes).filter((outcome) => !allowed.includes(outcome));
  assert.deepEqual(unexpected, [], `only ${allowed.join(', ')}: ${JSON.stringify(summary.outcomes)}`);
}
