// `node tools/bench/stall-sampling.ts`: does a histogram of event loop delay,
// sampled and reset once a second as @fastify/under-pressure does, see a 3 s
// stall (SIGSTOP) of a process with a busy timer list? Prints each run and
// how many stalls went unseen (docs/design.md, services/frontend/overload.ts).
import { spawn } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const RUNS = 8;

if (process.argv[2] === 'child') {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  // A server's timers: sockets' and requests' timeouts.
  for (let i = 0; i < 50; i++) setInterval(() => {}, 3 + (i % 7));
  const sampler = setTimeout(() => {
    process.stdout.write(`${Math.round(histogram.max / 1e6)}\n`);
    histogram.reset();
    sampler.refresh();
  }, 1_000);
} else {
  let unseen = 0;
  for (let run = 1; run <= RUNS; run++) {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'child'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const maxima: number[] = [];
    child.stdout.on('data', (chunk: Buffer) => maxima.push(...chunk.toString().trim().split('\n').map(Number)));
    await sleep(1_500 + Math.random() * 1_000);
    child.kill('SIGSTOP');
    await sleep(3_000);
    child.kill('SIGCONT');
    await sleep(2_500);
    child.kill();
    const seen = maxima.slice(-3).some((max) => max > 2_000);
    if (!seen) unseen++;
    process.stdout.write(`run ${run}: ${seen ? 'stall seen' : 'stall unseen'} (largest delay per second after it: ${maxima.slice(-3).join(', ')} ms)\n`);
  }
  process.stdout.write(`${unseen} of ${RUNS} stalls unseen\n`);
}
