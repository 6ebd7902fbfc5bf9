// The integer settings ECS bounds (health check timing, stop and start
// timeouts, ephemeral storage) all fail the same way, so they share one check.
import { describeValue } from './describe.ts';
import { childPath, hasPlaceholder, isWholeNumber, type JsonObject } from './json.ts';
import type { Issue } from './task.ts';

export interface Range {
  readonly min: number;
  readonly max: number;
  /** ` seconds`, ` GiB`, or `` for a count. */
  readonly unit: string;
}

/** Reports `parent[key]` unless it is a whole number within `range` (or absent, when optional). */
export function* checkRange(parent: JsonObject, key: string, parentPath: string, label: string, range: Range, required = false): Generator<Issue> {
  const value = parent[key];
  if ((value === undefined && !required) || hasPlaceholder(value)) return;
  if (isWholeNumber(value) && value >= range.min && value <= range.max) return;
  yield {
    path: childPath(parentPath, key),
    message: `${label} is ${describeValue(value)}; set it to a whole number from ${range.min} to ${range.max}${range.unit}, the range Fargate accepts.`,
  };
}
