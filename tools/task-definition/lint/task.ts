// The task definition as the rules read it: its containers, already located
// and named, so that no rule repeats how to find them.
import { childPath, isObject, type JsonObject } from './json.ts';

/** What a rule reports: where the problem is and what to do about it. */
export interface Issue {
  readonly path: string;
  readonly message: string;
}

export interface Container {
  readonly def: JsonObject;
  /** `containerDefinitions[1]` */
  readonly path: string;
  readonly name: string | undefined;
  /** How messages name the container: `"backend"`, or its path when it has no name. */
  readonly label: string;
  /** ECS treats a container as essential unless it says `"essential": false`. */
  readonly essential: boolean;
}

export interface TaskView {
  readonly def: JsonObject;
  /** The entries of containerDefinitions that are objects; the container-definitions rule reports the rest. */
  readonly containers: readonly Container[];
  /** The first container of each name, for dependsOn. */
  readonly byName: ReadonlyMap<string, Container>;
}

export interface Rule {
  /** Stable: users filter on it and tests assert it. */
  readonly id: string;
  readonly check: (task: TaskView) => Iterable<Issue>;
}

export function readTask(def: JsonObject): TaskView {
  const list: unknown = def.containerDefinitions;
  const containers = (Array.isArray(list) ? list : []).flatMap((value: unknown, index): Container[] => {
    if (!isObject(value)) return [];
    const name = typeof value.name === 'string' && value.name !== '' ? value.name : undefined;
    const path = childPath('containerDefinitions', index);
    return [{ def: value, path, name, label: name === undefined ? path : JSON.stringify(name), essential: value.essential !== false }];
  });
  const byName = new Map<string, Container>();
  for (const container of containers) {
    if (container.name !== undefined && !byName.has(container.name)) byName.set(container.name, container);
  }
  return { def, containers, byName };
}

/** The check of a rule that looks at one container at a time. */
export function eachContainer(check: (container: Container, task: TaskView) => Iterable<Issue>): (task: TaskView) => Iterable<Issue> {
  return function* (task) {
    for (const container of task.containers) yield* check(container, task);
  };
}
