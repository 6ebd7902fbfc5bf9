import type { TestContext } from 'node:test';
import { startService, type ServiceProcess } from '../helpers/process.ts';

// V8 sizes its heap from the memory the process may use. In the task's
// 256 MiB containers that is a 256 MiB old generation and 1 MiB semi-spaces
// (heap_size_limit 259 MiB, as `docker run --memory 256m` shows); on a machine
// with gigabytes free, a 4 GiB old generation and 64 MiB semi-spaces, so
// garbage piles up for longer and the RSS grows faster than it would in the
// container. These flags give a test process the container's sizing, so what
// the tests measure is what the task would see.
const CONTAINER_HEAP = '--max-old-space-size=256 --max-semi-space-size=1';

/** A service as a real process, with the heap its container would give it. */
export function startInContainer(t: TestContext, name: 'backend' | 'frontend', env: Record<string, string> = {}): Promise<ServiceProcess> {
  return startService(t, name, { NODE_OPTIONS: CONTAINER_HEAP, ...env });
}
