// How messages show values. Only values that cannot be secret are shown:
// rules never pass environment values, secret references or commands here.

const MAX_SHOWN = 60;

/** A value as JSON, shortened: `"bridge"`, `2`, `["EC2"]`; `missing` when absent. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 3)}...` : text;
}

/** What kind of JSON value this is, for "is an array, not an object". */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** `a, b or c` */
export function orList(items: readonly (string | number)[]): string {
  const words = items.map(String);
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}
