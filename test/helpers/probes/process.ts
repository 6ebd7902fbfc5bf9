// Piped into `node` inside an app container (`docker compose exec`): what the
// service's own process may do. argv[2] is the service name; prints JSON.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const service = process.argv[2];
if (service === undefined) throw new Error('usage: node --input-type=module-typescript - SERVICE');

// The service's process, found by its command line, not assumed to be a given pid.
const pid = readdirSync('/proc')
  .filter((entry) => /^\d+$/.test(entry))
  .find((entry) => {
    try {
      return readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(`services/${service}/main.ts`);
    } catch {
      return false; // the process ended while we looked
    }
  });
if (pid === undefined) throw new Error(`no process runs services/${service}/main.ts`);

const status = readFileSync(`/proc/${pid}/status`, 'utf8');
const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1]?.trim().split(/\s+/);

/** "written" if the file system let us write there, else the error code (EROFS, EACCES, ...). */
function tryWrite(path: string): string {
  try {
    writeFileSync(path, 'probe');
    return 'written';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
}

console.log(
  JSON.stringify({
    // Real, effective, saved and file-system ids.
    uid: field('Uid'),
    gid: field('Gid'),
    capEff: field('CapEff')?.[0],
    capBnd: field('CapBnd')?.[0],
    noNewPrivs: field('NoNewPrivs')?.[0],
    writes: Object.fromEntries(['/app/probe', '/tmp/probe', '/home/node/probe'].map((path) => [path, tryWrite(path)])),
  }),
);
