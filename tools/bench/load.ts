// A load generator in this process: autocannon's programmatic API, for
// compose-capacity.ts's closed-loop run. `npm run bench` uses wrk instead
// (wrk.ts): autocannon reaches its own ceiling before the backend does.
import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';

export interface Target {
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface LoadResult {
  /** Answers received: all of them 2xx, unless failures says otherwise. */
  readonly requests: number;
  /** Connection errors, timeouts and non-2xx answers. */
  readonly failures: number;
  readonly failureSummary: string;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  /** Latency percentiles in milliseconds, to the microsecond. */
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** The value below which `fraction` of the sorted samples fall (nearest rank). */
export function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank]!;
}

interface Cannonade {
  readonly latencies: Float64Array;
  readonly result: autocannon.Result;
  /** From start to the end of the last answer: autocannon stops at the first tick after `duration`. */
  readonly seconds: number;
}

/**
 * One autocannon instance. Its own latency histogram keeps whole
 * milliseconds, too coarse for "within 1 ms", so each answer's time (a
 * float, from process.hrtime) is recorded here as well.
 */
async function cannon(target: Target, options: { connections: number; seconds: number }): Promise<Cannonade> {
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  const started = performance.now();
  const finished = Promise.withResolvers<autocannon.Result>();
  const instance = autocannon(
    {
      url: target.url,
      headers: { ...target.headers },
      connections: options.connections,
      duration: options.seconds,
    },
    (error: Error | null, result) => (error ? finished.reject(error) : finished.resolve(result)),
  );
  instance.on('response', (_client, _status, _bytes, responseTime) => {
    if (count === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[count++] = responseTime;
  });
  const result = await finished.promise;
  return { latencies: latencies.subarray(0, count), result, seconds: (performance.now() - started) / 1000 };
}

function summarise(target: Target, { latencies, result, seconds }: Cannonade): LoadResult {
  const sorted = latencies.slice().sort();
  const codes: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) codes[code] = stats.count ?? 0;
  return {
    requests: sorted.length,
    failures: result.errors + result.non2xx,
    failureSummary: `${target.url}: ${result.errors} errors (${result.timeouts} timeouts), ${result.non2xx} non-2xx answers, status codes ${JSON.stringify(codes)}`,
    seconds,
    requestsPerSecond: sorted.length / seconds,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
  };
}

/**
 * Closed-loop load: each connection sends its next request as soon as the
 * answer to the last one arrives. Errors and non-2xx answers fail the run: a
 * broken variant gives no numbers.
 */
export async function run(target: Target, options: { connections: number; seconds: number }): Promise<LoadResult> {
  const result = summarise(target, await cannon(target, options));
  if (result.failures > 0) throw new Error(result.failureSummary);
  return result;
}
