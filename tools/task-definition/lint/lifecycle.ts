// How the containers start and stop: dependsOn orders the start (and, in
// reverse, the stop), essential containers decide when the task ends, and the
// start and stop timeouts bound the waiting.
import { describeValue, orList } from './describe.ts';
import { childPath, hasPlaceholder, isObject, objectsIn } from './json.ts';
import { checkRange, type Range } from './range.ts';
import { eachContainer, type Container, type Issue, type Rule, type TaskView } from './task.ts';

const CONDITIONS = ['START', 'COMPLETE', 'SUCCESS', 'HEALTHY'];
const EXIT_CONDITIONS = ['COMPLETE', 'SUCCESS'];

interface Dependency {
  readonly from: Container;
  /** `containerDefinitions[1].dependsOn[0]` */
  readonly path: string;
  readonly containerName: unknown;
  /** The container waited for, when the name is one of the task's. */
  readonly target: Container | undefined;
  readonly condition: unknown;
}

function dependencies(task: TaskView): Dependency[] {
  return task.containers.flatMap((from) =>
    objectsIn(from.def, 'dependsOn', from.path).map(({ value, path }) => ({
      from,
      path,
      containerName: value.containerName,
      target: typeof value.containerName === 'string' ? task.byName.get(value.containerName) : undefined,
      condition: value.condition,
    })),
  );
}

/** A rule that looks at each dependsOn entry on its own. */
function eachDependency(check: (dependency: Dependency) => Issue | undefined): (task: TaskView) => Iterable<Issue> {
  return (task) => dependencies(task).flatMap((dependency) => check(dependency) ?? []);
}

// A depth-first walk: a dependsOn entry that leads back to a container still
// open on the walk closes a loop. Iterative, so no input can overflow the stack.
function* checkCycles(task: TaskView): Generator<Issue> {
  const edges = Map.groupBy(
    dependencies(task).filter((dependency) => dependency.target !== undefined),
    (dependency) => dependency.from,
  );
  const state = new Map<Container, 'open' | 'done'>();
  for (const root of task.containers) {
    if (state.has(root)) continue;
    state.set(root, 'open');
    const walk = [{ container: root, next: 0 }];
    for (let top = walk.at(-1); top !== undefined; top = walk.at(-1)) {
      const edge = edges.get(top.container)?.[top.next++];
      const target = edge?.target;
      if (edge === undefined || target === undefined) {
        // Every dependency of this container has been followed.
        state.set(top.container, 'done');
        walk.pop();
      } else if (!state.has(target)) {
        state.set(target, 'open');
        walk.push({ container: target, next: 0 });
      } else if (state.get(target) === 'open') {
        const loop = walk.slice(walk.findIndex((step) => step.container === target)).map((step) => step.container.label);
        yield {
          path: edge.path,
          message:
            loop.length === 1
              ? `${edge.from.label} depends on itself, so it can never start; remove this dependsOn entry.`
              : `These containers wait for each other in a loop (${[...loop, loop[0]].join(' → ')}), so none of them can start; remove one of these dependsOn entries.`,
        };
      }
    }
  }
}

// Fargate's bounds for the container timeouts; startTimeout is how long a
// container waits for its dependsOn conditions.
const TIMEOUTS: ReadonlyArray<{ id: string; key: string; range: Range }> = [
  { id: 'stop-timeout', key: 'stopTimeout', range: { min: 2, max: 120, unit: ' seconds' } },
  { id: 'start-timeout', key: 'startTimeout', range: { min: 2, max: 120, unit: ' seconds' } },
];

export const lifecycleRules: readonly Rule[] = [
  {
    id: 'depends-on-unknown',
    check: eachDependency(({ from, path, containerName, target }) => {
      if (target !== undefined || hasPlaceholder(containerName)) return undefined;
      const message =
        containerName === undefined
          ? `This dependsOn entry of ${from.label} has no containerName; name the container to wait for.`
          : `${from.label} depends on ${describeValue(containerName)}, but the task has no container by that name; fix containerName or remove this dependsOn entry.`;
      return { path: childPath(path, 'containerName'), message };
    }),
  },
  {
    id: 'depends-on-condition',
    check: eachDependency(({ from, path, condition }) =>
      typeof condition === 'string' && CONDITIONS.includes(condition)
        ? undefined
        : { path: childPath(path, 'condition'), message: `${from.label} waits for the condition ${describeValue(condition)}; use ${orList(CONDITIONS)}.` },
    ),
  },
  { id: 'depends-on-cycle', check: checkCycles },
  {
    id: 'depends-on-healthy-without-check',
    check: eachDependency(({ from, path, target, condition }) =>
      condition !== 'HEALTHY' || target === undefined || isObject(target.def.healthCheck)
        ? undefined
        : {
            path: childPath(path, 'condition'),
            message: `${from.label} waits for ${target.label} to be HEALTHY, but ${target.label} has no healthCheck; add one to ${target.label} or wait for START.`,
          },
    ),
  },
  {
    id: 'depends-on-complete-essential',
    check: eachDependency(({ from, path, target, condition }) =>
      typeof condition !== 'string' || !EXIT_CONDITIONS.includes(condition) || target?.essential !== true
        ? undefined
        : {
            path: childPath(path, 'condition'),
            message: `${from.label} waits for ${target.label} to exit (${condition}), but ${target.label} is essential and its exit stops the task; set "essential": false on ${target.label}.`,
          },
    ),
  },
  {
    id: 'no-essential',
    *check(task) {
      if (task.containers.length === 0 || task.containers.some((container) => container.essential)) return;
      yield {
        path: 'containerDefinitions',
        message: 'Every container has "essential": false, but a task needs at least one essential container; remove "essential": false from the container the task exists to run.',
      };
    },
  },
  ...TIMEOUTS.map(({ id, key, range }) => ({
    id,
    check: eachContainer((container) => checkRange(container.def, key, container.path, `${key} of ${container.label}`, range)),
  })),
];
