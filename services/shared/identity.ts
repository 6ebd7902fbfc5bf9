import { hostname } from 'node:os';
import type { Logger } from './logger.ts';
import type { Identity } from './schemas.ts';

/** Who is answering: enough to tell two tasks, and two containers, apart. */
export function localIdentity(service: string): Identity {
  return { service, hostname: hostname(), pid: process.pid };
}

/**
 * Adds the task ARN and availability zone from the ECS task metadata endpoint
 * v4 when ECS provides one. Failing to read it is not a reason to stay down.
 */
export async function resolveIdentity(service: string, metadataUri: string | undefined, log: Logger): Promise<Identity> {
  const identity = localIdentity(service);
  if (metadataUri === undefined) return identity;
  try {
    // One call at start-up, made only on ECS: the global fetch loads Node's
    // bundled undici for it then, lighter than importing the undici package
    // into the backend, which makes no other HTTP call, on every start.
    const res = await fetch(`${metadataUri}/task`, { signal: AbortSignal.timeout(1000) });
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new Error(`status ${res.status}`);
    }
    const task = (await res.json()) as { TaskARN?: unknown; AvailabilityZone?: unknown };
    if (typeof task.TaskARN === 'string') identity.taskArn = task.TaskARN;
    if (typeof task.AvailabilityZone === 'string') identity.availabilityZone = task.AvailabilityZone;
  } catch (error) {
    log.warn({ err: error, metadataUri }, 'could not read the ECS task metadata; serving without task ARN and zone');
  }
  return identity;
}
