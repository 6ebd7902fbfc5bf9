import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `check` every 10 ms until it holds, and fails if it does not hold
 * within `timeoutMs`: a deadline for something that must happen, set far
 * beyond the time it takes, so that a busy machine does not fail the test.
 */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await sleep(10);
  }
}
