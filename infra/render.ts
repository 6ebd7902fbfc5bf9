// `npm run infra:render`: writes infra/task-definition.json from the model in
// task.ts. The file is committed; a test fails when it differs from the model.
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { taskDefinition } from './task.ts';

export const TASK_DEFINITION_FILE = fileURLToPath(new URL('./task-definition.json', import.meta.url));

/** Two-space JSON with every object's keys sorted, so the file changes only when a value does. */
export function renderTaskDefinition(definition: object = taskDefinition): string {
  return `${JSON.stringify(definition, sortKeys, 2)}\n`;
}

function sortKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const object = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(object)
      .sort()
      .map((key) => [key, object[key]]),
  );
}

if (import.meta.main) {
  writeFileSync(TASK_DEFINITION_FILE, renderTaskDefinition());
  process.stdout.write(`wrote ${relative(process.cwd(), TASK_DEFINITION_FILE)}\n`);
}
