// awsvpc networking: the task gets one network namespace (owned by a hidden
// pause container) that all its containers share, like one host.
import { describeValue } from './describe.ts';
import { childPath, hasPlaceholder, objectsIn } from './json.ts';
import { eachContainer, type Container, type Issue, type Rule, type TaskView } from './task.ts';

function portMappings(container: Container) {
  return objectsIn(container.def, 'portMappings', container.path);
}

function* checkPortConflicts(task: TaskView): Generator<Issue> {
  const owners = new Map<string, Container>();
  for (const container of task.containers) {
    for (const mapping of portMappings(container)) {
      const { containerPort } = mapping.value;
      if (typeof containerPort !== 'number') continue;
      const protocol = typeof mapping.value.protocol === 'string' ? mapping.value.protocol.toUpperCase() : 'TCP';
      const key = `${protocol} port ${containerPort}`;
      const owner = owners.get(key);
      if (owner === undefined) {
        owners.set(key, container);
        continue;
      }
      yield {
        path: childPath(mapping.path, 'containerPort'),
        message:
          owner === container
            ? `${key} is mapped twice in ${container.label}; remove the second mapping.`
            : `${key} is used by both ${owner.label} and ${container.label}, but the task's containers share one network namespace; give each a different port.`,
      };
    }
  }
}

export const networkRules: readonly Rule[] = [
  {
    id: 'network-mode',
    *check(task) {
      const mode = task.def.networkMode;
      if (mode !== 'awsvpc' && !hasPlaceholder(mode)) {
        yield { path: 'networkMode', message: `networkMode is ${describeValue(mode)}, but Fargate runs only "awsvpc" tasks; set networkMode to "awsvpc".` };
      }
    },
  },
  {
    id: 'links',
    check: eachContainer(function* (container) {
      const { links } = container.def;
      if (links === undefined || (Array.isArray(links) && links.length === 0)) return;
      yield {
        path: childPath(container.path, 'links'),
        message: `${container.label} has links, which awsvpc does not support; remove them and reach the other containers on localhost.`,
      };
    }),
  },
  {
    id: 'host-port',
    check: eachContainer(function* (container) {
      for (const { value, path } of portMappings(container)) {
        const { hostPort, containerPort } = value;
        if (hostPort === undefined || hostPort === containerPort || hasPlaceholder(hostPort)) continue;
        yield {
          path: childPath(path, 'hostPort'),
          message: `hostPort ${describeValue(hostPort)} differs from containerPort ${describeValue(containerPort)}, but awsvpc cannot remap ports; remove hostPort or set it to the containerPort.`,
        };
      }
    }),
  },
  { id: 'port-conflict', check: checkPortConflicts },
];
