import assert from 'node:assert/strict';
import { test } from 'node:test';
import { heapSheddingBound } from '../../services/frontend/overload.ts';

const MiB = 1024 * 1024;

test('in a container the bound is three quarters of the lower of V8 heap limit and the memory limit', () => {
  assert.equal(heapSheddingBound(259 * MiB, 256 * MiB), 192 * MiB);
  assert.equal(heapSheddingBound(128 * MiB, 512 * MiB), 96 * MiB);
});

test('with no memory limit known (constrainedMemory() is 0) the heap limit alone bounds it, never 0', () => {
  assert.equal(heapSheddingBound(4096 * MiB, 0), 3072 * MiB);
});
