// No import cycle among the services' files, `import type` included: a
// cycle makes the order modules load in matter, and ties together files that
// should each be readable alone.
import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { cyclesOf, importGraph, RELATIVE_IMPORT } from '../helpers/imports.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const SERVICES = join(ROOT, 'services');

test('the walker finds a cycle, type-only and re-exports included', () => {
  const graph = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a']],
    ['d', ['a']],
  ]);
  assert.deepEqual(cyclesOf(graph), [['a', 'b', 'c', 'a']]);
  const source = "import type { A } from './a.ts';\nexport { B } from '../b.ts';\nimport {\n  C,\n} from './c.ts';\nconst d = import('./d.ts');";
  assert.deepEqual(Array.from(source.matchAll(RELATIVE_IMPORT), ([, specifier]) => specifier), ['./a.ts', '../b.ts', './c.ts', './d.ts']);
});

test('no import cycle among the files of services/', () => {
  const cycles = cyclesOf(importGraph(SERVICES)).map((cycle) => cycle.map((file) => relative(ROOT, file)).join(' -> '));
  assert.deepEqual(cycles, []);
});

test('services/ imports nothing outside itself but package.json (the project name)', () => {
  const outside = [...importGraph(SERVICES).values()].flat().map((file) => relative(ROOT, file)).filter((file) => !file.startsWith('services/') && file !== 'package.json');
  assert.deepEqual(outside, []);
});
