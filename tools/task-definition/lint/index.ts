// The offline Fargate task-definition linter: the rules ECS applies when it
// registers or runs a task definition on Fargate, checked before anything is
// sent to AWS. `satisfies RegisterTaskDefinitionCommandInput` checks the shape
// at compile time; these rules check what types cannot: sizes, ranges, ports,
// start order, logging, roles and secret references.
import { containerRules } from './containers.ts';
import { executionRoleRules } from './execution-role.ts';
import { healthCheckRules } from './health-check.ts';
import { requireObject } from './input.ts';
import { lifecycleRules } from './lifecycle.ts';
import { loggingRules } from './logging.ts';
import { networkRules } from './network.ts';
import { platformRules } from './platform.ts';
import { secretRules } from './secrets.ts';
import { sizeRules } from './size.ts';
import { readTask, type Rule } from './task.ts';

export { parseTaskDefinitionFile, UnusableInputError } from './input.ts';

export interface Finding {
  /** The rule's stable id, such as `health-check-range`. */
  rule: string;
  /** Where, as a JSON path: `containerDefinitions[1].healthCheck.interval`. */
  path: string;
  /** What is wrong and what to do, in one sentence. */
  message: string;
}

const RULES: readonly Rule[] = [
  ...containerRules,
  ...platformRules,
  ...networkRules,
  ...sizeRules,
  ...lifecycleRules,
  ...healthCheckRules,
  ...loggingRules,
  ...executionRoleRules,
  ...secretRules,
];

export const RULE_IDS: readonly string[] = RULES.map((rule) => rule.id);

/**
 * Every finding for one parsed task definition, in rule order; [] when it is clean.
 * Throws UnusableInputError when `input` is not a JSON object (an array, a string, null...),
 * and nothing else for any JSON value.
 */
export function lintTaskDefinition(input: unknown): Finding[] {
  const task = readTask(requireObject(input, 'the task definition'));
  return RULES.flatMap((rule) => Array.from(rule.check(task), ({ path, message }) => ({ rule: rule.id, path, message })));
}
