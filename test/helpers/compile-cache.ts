// What a Node process said about its compile cache: its stderr, run with
// NODE_DEBUG_NATIVE=COMPILE_CACHE, where Node reports every lookup.

export interface CompileCacheReport {
  /** Modules whose compiled code came from the cache. */
  readonly accepted: number;
  /** TypeScript files whose type-stripped code came from the cache. */
  readonly stripped: readonly string[];
  /** The lines about anything that did not come from the cache, or could not be read. */
  readonly misses: readonly string[];
}

export function compileCacheReport(stderr: string): CompileCacheReport {
  const lines = stderr.split('\n').filter((line) => line.startsWith('[compile cache]'));
  return {
    accepted: lines.filter((line) => /V8 code cache for .* was accepted/.test(line)).length,
    stripped: lines.flatMap((line) => /retrieving transpile cache for StrippedTypeScript (\S+?)(?:\.\.\.|$)/.exec(line)?.[1] ?? []),
    misses: lines.filter((line) => /V8 code cache for .* was (?!accepted)|no such file|permission denied|Cannot/.test(line)),
  };
}
