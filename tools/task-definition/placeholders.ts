// The values the committed task definition cannot know: the account, the
// region, what the deployed stack created, the images. They stand in
// tools/task-definition/task-definition.json as {{NAME}} (render.ts writes them).

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

/** The placeholder as it stands in the task definition: `{{NAME}}`. */
export function placeholder(name: Placeholder): string {
  return `{{${name}}}`;
}

/** Whether a value is a placeholder of that shape: one of ours, or one a new container would need. */
export function isPlaceholder(value: string): boolean {
  return /^\{\{[A-Z_]+\}\}$/.test(value);
}
