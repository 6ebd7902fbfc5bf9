import { setTimeout as sleep } from 'node:timers/promises';

export interface PollOptions {
  readonly timeoutMs: number;
  readonly intervalMs: number;
}

/**
 * Calls `check` until it returns something other than undefined, and returns
 * that; returns undefined when `timeoutMs` has passed. For the states AWS
 * offers no event for: a stack's status, a service's deployments.
 */
export async function pollUntil<T>(check: () => Promise<T | undefined>, { timeoutMs, intervalMs }: PollOptions): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result !== undefined) return result;
    if (Date.now() + intervalMs > deadline) return undefined;
    await sleep(intervalMs);
  }
}

/** `90_000` -> `1 min 30 s`, for timeout messages. */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  if (minutes === 0) return `${rest} s`;
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}
