// The values the committed task definition cannot know: the account, the
// region, the image URIs the deploy step has just pushed. They stand in the
// file as {{NAME}}, and the deploy step fills them with fillPlaceholders.

export const PLACEHOLDERS = [
  'FRONTEND_IMAGE',
  'BACKEND_IMAGE',
  'EXECUTION_ROLE_ARN',
  'TASK_ROLE_ARN',
  'LOG_GROUP',
  'REGION',
  'SECRET_ARN',
] as const;

export type Placeholder = (typeof PLACEHOLDERS)[number];
export type PlaceholderValues = Readonly<Record<Placeholder, string>>;

/** The placeholder as it stands in the task definition: `{{NAME}}`. */
export function placeholder(name: Placeholder): string {
  return `{{${name}}}`;
}

// Anything between double braces, so that a misspelt or lower-case name is
// reported as unknown instead of being left in the task definition.
const TOKEN = /\{\{(.*?)\}\}/g;

const isPlaceholder = (name: string): name is Placeholder => (PLACEHOLDERS as readonly string[]).includes(name);

/**
 * A copy of `taskDefinition` with every `{{NAME}}` in its strings replaced by
 * `values[NAME]`. Throws, naming them, when a placeholder has no value (or an
 * empty one), or when the document or `values` holds a name not in PLACEHOLDERS.
 * The error names placeholders only, never values.
 */
export function fillPlaceholders<T>(taskDefinition: T, values: PlaceholderValues): T {
  const unfilled = new Set<string>();
  const unknown = new Set(Object.keys(values).filter((name) => !isPlaceholder(name)));

  const fill = (text: string) =>
    text.replace(TOKEN, (token, name: string) => {
      if (!isPlaceholder(name)) {
        unknown.add(name);
        return token;
      }
      // Read as unknown: `values` may come from the environment, where a name can be missing.
      const value = (values as Readonly<Record<string, string | undefined>>)[name];
      if (value === undefined || value.trim() === '') {
        unfilled.add(name);
        return token;
      }
      return value;
    });

  const filled = mapStrings(taskDefinition, fill) as T;

  const problems = [
    ...(unfilled.size > 0 ? [`no value for ${[...unfilled].map((name) => `{{${name}}}`).join(', ')}`] : []),
    ...(unknown.size > 0 ? [`unknown placeholder ${[...unknown].map((name) => `{{${name}}}`).join(', ')} (known: ${PLACEHOLDERS.join(', ')})`] : []),
  ];
  if (problems.length > 0) throw new Error(`cannot fill the task definition's placeholders: ${problems.join('; ')}`);
  return filled;
}

function mapStrings(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, map)]));
  }
  return value;
}
