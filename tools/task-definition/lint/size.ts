// Task and container sizes. Fargate runs a task only in one of a fixed set of
// CPU and memory combinations; container sizes are optional but must fit in
// the task's.
import { describeValue, orList } from './describe.ts';
import { childPath, hasPlaceholder, isWholeNumber, objectAt, type JsonObject } from './json.ts';
import { checkRange } from './range.ts';
import { eachContainer, type Issue, type Rule, type TaskView } from './task.ts';

interface MemorySteps {
  readonly from: number;
  readonly to: number;
  readonly step: number;
}

export interface FargateSize {
  /** CPU units (1024 = 1 vCPU) */
  readonly cpu: number;
  /** MiB */
  readonly memory: readonly number[] | MemorySteps;
}

// Fargate on Linux (the ECS developer guide, "Task size"). The 32 vCPU size
// appears only in cfn-lint's data, not in the ECS documentation: left out on purpose.
export const FARGATE_SIZES: readonly FargateSize[] = [
  { cpu: 256, memory: [512, 1024, 2048] },
  { cpu: 512, memory: { from: 1024, to: 4096, step: 1024 } },
  { cpu: 1024, memory: { from: 2048, to: 8192, step: 1024 } },
  { cpu: 2048, memory: { from: 4096, to: 16384, step: 1024 } },
  { cpu: 4096, memory: { from: 8192, to: 30720, step: 1024 } },
  { cpu: 8192, memory: { from: 16384, to: 61440, step: 4096 } },
  { cpu: 16384, memory: { from: 32768, to: 122880, step: 8192 } },
];

function fits(memory: FargateSize['memory'], mib: number): boolean {
  if ('from' in memory) return mib >= memory.from && mib <= memory.to && (mib - memory.from) % memory.step === 0;
  return memory.includes(mib);
}

function describeMemory(memory: FargateSize['memory']): string {
  if ('from' in memory) return `${memory.from} to ${memory.to} MiB in steps of ${memory.step}`;
  return `${orList(memory)} MiB`;
}

// ECS reads task cpu as CPU units ("256") or vCPUs ("0.25 vCPU"), and memory
// as MiB ("512") or GB ("0.5 GB"); either way 1 unit is 1024 of the base.
const TASK_SIZE_FORMATS = {
  cpu: { pattern: /^(\d*\.?\d+)\s*vcpu$/i, example: '"256" (CPU units) or "0.25 vCPU"' },
  memory: { pattern: /^(\d*\.?\d+)\s*gb$/i, example: '"512" (MiB) or "0.5 GB"' },
} as const;

type TaskSizeField = keyof typeof TASK_SIZE_FORMATS;

/** The task's cpu in CPU units or memory in MiB; an Issue when ECS cannot read it; undefined while a placeholder stands in for it. */
function readTaskSize(def: JsonObject, field: TaskSizeField): number | Issue | undefined {
  const raw = def[field];
  const { pattern, example } = TASK_SIZE_FORMATS[field];
  if (hasPlaceholder(raw)) return undefined;
  if (raw === undefined) return { path: field, message: `The task has no ${field}; Fargate needs one, such as ${example}.` };
  if (typeof raw !== 'string') {
    return { path: field, message: `${field} is ${describeValue(raw)}, but ECS reads it only as a string; write it as ${example}.` };
  }
  const value = /^\d+$/.test(raw) ? Number(raw) : Number(pattern.exec(raw)?.[1]) * 1024;
  if (Number.isInteger(value) && value > 0) return value;
  return { path: field, message: `${field} ${describeValue(raw)} is not a size ECS reads; write it as ${example}.` };
}

function* checkTaskSize(task: TaskView): Generator<Issue> {
  const cpu = readTaskSize(task.def, 'cpu');
  const memory = readTaskSize(task.def, 'memory');
  for (const reading of [cpu, memory]) if (typeof reading === 'object') yield reading;
  if (typeof cpu !== 'number') return;
  const size = FARGATE_SIZES.find((candidate) => candidate.cpu === cpu);
  if (size === undefined) {
    const cpus = FARGATE_SIZES.map((candidate) => candidate.cpu);
    yield { path: 'cpu', message: `cpu ${cpu} (CPU units) is not a Fargate task size; use ${orList(cpus)}.` };
    return;
  }
  if (typeof memory === 'number' && !fits(size.memory, memory)) {
    const cpus = FARGATE_SIZES.filter((candidate) => fits(candidate.memory, memory)).map((candidate) => candidate.cpu);
    const otherwise = cpus.length > 0 ? `, or set cpu to ${orList(cpus)} for ${memory} MiB` : '';
    yield { path: 'memory', message: `memory ${memory} MiB does not fit cpu ${cpu} on Fargate; with ${cpu} CPU units use ${describeMemory(size.memory)}${otherwise}.` };
  }
}

// Container-level values are integers (CPU units, MiB) whose sum must fit the task's.
const CONTAINER_SIZES = [
  { field: 'cpu', min: 0, task: 'cpu', unit: 'CPU units' },
  { field: 'memory', min: 1, task: 'memory', unit: 'MiB' },
  { field: 'memoryReservation', min: 1, task: 'memory', unit: 'MiB' },
] as const;

function* checkContainerSums(task: TaskView): Generator<Issue> {
  for (const { field, min, task: taskField, unit } of CONTAINER_SIZES) {
    let sum = 0;
    for (const container of task.containers) {
      const value = container.def[field];
      if (value === undefined || hasPlaceholder(value)) continue;
      if (isWholeNumber(value) && value >= min) {
        sum += value;
      } else {
        yield { path: childPath(container.path, field), message: `${field} of ${container.label} is ${describeValue(value)}; set it to a whole number of ${unit}, or remove it.` };
      }
    }
    const limit = readTaskSize(task.def, taskField);
    if (typeof limit === 'number' && sum > limit) {
      yield {
        path: taskField,
        message: `The containers' ${field} adds up to ${sum} ${unit}, more than the task's ${taskField} of ${limit} ${unit}; lower the containers' ${field} or raise the task's ${taskField}.`,
      };
    }
  }
}

export const sizeRules: readonly Rule[] = [
  { id: 'task-size', check: checkTaskSize },
  { id: 'container-size-sum', check: checkContainerSums },
  {
    id: 'memory-reservation',
    check: eachContainer(function* (container) {
      const { memory, memoryReservation } = container.def;
      if (isWholeNumber(memory) && isWholeNumber(memoryReservation) && memory <= memoryReservation) {
        yield {
          path: childPath(container.path, 'memoryReservation'),
          message: `memoryReservation of ${container.label} (${memoryReservation} MiB) must be below its memory (${memory} MiB), the hard limit; lower memoryReservation or remove one of the two.`,
        };
      }
    }),
  },
  {
    id: 'ephemeral-storage',
    *check(task) {
      const storage = objectAt(task.def, 'ephemeralStorage', '');
      if (storage === undefined) return;
      // Fargate gives 20 GiB without the setting; asking for it explicitly means 21 or more.
      yield* checkRange(storage.value, 'sizeInGiB', storage.path, 'The ephemeral storage size', { min: 21, max: 200, unit: ' GiB' }, true);
    },
  },
];
