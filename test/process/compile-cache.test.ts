import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { request } from 'undici';
import { compileCacheReport } from '../helpers/compile-cache.ts';
import { startService } from '../helpers/process.ts';

const ROOT = new URL('../../', import.meta.url);
const HEALTH = { backend: '/health', frontend: '/health/live' } as const;

function writeCache(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, ['services/compile-cache.ts', ...args], { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
}

for (const name of ['backend', 'frontend'] as const) {
  test(`the ${name} starts from the image's compile cache: nothing compiled or type-stripped again`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'compile-cache-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const written = writeCache([name], { NODE_COMPILE_CACHE: dir });
    assert.equal(written.status, 0, written.stderr);

    // With NODE_DEBUG_NATIVE=COMPILE_CACHE, Node reports every lookup on stderr.
    const service = await startService(t, name, { NODE_COMPILE_CACHE: dir, NODE_DEBUG_NATIVE: 'COMPILE_CACHE' });
    const res = await request(`${service.url}${HEALTH[name]}`);
    await res.body.dump();
    assert.equal(res.statusCode, 200);
    service.child.kill('SIGTERM');
    assert.equal(await service.exited, 0);

    const cache = compileCacheReport(service.stderr());
    assert.deepEqual(cache.misses, [], 'every module loaded came from the cache');
    assert.ok(cache.accepted > 300, `modules read compiled from the cache: ${cache.accepted}`);
    assert.ok(cache.stripped.some((file) => file.endsWith(`services/${name}/main.ts`)), 'main.ts came type-stripped from the cache');
  });
}

test('compile-cache.ts names its usage, and refuses to run without NODE_COMPILE_CACHE', () => {
  const noService = writeCache([], {});
  assert.equal(noService.status, 2);
  assert.equal(noService.stderr, 'usage: node services/compile-cache.ts backend|frontend\n');
  const noCache = writeCache(['backend'], {});
  assert.equal(noCache.status, 2);
  assert.equal(noCache.stderr, 'compile-cache: NODE_COMPILE_CACHE is not set, so there is nothing to write to\n');
});
