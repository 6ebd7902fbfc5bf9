// What Fargate's Linux platform offers: a launch type, two CPU architectures,
// and a subset of Docker's Linux and namespace settings.
import { describeValue, orList } from './describe.ts';
import { childPath, hasPlaceholder, objectAt } from './json.ts';
import { eachContainer, type Rule } from './task.ts';

const RUNTIME_PLATFORM = [
  { key: 'cpuArchitecture', allowed: ['X86_64', 'ARM64'] },
  { key: 'operatingSystemFamily', allowed: ['LINUX'] },
];

// Linux parameters Fargate rejects, and what to do instead.
const UNSUPPORTED_LINUX_PARAMETERS = [
  { key: 'devices', instead: 'Fargate exposes no host devices' },
  { key: 'sharedMemorySize', instead: 'Fargate does not size /dev/shm' },
  { key: 'tmpfs', instead: 'mount a volume for writable scratch space instead' },
  { key: 'maxSwap', instead: 'Fargate has no swap' },
  { key: 'swappiness', instead: 'Fargate has no swap' },
];
// The one capability Fargate lets a container add (for debuggers and profilers).
const ADDABLE_CAPABILITY = 'SYS_PTRACE';

export const platformRules: readonly Rule[] = [
  {
    id: 'compatibilities',
    *check(task) {
      const compatibilities = task.def.requiresCompatibilities;
      if (Array.isArray(compatibilities) && compatibilities.includes('FARGATE')) return;
      yield {
        path: 'requiresCompatibilities',
        message: `requiresCompatibilities is ${describeValue(compatibilities)}; include "FARGATE" so that ECS checks the task against Fargate's rules and can run it there.`,
      };
    },
  },
  {
    id: 'runtime-platform',
    *check(task) {
      const platform = objectAt(task.def, 'runtimePlatform', '');
      if (platform === undefined) return;
      for (const { key, allowed } of RUNTIME_PLATFORM) {
        const value = platform.value[key];
        if (value === undefined || hasPlaceholder(value) || (typeof value === 'string' && allowed.includes(value))) continue;
        yield {
          path: childPath(platform.path, key),
          message: `runtimePlatform.${key} is ${describeValue(value)}; Fargate on Linux takes ${orList(allowed.map((name) => `"${name}"`))}.`,
        };
      }
    },
  },
  {
    id: 'linux-parameters',
    check: eachContainer(function* (container) {
      const parameters = objectAt(container.def, 'linuxParameters', container.path);
      if (parameters === undefined) return;
      for (const { key, instead } of UNSUPPORTED_LINUX_PARAMETERS) {
        if (parameters.value[key] === undefined) continue;
        yield { path: childPath(parameters.path, key), message: `linuxParameters.${key} of ${container.label} is not supported on Fargate; remove it (${instead}).` };
      }
      const capabilities = objectAt(parameters.value, 'capabilities', parameters.path);
      const added: unknown = capabilities?.value.add;
      if (capabilities === undefined || !Array.isArray(added)) return;
      for (const [index, capability] of added.entries()) {
        if (capability === ADDABLE_CAPABILITY) continue;
        yield {
          path: childPath(childPath(capabilities.path, 'add'), index),
          message: `${container.label} adds the capability ${describeValue(capability)}, but Fargate lets containers add only "${ADDABLE_CAPABILITY}"; remove it.`,
        };
      }
    }),
  },
  {
    id: 'pid-mode',
    *check(task) {
      const mode = task.def.pidMode;
      if (mode === undefined || mode === 'task') return;
      yield { path: 'pidMode', message: `pidMode is ${describeValue(mode)}, but Fargate supports only "task" (one process namespace for the task's containers); set it to "task" or remove it.` };
    },
  },
  {
    id: 'ipc-mode',
    *check(task) {
      if (task.def.ipcMode === undefined) return;
      yield { path: 'ipcMode', message: `ipcMode is ${describeValue(task.def.ipcMode)}, but Fargate does not support ipcMode; remove it.` };
    },
  },
];
