// The committed task definition, made concrete for one stack, checked, registered.
import { RegisterTaskDefinitionCommand, type ECSClient, type RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import { readFileSync } from 'node:fs';
import { lintTaskDefinition } from '../lint/index.ts';
import { fillPlaceholders, type PlaceholderValues } from '../placeholders.ts';
import { DeployError } from './errors.ts';

export const TASK_DEFINITION_FILE = 'infra/task-definition.json';

/** infra/task-definition.json as committed: placeholders still in. */
export function readTaskDefinition(root: URL): RegisterTaskDefinitionCommandInput {
  const text = readFileSync(new URL(TASK_DEFINITION_FILE, root), 'utf8');
  try {
    return JSON.parse(text) as RegisterTaskDefinitionCommandInput;
  } catch (error) {
    throw new DeployError(`${TASK_DEFINITION_FILE} is not valid JSON (${(error as Error).message}); "npm run infra:render" writes it`);
  }
}

/** The task definition with this stack's values in place of its placeholders; throws unless the linter finds nothing. */
export function renderTaskDefinition(template: RegisterTaskDefinitionCommandInput, values: PlaceholderValues): RegisterTaskDefinitionCommandInput {
  const filled = fillPlaceholders(template, values);
  const findings = lintTaskDefinition(filled);
  if (findings.length > 0) {
    const lines = findings.map((finding) => `  ${finding.path}: ${finding.message} (${finding.rule})`);
    throw new DeployError(`the task definition has ${findings.length} problem(s), so nothing was registered:\n${lines.join('\n')}`);
  }
  return filled;
}

export async function registerTaskDefinition(ecs: ECSClient, definition: RegisterTaskDefinitionCommandInput): Promise<string> {
  const { taskDefinition } = await ecs.send(new RegisterTaskDefinitionCommand(definition));
  if (!taskDefinition?.taskDefinitionArn) throw new DeployError('ECS registered the task definition but returned no ARN');
  return taskDefinition.taskDefinitionArn;
}
