// No import cycle among the services' files, `import type` included: a
// cycle makes the order modules load in matter, and ties together files that
// should each be readable alone. A small walker over the specifiers rather
// than madge or dependency-cruiser: some thirty lines instead of a dependency.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = new URL('../../', import.meta.url).pathname;
const SERVICES = join(ROOT, 'services');

// `from './x.ts'` (import, import type, export ... from), `import './x.ts'` and `import('./x.ts')`.
const RELATIVE_IMPORT = /\b(?:from|import)\s*\(?\s*['"](\.\.?\/[^'"]+)['"]/g;

type Graph = ReadonlyMap<string, readonly string[]>;

function importGraph(dir: string): Graph {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
  return new Map(
    files.map((file) => {
      const path = join(dir, file);
      const imports = Array.from(readFileSync(path, 'utf8').matchAll(RELATIVE_IMPORT), ([, specifier]) => resolve(dirname(path), specifier!));
      return [path, imports.filter((target) => target.startsWith(dir))];
    }),
  );
}

/** Each cycle found by a depth-first walk, as the files around it, first one repeated at the end. */
function cyclesOf(graph: Graph): string[][] {
  const done = new Set<string>();
  const path: string[] = [];
  const cycles: string[][] = [];
  const visit = (file: string) => {
    const start = path.indexOf(file);
    if (start !== -1) return void cycles.push([...path.slice(start), file]);
    if (done.has(file)) return;
    path.push(file);
    for (const target of graph.get(file) ?? []) visit(target);
    path.pop();
    done.add(file);
  };
  for (const file of graph.keys()) visit(file);
  return cycles;
}

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
