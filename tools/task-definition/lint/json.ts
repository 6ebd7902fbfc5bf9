// Reading an untyped JSON document: every rule receives `unknown` values, so
// it checks a shape before it relies on it and never throws on a surprise.

export type JsonObject = Record<string, unknown>;

/** Where a value sits in the document, as users write it: `containerDefinitions[1].healthCheck.interval`. */
export interface Located {
  readonly value: JsonObject;
  readonly path: string;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isWholeNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

// The committed task definition holds {{NAME}} placeholders (images, role ARNs,
// log group, region, secret ARN) that only the deployed stack knows. A value that
// holds one is unknown until then, so no rule judges its format.
const PLACEHOLDER = /\{\{[A-Z][A-Z0-9_]*\}\}/;

export function hasPlaceholder(value: unknown): boolean {
  return typeof value === 'string' && PLACEHOLDER.test(value);
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (!IDENTIFIER.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

/** `parent[key]` when it is an object. */
export function objectAt(parent: JsonObject, key: string, parentPath: string): Located | undefined {
  const value = parent[key];
  return isObject(value) ? { value, path: childPath(parentPath, key) } : undefined;
}

/** The objects in the array `parent[key]`; anything else there is skipped. */
export function objectsIn(parent: JsonObject, key: string, parentPath: string): Located[] {
  const list = parent[key];
  if (!Array.isArray(list)) return [];
  const listPath = childPath(parentPath, key);
  return list.flatMap((value: unknown, index) => (isObject(value) ? [{ value, path: childPath(listPath, index) }] : []));
}
