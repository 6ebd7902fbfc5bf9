import type { TestContext } from 'node:test';
import { containerNodeFlags } from './node-flags.ts';
import { startService, type ServiceProcess, type StartOptions } from './process.ts';

/**
 * A service as a real process, run as in its container: the heap the
 * container's memory gives V8 and the options of the image's CMD, so what
 * the tests measure is what the task would see.
 */
export function startInContainer(t: TestContext, name: 'backend' | 'frontend', env: Record<string, string> = {}, options: StartOptions = {}): Promise<ServiceProcess> {
  return startService(t, name, { NODE_OPTIONS: containerNodeFlags(name).join(' '), ...env }, options);
}
