// The containers' health check: `node services/healthcheck.ts URL` exits 0
// when URL answers 200 within two seconds, 1 otherwise. The slim Node image
// has no curl, and this keeps the check inside the image it runs in.
import { request } from 'undici';

const url = process.argv[2];
if (url === undefined) {
  process.stderr.write('usage: node services/healthcheck.ts URL\n');
  process.exit(2);
}
try {
  const res = await request(url, { headersTimeout: 2_000, bodyTimeout: 2_000 });
  await res.body.dump();
  if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
} catch (error) {
  process.stderr.write(`unhealthy: ${url}: ${(error as Error).message}\n`);
  process.exit(1);
}
