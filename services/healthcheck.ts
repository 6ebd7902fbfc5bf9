// The containers' health check: `node services/healthcheck.ts URL` exits 0
// when URL answers 200 within two seconds, 1 otherwise. The slim Node image
// has no curl. node:http rather than undici: this runs every 10 s under the
// container's 0.125 vCPU, where loading undici alone takes over a second.
import { get } from 'node:http';

const url = process.argv[2];
if (url === undefined) {
  process.stderr.write('usage: node services/healthcheck.ts URL\n');
  process.exit(2);
}

function fail(reason: string): never {
  process.stderr.write(`unhealthy: ${url}: ${reason}\n`);
  process.exit(1);
}

const req = get(url, { timeout: 2_000 }, (res) => {
  res.resume();
  if (res.statusCode !== 200) fail(`status ${res.statusCode}`);
  process.exit(0);
});
req.on('timeout', () => req.destroy(new Error('no answer within 2 s')));
req.on('error', (error) => fail(error.message));
