// `npm start`: both services on this machine, as they run in the task, with
// their embedded defaults: no Docker, no AWS. Their logs are interleaved with a
// prefix, as `docker compose up` does; Ctrl-C stops both.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';

const tty = process.stdout.isTTY;
const colour = (code: number, text: string) => (tty ? `\x1b[${code}m${text}\x1b[0m` : text);
const say = (text: string) => process.stdout.write(`${colour(1, 'start    |')} ${text}\n`);

const env = {
  ...process.env,
  // Both services need the same internal token. Without AWS there is no
  // Secrets Manager: a token made for this run is given to both, through the
  // environment (never on a command line, never printed).
  INTERNAL_TOKEN: process.env.INTERNAL_TOKEN ?? randomBytes(32).toString('base64url'),
  // Readable at a terminal, JSON otherwise (unless LOG_FORMAT says so).
  LOG_FORMAT: process.env.LOG_FORMAT ?? (tty ? 'pretty' : 'json'),
};
// PORT is the frontend's, as in the task; the backend stays on loopback, on
// BACKEND_PORT (8080 unless set), where the frontend looks for it.
const frontendPort = process.env.PORT ?? '3000';
const backendPort = process.env.BACKEND_PORT ?? '8080';

const services = [
  { name: 'backend', colour: 35, env: { ...env, HOST: '127.0.0.1', PORT: backendPort } },
  { name: 'frontend', colour: 36, env: { ...env, BACKEND_URL: process.env.BACKEND_URL ?? `http://localhost:${backendPort}` } },
];

say(
  process.env.INTERNAL_TOKEN === undefined
    ? 'internal token: made for this run and given to both services (set INTERNAL_TOKEN to choose it)'
    : 'internal token: INTERNAL_TOKEN from your environment',
);

let stopping = false;
const children: ChildProcess[] = services.map((service) => {
  const child = spawn(process.execPath, [new URL(`./${service.name}/main.ts`, import.meta.url).pathname], {
    env: service.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // A process group of its own: Ctrl-C signals the terminal's group, and a
    // service that got SIGINT from it and then our SIGTERM would take the
    // second signal as "exit now" (close-with-grace). It gets ours alone.
    detached: true,
  });
  const prefix = colour(service.colour, `${service.name.padEnd(8)} |`);
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream! }).on('line', (line) => process.stdout.write(`${prefix} ${line}\n`));
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      say(`${service.name} exited unexpectedly (${signal ?? `code ${code}`}); stopping the other service`);
      process.exitCode = 1;
      stop();
    }
  });
  return child;
});

const exited = children.map((child) => new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))));

function stop(): void {
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
}

// Out of its terminal's group, a service would outlive a launcher that dies.
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`${signal}: stopping both services`);
    stop();
  });
}

async function waitUntilReady(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!stopping && Date.now() < deadline) {
    try {
      const res = await request(url, { headersTimeout: 1_000, bodyTimeout: 1_000 });
      await res.body.dump();
      if (res.statusCode === 200) return true;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  return false;
}

if (await waitUntilReady(`http://127.0.0.1:${frontendPort}/health/ready`, 15_000)) {
  say(`ready: curl "http://localhost:${frontendPort}/api/hello?name=you"  or open http://localhost:${frontendPort}/`);
} else if (!stopping) {
  say('the task did not become ready within 15 s; see the logs above');
}

const codes = await Promise.all(exited);
if (codes.some((code) => code !== 0)) process.exitCode = 1;
say('both services stopped');
