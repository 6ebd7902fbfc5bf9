// Preloaded (--import) into a service process started with { heapProbe: true }
// (process.ts), which also gives it --expose-gc and an IPC channel. Sent
// 'heap', it runs full garbage collections and answers with the bytes of
// JavaScript objects still live: the measure of a leak, where RSS, or the
// heap before a collection, also counts garbage not yet collected (with the
// frontend's 8 MB semi-spaces, several megabytes of it during a burst).
// Nothing in services/ knows about it.
import { getHeapSpaceStatistics } from 'node:v8';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined || process.send === undefined) throw new Error('heap-probe.ts needs --expose-gc and an IPC channel');

export interface HeapReport {
  /** Live bytes in the spaces that hold objects; not compiled code, which grows as V8 optimises, leak or not. */
  readonly liveBytes: number;
}

const OBJECT_SPACES = new Set(['new_space', 'old_space', 'large_object_space', 'new_large_object_space']);

process.on('message', (message) => {
  if (message !== 'heap') return;
  // Twice: what a finalizer or a weak callback of the first one released goes in the second.
  gc();
  gc();
  let liveBytes = 0;
  for (const space of getHeapSpaceStatistics()) if (OBJECT_SPACES.has(space.space_name)) liveBytes += space.space_used_size;
  process.send!({ liveBytes } satisfies HeapReport);
});
// The channel must not keep alive a process that would otherwise exit.
process.channel?.unref();
