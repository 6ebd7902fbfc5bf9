import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import underPressure from '@fastify/under-pressure';
import { errorBody } from '../shared/errors.ts';
import type { App } from '../shared/server.ts';

/**
 * The heap size past which the frontend sheds load: three quarters of what
 * the process may use before it is killed, the container's memory limit or
 * V8's heap limit, whichever is lower (in a 256 MiB container V8's limit is
 * 259 MiB). `constrainedMemory` is 0 where no limit is known (`npm start`
 * on a laptop): then V8's limit alone. The heap, not RSS: RSS rarely shrinks
 * after a burst, so a bound on it would go on shedding long after the
 * pressure has passed.
 */
export function heapSheddingBound(heapLimit: number, constrainedMemory: number): number {
  const limit = constrainedMemory > 0 ? Math.min(heapLimit, constrainedMemory) : heapLimit;
  return Math.round(0.75 * limit);
}

// As under-pressure samples: a stall sheds load until the next check, a second later.
const STALL_CHECK_MS = 1_000;

/** True while the previous check came on time: no later than `boundMs` after it was due. */
function stallCheck(boundMs: number): () => Promise<boolean> {
  let due: number | undefined;
  return async () => {
    const now = performance.now();
    const late = due === undefined ? 0 : now - due;
    due = now + STALL_CHECK_MS;
    return late <= boundMs;
  };
}

/**
 * Overloaded, answer 503 at once: a fast "try another task" is better for
 * the caller than a slow answer, and it gives the process room to recover.
 */
export function shedLoad(app: App, maxEventLoopDelayMs: number): void {
  void app.register(underPressure, {
    maxEventLoopDelay: maxEventLoopDelayMs,
    maxHeapUsedBytes: heapSheddingBound(getHeapStatistics().heap_size_limit, process.constrainedMemory()),
    // A stall: under-pressure's delay is the mean of a histogram it resets
    // every second, and when its sampling timer runs first after a stall
    // the reset drops the stall (tools/bench/stall-sampling.ts, docs/design.md).
    // Its health check runs on a timer of its own: one
    // that comes late by more than the bound means the loop stalled.
    healthCheck: stallCheck(maxEventLoopDelayMs),
    healthCheckInterval: STALL_CHECK_MS,
    pressureHandler: (request, reply, type) => {
      // Health checks still answer: an overloaded task is not a dead one.
      if (request.url.startsWith('/health/')) return;
      // The access log's cause for this 503 (server.ts): which bound was passed.
      request.failure = { code: 'overloaded', message: `${type} past its bound` };
      void reply
        .code(503)
        .header('retry-after', '1')
        .send(errorBody(503, 'overloaded', `The frontend is overloaded (${type}); retry shortly.`));
    },
  });
}
