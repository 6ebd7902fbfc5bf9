// Container health checks: ECS runs the command inside the container, and
// dependsOn HEALTHY and load balancer readiness both wait on it.
import { describeValue } from './describe.ts';
import { childPath, objectAt } from './json.ts';
import { checkRange, type Range } from './range.ts';
import { eachContainer, type Container, type Issue, type Rule } from './task.ts';

const COMMAND_KINDS = ['CMD', 'CMD-SHELL'];
const SHAPE = 'write ["CMD", "program", "arg", ...] to run a program or ["CMD-SHELL", "command"] to run it through the image\'s shell';

const TIMING: ReadonlyArray<{ key: string; label: string; range: Range }> = [
  { key: 'interval', label: 'The health check interval', range: { min: 5, max: 300, unit: ' seconds' } },
  { key: 'timeout', label: 'The health check timeout', range: { min: 2, max: 60, unit: ' seconds' } },
  { key: 'retries', label: 'The number of health check retries', range: { min: 1, max: 10, unit: '' } },
  { key: 'startPeriod', label: 'The health check startPeriod', range: { min: 0, max: 300, unit: ' seconds' } },
];

function healthCheckOf(container: Container) {
  return objectAt(container.def, 'healthCheck', container.path);
}

// The command is never shown in a message: it may carry a token or a password.
function* checkCommand(container: Container): Generator<Issue> {
  const healthCheck = healthCheckOf(container);
  if (healthCheck === undefined) return;
  const command: unknown = healthCheck.value.command;
  const path = childPath(healthCheck.path, 'command');
  if (!Array.isArray(command) || !command.every((part) => typeof part === 'string')) {
    yield { path, message: `The health check command of ${container.label} must be a list of strings; ${SHAPE}.` };
    return;
  }
  const [kind, ...rest] = command;
  if (kind === undefined || !COMMAND_KINDS.includes(kind)) {
    yield { path: childPath(path, 0), message: `The health check command of ${container.label} does not start with "CMD" or "CMD-SHELL"; ${SHAPE}.` };
  } else if (rest.length === 0) {
    yield { path, message: `The health check command of ${container.label} has nothing to run after ${describeValue(kind)}; ${SHAPE}.` };
  }
}

export const healthCheckRules: readonly Rule[] = [
  { id: 'health-check-command', check: eachContainer(checkCommand) },
  {
    id: 'health-check-range',
    check: eachContainer(function* (container) {
      const healthCheck = healthCheckOf(container);
      if (healthCheck === undefined) return;
      for (const { key, label, range } of TIMING) {
        yield* checkRange(healthCheck.value, key, healthCheck.path, `${label} of ${container.label}`, range);
      }
    }),
  },
];
