// Container logs: Fargate offers three log drivers, and awslogs needs to know
// where to write before the container starts.
import { describeValue, orList } from './describe.ts';
import { childPath, hasPlaceholder, isObject, objectAt } from './json.ts';
import { eachContainer, type Container, type Rule } from './task.ts';

const FARGATE_LOG_DRIVERS = ['awslogs', 'splunk', 'awsfirelens'];

const AWSLOGS_OPTIONS = [
  { name: 'awslogs-group', purpose: 'the CloudWatch Logs group to write to' },
  { name: 'awslogs-region', purpose: 'the region of that group' },
  { name: 'awslogs-stream-prefix', purpose: 'which Fargate requires to name each stream prefix/container/task-id' },
];

export function logDriverOf(container: Container): unknown {
  const logConfiguration = container.def.logConfiguration;
  return isObject(logConfiguration) ? logConfiguration.logDriver : undefined;
}

export const loggingRules: readonly Rule[] = [
  {
    id: 'log-driver',
    check: eachContainer(function* (container) {
      const logConfiguration = objectAt(container.def, 'logConfiguration', container.path);
      const driver = logDriverOf(container);
      if (logConfiguration === undefined || hasPlaceholder(driver) || (typeof driver === 'string' && FARGATE_LOG_DRIVERS.includes(driver))) return;
      yield {
        path: childPath(logConfiguration.path, 'logDriver'),
        message: `The log driver of ${container.label} is ${describeValue(driver)}, which Fargate does not offer; use ${orList(FARGATE_LOG_DRIVERS.map((name) => `"${name}"`))}.`,
      };
    }),
  },
  {
    id: 'awslogs-options',
    check: eachContainer(function* (container) {
      const logConfiguration = objectAt(container.def, 'logConfiguration', container.path);
      if (logConfiguration?.value.logDriver !== 'awslogs') return;
      const options = logConfiguration.value.options;
      const optionsPath = childPath(logConfiguration.path, 'options');
      for (const { name, purpose } of AWSLOGS_OPTIONS) {
        const value = isObject(options) ? options[name] : undefined;
        if (typeof value === 'string' && value.trim() !== '') continue;
        yield {
          path: childPath(optionsPath, name),
          message: `The awslogs driver of ${container.label} needs the option ${name}, ${purpose}; add it to logConfiguration.options.`,
        };
      }
    }),
  },
];
