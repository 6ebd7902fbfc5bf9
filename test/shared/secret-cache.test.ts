import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { SecretCache } from '../../services/shared/secret-cache.ts';

const TTL = 10_000;

/** Lets the promise callbacks queued by a fetch run. */
const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

/** A cache over a load function the test controls, on mocked time. */
function setup(t: TestContext, results: Array<string | Error>) {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const errors: Array<{ attempt: number; hasValue: boolean }> = [];
  let calls = 0;
  const cache = new SecretCache<string>({
    load: async () => {
      const result = results[Math.min(calls, results.length - 1)]!;
      calls += 1;
      if (result instanceof Error) throw result;
      return result;
    },
    ttlMs: TTL,
    graceMs: 5_000,
    minForcedIntervalMs: 1_000,
    retry: { initialMs: 500, maxMs: 4_000 },
    onError: (_error, attempt, hasValue) => errors.push({ attempt, hasValue }),
    random: () => 1, // refresh at 95% of the TTL
  });
  t.after(() => cache.stop());
  return { cache, errors, calls: () => calls };
}

test('the first fetch fills the cache; nothing is served before it', async (t) => {
  const { cache, calls } = setup(t, ['one']);
  assert.equal(cache.value, undefined);
  cache.start();
  await settle();
  assert.equal(cache.value, 'one');
  assert.equal(calls(), 1);
});

test('a background refresh replaces the value before the TTL runs out', async (t) => {
  const { cache, calls } = setup(t, ['one', 'two']);
  cache.start();
  await settle();
  t.mock.timers.tick(TTL * 0.95 - 1);
  await settle();
  assert.equal(calls(), 1, 'not before 95% of the TTL');
  t.mock.timers.tick(1);
  await settle();
  assert.equal(calls(), 2);
  assert.equal(cache.value, 'two');
});

test('a failed refresh keeps serving the cached value and retries with backoff', async (t) => {
  const { cache, calls, errors } = setup(t, ['one', new Error('throttled'), new Error('throttled'), 'two']);
  cache.start();
  await settle();
  t.mock.timers.tick(TTL * 0.95);
  await settle();
  assert.equal(cache.value, 'one', 'stale beats nothing');
  assert.deepEqual(errors, [{ attempt: 1, hasValue: true }]);
  t.mock.timers.tick(500);
  await settle();
  assert.equal(calls(), 3);
  t.mock.timers.tick(999);
  await settle();
  assert.equal(calls(), 3, 'the second retry waits twice as long');
  t.mock.timers.tick(1);
  await settle();
  assert.equal(cache.value, 'two');
});

test('at start-up, failures are retried with doubling delays up to the cap', async (t) => {
  const { cache, calls } = setup(t, [new Error('not found')]);
  cache.start();
  await settle();
  const at: number[] = [];
  let last = calls();
  for (let ms = 0; ms <= 20_000; ms += 100) {
    t.mock.timers.tick(100);
    await settle();
    if (calls() !== last) {
      at.push(Date.now());
      last = calls();
    }
  }
  assert.deepEqual(at.slice(0, 6), [500, 1_500, 3_500, 7_500, 11_500, 15_500]);
  assert.equal(cache.value, undefined);
});

test('concurrent refreshes share one fetch', async (t) => {
  const { cache, calls } = setup(t, ['one', 'two']);
  cache.start();
  await settle();
  await Promise.all(Array.from({ length: 20 }, () => cache.refresh({ force: true })));
  assert.equal(calls(), 2);
  assert.equal(cache.value, 'two');
});

test('forced refreshes are rate-limited', async (t) => {
  const { cache, calls } = setup(t, ['one', 'two', 'three']);
  cache.start();
  await settle();
  await cache.refresh({ force: true });
  await cache.refresh({ force: true });
  assert.equal(calls(), 2, 'the second forced refresh within a second fetches nothing');
  t.mock.timers.tick(1_000);
  await cache.refresh({ force: true });
  assert.equal(calls(), 3);
  assert.equal(cache.value, 'three');
});

test('the replaced value stays available during the grace period only', async (t) => {
  const { cache } = setup(t, ['one', 'two']);
  cache.start();
  await settle();
  assert.equal(cache.previous, undefined);
  await cache.refresh({ force: true });
  assert.equal(cache.value, 'two');
  assert.equal(cache.previous, 'one');
  t.mock.timers.tick(4_999);
  assert.equal(cache.previous, 'one');
  t.mock.timers.tick(1);
  assert.equal(cache.previous, undefined);
});

test('stop ends the background refreshes', async (t) => {
  const { cache, calls } = setup(t, ['one', 'two']);
  cache.start();
  await settle();
  cache.stop();
  t.mock.timers.tick(TTL * 2);
  await settle();
  assert.equal(calls(), 1);
});
