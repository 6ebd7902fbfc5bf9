// Open-loop load: requests leave on a schedule (Poisson arrivals, or evenly
// spaced), whatever the server is doing, and each latency is timed from the
// request's scheduled send time. A closed-loop generator waits for an answer
// before sending the next request, so a server that stalls also stalls the
// load and its latency never shows (coordinated omission). autocannon's
// overallRate is closed-loop within each second: it sends the second's budget
// in a burst, which a CPU quota then throttles.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { percentile } from './load.ts';

export type Arrivals = 'poisson' | 'even';

export interface OpenLoopOptions {
  readonly origin: string;
  readonly path: string;
  /** Requests per second, on average. */
  readonly rate: number;
  readonly seconds: number;
  /**
   * The rate grows linearly from nothing to `rate` over these first seconds,
   * as a load balancer's slow start ramps up a new target's share. 0: none.
   */
  readonly rampSeconds?: number;
  readonly arrivals: Arrivals;
  /** Keep-alive connections, as a load balancer keeps many open to a target. */
  readonly connections: number;
  /** Past this an answer counts as a failure ("timeout"). */
  readonly timeoutMs: number;
  /** The seed of the arrival times, so that two runs send the same schedule. */
  readonly seed?: number;
}

export interface OpenLoopResult {
  readonly rate: number;
  readonly arrivals: Arrivals;
  readonly sent: number;
  /** 200 answers. */
  readonly ok: number;
  /** Everything else, by status or error code. */
  readonly failures: Readonly<Record<string, number>>;
  /** From each request's scheduled send time to the end of its answer, 200s only. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  /**
   * How late the generator itself sent requests (p99): its own ceiling. It
   * is part of every latency above, so a lagging generator makes the server
   * look slower, never faster.
   */
  readonly sendLagP99Ms: number;
}

/** mulberry32: a small seeded generator, for arrival times that repeat from run to run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Sends `rate` requests a second for `seconds` on schedule, and times each one from its schedule. */
export async function openLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const { rate, seconds, arrivals, timeoutMs } = options;
  const rampMs = (options.rampSeconds ?? 0) * 1000;
  const next = random(options.seed ?? 1);
  const pool = new Pool(options.origin, { connections: options.connections, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const latencies: number[] = [];
  const lags: number[] = [];
  const failures: Record<string, number> = {};
  const fail = (outcome: string): void => {
    failures[outcome] = (failures[outcome] ?? 0) + 1;
  };
  const inFlight = new Set<Promise<void>>();

  const send = (scheduled: number) => {
    lags.push(performance.now() - scheduled);
    const done = pool
      .request({ method: 'GET', path: options.path })
      .then(async (res) => {
        await res.body.dump();
        const ms = performance.now() - scheduled;
        if (res.statusCode !== 200) fail(String(res.statusCode));
        else if (ms > timeoutMs) fail('timeout');
        else latencies.push(ms);
      })
      .catch((error: unknown) => fail(String((error as { code?: unknown }).code ?? (error as Error).name)));
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  };

  const start = performance.now() + 10;
  const end = start + seconds * 1000;
  // Arrivals as a count: each one adds 1 (even) or an exponential draw
  // (Poisson) to the expected arrivals so far, and its time is where the rate
  // (linear during the ramp, then flat) has accumulated that many.
  const rampArrivals = (rate * rampMs) / 2000;
  const timeOf = (expected: number) =>
    start + (expected < rampArrivals ? Math.sqrt((2 * rampMs * expected) / (rate / 1000)) : rampMs + ((expected - rampArrivals) * 1000) / rate);
  let expected = 0;
  let due = start;
  let sent = 0;
  while (due < end) {
    const now = performance.now();
    if (due > now) {
      // Timers fire about a millisecond late at best: wake often, send whatever is due.
      await sleep(Math.min(due - now, 1));
      continue;
    }
    while (due <= now && due < end) {
      send(due);
      sent += 1;
      expected += arrivals === 'even' ? 1 : -Math.log(1 - next());
      due = timeOf(expected);
    }
  }
  await Promise.all(inFlight);
  await pool.close();

  const sorted = Float64Array.from(latencies).sort();
  const lagSorted = Float64Array.from(lags).sort();
  const ms = (value: number) => Math.round(value * 1000) / 1000;
  return {
    rate,
    arrivals,
    sent,
    ok: latencies.length,
    failures,
    p50Ms: ms(percentile(sorted, 0.5)),
    p99Ms: ms(percentile(sorted, 0.99)),
    p999Ms: ms(percentile(sorted, 0.999)),
    maxMs: ms(sorted.at(-1) ?? Number.NaN),
    sendLagP99Ms: ms(percentile(lagSorted, 0.99)),
  };
}
