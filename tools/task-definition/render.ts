// `npm run infra:render`: writes tools/task-definition/task-definition.json, the task as the
// synthesized template declares it, in the shape
// `aws ecs register-task-definition --cli-input-json` reads. What only the
// deployed stack knows (role ARNs, the log group, the region, the secret, the
// images) stands as a {{NAME}} placeholder. `npm run infra:check` fails when
// the committed file is not what this renders.
import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { placeholder, type Placeholder } from './placeholders.ts';
import { synthesizeTemplate, type CfnTemplate } from '../../test/helpers/synth.ts';

export const TASK_DEFINITION_FILE = fileURLToPath(new URL('./task-definition.json', import.meta.url));

// The image of each container, by name: a built image's tag is its content
// hash, which would change the file with every edit of services/.
const IMAGES: Readonly<Record<string, Placeholder>> = { frontend: 'FRONTEND_IMAGE', backend: 'BACKEND_IMAGE' };

// Resources the stack creates that the task definition refers to, by type.
const REFERENCED: Readonly<Record<string, Placeholder>> = {
  'AWS::Logs::LogGroup': 'LOG_GROUP',
  'AWS::SecretsManager::Secret': 'SECRET_ARN',
};

// Maps whose keys are names (log driver options, labels), not CloudFormation property names.
const MAPS = new Set(['Options', 'DockerLabels']);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isIntrinsic = (value: Json): boolean =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 1 && /^(Ref|Fn::)/.test(Object.keys(value)[0]!);

/** The stack's one task definition, in the API's shape, with placeholders for the values the stack creates. */
export function taskDefinitionOf(template: CfnTemplate): RegisterTaskDefinitionCommandInput {
  const definitions = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::ECS::TaskDefinition');
  if (definitions.length !== 1) throw new Error(`the template has ${definitions.length} task definitions, not one`);
  const properties = definitions[0]!.Properties as { [key: string]: Json };

  const resolve = (value: Json, path: string): string => {
    const ref = (value as { Ref?: Json }).Ref;
    if (ref === 'AWS::Region') return placeholder('REGION');
    const name = typeof ref === 'string' ? REFERENCED[template.Resources[ref]?.Type ?? ''] : undefined;
    if (name === undefined) throw new Error(`${path}: no placeholder stands for ${JSON.stringify(value)}`);
    return placeholder(name);
  };

  const convert = (value: Json, path: string, keepKeys = false): Json => {
    if (isIntrinsic(value)) return resolve(value, path);
    if (Array.isArray(value)) return value.map((item, index) => convert(item, `${path}[${index}]`));
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [keepKeys ? key : key[0]!.toLowerCase() + key.slice(1), convert(item, `${path}.${key}`, MAPS.has(key))]),
    );
  };

  const { ExecutionRoleArn, TaskRoleArn, ContainerDefinitions, ...rest } = properties;
  const containers = (ContainerDefinitions as { [key: string]: Json }[]).map(({ Image, ...container }, index) => {
    const built = IMAGES[String(container.Name)];
    // An image named in the code (a sidecar's public image, say) stays as written.
    if (built === undefined && typeof Image === 'string') return { ...(convert(container, `ContainerDefinitions[${index}]`) as object), image: Image };
    if (built === undefined) {
      throw new Error(`ContainerDefinitions[${index}]: the image of ${JSON.stringify(container.Name)} is made by the stack; give it a placeholder in IMAGES (tools/task-definition/render.ts)`);
    }
    return { ...(convert(container, `ContainerDefinitions[${index}]`) as object), image: placeholder(built) };
  });
  return {
    ...(convert(rest, '') as object),
    ...(ExecutionRoleArn === undefined ? {} : { executionRoleArn: placeholder('EXECUTION_ROLE_ARN') }),
    ...(TaskRoleArn === undefined ? {} : { taskRoleArn: placeholder('TASK_ROLE_ARN') }),
    containerDefinitions: containers,
  } as RegisterTaskDefinitionCommandInput;
}

let defaultTaskDefinition: RegisterTaskDefinitionCommandInput | undefined;

/** The task definition of the stack with its default options (synthesized once per process). */
export function synthesizedTaskDefinition(): RegisterTaskDefinitionCommandInput {
  defaultTaskDefinition ??= taskDefinitionOf(synthesizeTemplate());
  return structuredClone(defaultTaskDefinition);
}

/** Two-space JSON with every object's keys sorted, so the file changes only when a value does. */
export function renderTaskDefinition(definition: object = synthesizedTaskDefinition()): string {
  return `${JSON.stringify(definition, sortKeys, 2)}\n`;
}

function sortKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const object = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(object)
      .sort()
      .map((key) => [key, object[key]]),
  );
}

if (import.meta.main) {
  writeFileSync(TASK_DEFINITION_FILE, renderTaskDefinition());
  process.stdout.write(`wrote ${relative(process.cwd(), TASK_DEFINITION_FILE)}\n`);
}
