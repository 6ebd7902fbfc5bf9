// The container list itself: every other rule needs containers it can tell
// apart by name, and ECS refuses a task without them.
import { describeValue } from './describe.ts';
import { childPath, isObject } from './json.ts';
import type { Container, Issue, Rule, TaskView } from './task.ts';

// ECS: up to 255 letters, numbers, hyphens and underscores.
const CONTAINER_NAME = /^[A-Za-z0-9_-]{1,255}$/;

function* checkList(task: TaskView): Generator<Issue> {
  const list: unknown = task.def.containerDefinitions;
  if (!Array.isArray(list) || list.length === 0) {
    yield {
      path: 'containerDefinitions',
      message: `containerDefinitions is ${describeValue(list)}; list at least one container, each an object with a name and an image.`,
    };
    return;
  }
  for (const [index, value] of list.entries()) {
    if (!isObject(value)) {
      yield { path: childPath('containerDefinitions', index), message: `This container definition is ${describeValue(value)}; write it as an object with a name and an image.` };
    }
  }
}

function* checkName(container: Container, task: TaskView): Generator<Issue> {
  const name = container.def.name;
  const path = childPath(container.path, 'name');
  if (typeof name !== 'string' || !CONTAINER_NAME.test(name)) {
    yield { path, message: `The container name is ${describeValue(name)}; give each container a unique name of 1 to 255 letters, digits, hyphens and underscores.` };
    return;
  }
  const first = task.byName.get(name);
  if (first !== undefined && first !== container) {
    yield { path, message: `The container name "${name}" is already used by ${first.path}; give each container a unique name.` };
  }
}

function* checkImage(container: Container): Generator<Issue> {
  const image = container.def.image;
  if (typeof image !== 'string' || image.trim() === '') {
    yield { path: childPath(container.path, 'image'), message: `${container.label} has no image; set image to the image it runs, such as "public.ecr.aws/docker/library/node:24".` };
  }
}

export const containerRules: readonly Rule[] = [
  {
    id: 'container-definitions',
    *check(task) {
      yield* checkList(task);
      for (const container of task.containers) {
        yield* checkName(container, task);
        yield* checkImage(container);
      }
    },
  },
];
