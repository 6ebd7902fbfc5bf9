// The relative imports between a folder's TypeScript files, read from their
// specifiers: for the layout tests (test/shared/imports.test.ts,
// test/infra/app-folder.test.ts). A small walker rather than madge or
// dependency-cruiser: some thirty lines instead of a dependency.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

// `from './x.ts'` (import, import type, export ... from), `import './x.ts'` and `import('./x.ts')`.
export const RELATIVE_IMPORT = /\b(?:from|import)\s*\(?\s*['"](\.\.?\/[^'"]+)['"]/g;

export type Graph = ReadonlyMap<string, readonly string[]>;

/** Each .ts file under `dir` (absolute paths) and the files it imports, wherever they are. */
export function importGraph(dir: string): Graph {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
  return new Map(
    files.map((file) => {
      const path = join(dir, file);
      const imports = Array.from(readFileSync(path, 'utf8').matchAll(RELATIVE_IMPORT), ([, specifier]) => resolve(dirname(path), specifier!));
      return [path, imports];
    }),
  );
}

/** Each cycle found by a depth-first walk, as the files around it, first one repeated at the end. */
export function cyclesOf(graph: Graph): string[][] {
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

/** Every file `entry` imports, directly or through others, `entry` included. */
export function reachableFrom(graph: Graph, entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const target of graph.get(file) ?? []) visit(target);
  };
  visit(entry);
  return seen;
}
