// How a service's Node process runs in its container, for the processes the
// bench and the fault tests start outside one: the heap the container's
// memory gives V8, and the options the image's CMD adds. A fact of the
// images: the bench and the tests both read it.
import { readFileSync } from 'node:fs';

export type ServiceName = 'backend' | 'frontend';

// Node sizes V8's heap from the memory it may use: in the task's 256 MiB
// containers that is a 256 MiB old generation and 1 MiB semi-spaces
// (heap_size_limit 259 MiB, as `docker run --memory 256m node:24-trixie-slim`
// shows); on a machine with gigabytes free, a 4 GiB old generation and 64 MiB
// semi-spaces, so garbage would pile up for longer, the RSS would grow faster
// and the time spent collecting would differ from the task's.
export const CONTAINER_HEAP: readonly string[] = ['--max-old-space-size=256', '--max-semi-space-size=1'];

/** The node options between `node` and the script in the service's Dockerfile CMD. */
export function imageNodeFlags(service: ServiceName): string[] {
  const dockerfile = readFileSync(new URL(`../../Dockerfile.${service}`, import.meta.url), 'utf8');
  const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
  const args = cmd === undefined ? undefined : (JSON.parse(cmd) as string[]);
  if (args?.[0] !== 'node' || args.at(-1) !== `services/${service}/main.ts`) {
    throw new Error(`Dockerfile.${service}: expected CMD ["node", ...options, "services/${service}/main.ts"], got ${cmd}`);
  }
  return args.slice(1, -1);
}

/** Both: where the image sets an option the heap sizing also sets, the image's wins, as in the container. */
export function containerNodeFlags(service: ServiceName): string[] {
  const image = imageNodeFlags(service);
  const name = (option: string) => option.split('=', 1)[0];
  return [...CONTAINER_HEAP.filter((option) => !image.some((set) => name(set) === name(option))), ...image];
}
