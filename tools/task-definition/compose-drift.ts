// Does docker-compose.yml run the task the stack deploys? Each container of
// the synthesized task definition is turned into what its compose service
// should say, and the two are compared fact by fact: a health check or a port
// changed on one side only becomes a difference a person can read and fix.
import type { ContainerCondition, ContainerDefinition } from '@aws-sdk/client-ecs';
import { composeServices, publishedPorts, readComposeContainer, type ComposeContainer, type Mapping } from '../../test/helpers/compose-file.ts';
import { isPlaceholder } from './placeholders.ts';
import { synthesizedTaskDefinition } from './render.ts';
import { CONTAINER_SOURCES, type ContainerName, type ContainerSource } from '../../infra/task.ts';

/**
 * A container of the task, with what the task definition cannot say about
 * it: the Dockerfile and settings of one of our services, or nothing more
 * for a container whose image the code names (a sidecar's public image).
 */
export interface TaskContainer extends Partial<ContainerSource> {
  readonly definition: ContainerDefinition & { readonly name: string };
}

// An image the stack makes: a placeholder in the rendered task definition, or none in the template.
const madeByStack = (image: string | undefined) => image === undefined || isPlaceholder(image);

/** The containers of a task definition (by default the synthesized stack's), each with its Dockerfile and settings. */
export function taskContainers(taskDefinition = synthesizedTaskDefinition()): TaskContainer[] {
  return (taskDefinition.containerDefinitions ?? []).map((definition) => {
    const source = CONTAINER_SOURCES[definition.name as ContainerName] as ContainerSource | undefined;
    if (source === undefined && madeByStack(definition.image)) {
      throw new Error(`the task definition has a container ${JSON.stringify(definition.name)} built by the stack that CONTAINER_SOURCES (infra/task.ts) does not know`);
    }
    return { definition: { ...definition, name: String(definition.name) }, ...source };
  });
}

// The compose service that owns the network namespace, as ECS's hidden pause
// container does in the task: the containers join it and it publishes the ports.
const NAMESPACE_OWNER = 'task';

/**
 * Compose services that are not containers of the task: the namespace owner
 * (which also serves ECS's endpoints), `aws` (moto, standing in for Secrets
 * Manager and STS) and `secret-init` (creates the secret in moto). Of the
 * owner, only its published ports and its address are compared.
 */
export const COMPOSE_ONLY_SERVICES: readonly string[] = [NAMESPACE_OWNER, 'aws', 'secret-init'];

/**
 * Variables compose may set that the task definition never does. On Fargate,
 * ECS gives the SDK the region, and the SDK calls the real Secrets Manager;
 * locally these point it at moto.
 */
export const COMPOSE_ONLY_VARIABLES: readonly string[] = ['AWS_ENDPOINT_URL_SECRETS_MANAGER', 'AWS_REGION'];

/**
 * Variables ECS sets in every container of a task, so the task definition
 * never names them: compose must set both on each task container, pointing at
 * the namespace owner, which serves ECS's endpoints at ECS_ENDPOINT_ADDRESS.
 */
export const ECS_ENDPOINT_VARIABLES: readonly string[] = ['ECS_CONTAINER_METADATA_URI_V4', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'];

/** Where the SDKs and ECS_CONTAINER_METADATA_URI_V4 find ECS's endpoints, in every task. */
export const ECS_ENDPOINT_ADDRESS = '169.254.170.2';

/**
 * Keys a task's containers never hold on Fargate: the task role's
 * credentials come from ECS's endpoint, and keys in the environment would
 * win over it in the SDK's default chain, hiding a role that does not work.
 */
export const STATIC_KEY_VARIABLES: readonly string[] = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];

// Compose cannot wait for "exited with any code" (COMPLETE): successful exit is the nearest.
const COMPOSE_CONDITION: Readonly<Record<ContainerCondition, string>> = {
  START: 'service_started',
  HEALTHY: 'service_healthy',
  SUCCESS: 'service_completed_successfully',
  COMPLETE: 'service_completed_successfully',
};

// ECS's defaults where the model leaves a field out.
const ECS_DEFAULTS = { interval: 30, timeout: 5, retries: 3, startPeriod: 0, stopTimeout: 30 } as const;
const CPU_UNITS_PER_CPU = 1024;
const MIB = 1024 ** 2;

/** What the container's compose service should say, according to the model. */
function expectedService({ definition, dockerfile }: TaskContainer): ComposeContainer {
  const check = definition.healthCheck;
  return {
    dockerfile,
    image: madeByStack(definition.image) ? undefined : definition.image,
    networkMode: `service:${NAMESPACE_OWNER}`,
    healthcheck: check && {
      test: check.command ?? [],
      interval: check.interval ?? ECS_DEFAULTS.interval,
      timeout: check.timeout ?? ECS_DEFAULTS.timeout,
      retries: check.retries ?? ECS_DEFAULTS.retries,
      startPeriod: check.startPeriod ?? ECS_DEFAULTS.startPeriod,
    },
    dependsOn: Object.fromEntries(
      (definition.dependsOn ?? []).map(({ containerName, condition }) => [containerName, condition ? COMPOSE_CONDITION[condition] : 'no condition']),
    ),
    stopGracePeriod: definition.stopTimeout ?? ECS_DEFAULTS.stopTimeout,
    // A container's cpu is a share of the task's in ECS and a hard limit in
    // compose; with both containers busy, each gets the same either way.
    cpus: definition.cpu === undefined ? undefined : definition.cpu / CPU_UNITS_PER_CPU,
    memLimit: definition.memory === undefined ? undefined : definition.memory * MIB,
    readOnly: definition.readonlyRootFilesystem ?? false,
    user: definition.user,
    init: definition.linuxParameters?.initProcessEnabled ?? false,
    capDrop: [...(definition.linuxParameters?.capabilities?.drop ?? [])].map((name) => name.toUpperCase()).sort(),
    restart: composeRestart(definition.restartPolicy),
    environment: [...(definition.environment ?? []), ...(definition.secrets ?? [])].map(({ name }) => String(name)),
  };
}

/**
 * Docker's restart policy for ECS's: restart on any exit (unless-stopped),
 * or on a non-zero one when exit code 0 is ignored (on-failure). Docker has
 * no restart attempt period: a container that keeps crashing at start is
 * restarted with a growing delay, where ECS stops the task (docs/parity.md).
 */
function composeRestart(policy: ContainerDefinition['restartPolicy']): string {
  if (policy?.enabled !== true) return 'no';
  const ignored = policy.ignoredExitCodes ?? [];
  if (ignored.length === 0) return 'unless-stopped';
  if (ignored.length === 1 && ignored[0] === 0) return 'on-failure';
  return `no compose equivalent (ignoredExitCodes ${ignored.join(', ')})`;
}

const duration = (seconds: number) => `${seconds}s`;

/** The facts compared, each shown the same way for both sides; undefined when it does not apply. */
const FACTS: ReadonlyArray<{ label: string; show: (service: ComposeContainer) => string | undefined }> = [
  { label: 'Dockerfile (build)', show: (s) => s.dockerfile ?? 'none, no build' },
  { label: 'image, when no Dockerfile builds it', show: (s) => (s.dockerfile === undefined ? (s.image ?? 'none') : undefined) },
  { label: 'network namespace (network_mode)', show: (s) => s.networkMode ?? 'its own' },
  { label: 'health-check command (healthcheck.test)', show: (s) => (s.healthcheck ? JSON.stringify(s.healthcheck.test) : 'none') },
  { label: 'health-check interval (healthcheck.interval)', show: (s) => s.healthcheck && duration(s.healthcheck.interval) },
  { label: 'health-check timeout (healthcheck.timeout)', show: (s) => s.healthcheck && duration(s.healthcheck.timeout) },
  { label: 'health-check retries (healthcheck.retries)', show: (s) => s.healthcheck && String(s.healthcheck.retries) },
  { label: 'health-check start period (healthcheck.start_period)', show: (s) => s.healthcheck && duration(s.healthcheck.startPeriod) },
  { label: 'depends on (depends_on)', show: (s) => dependencies(s) || 'nothing' },
  { label: 'stop timeout (stop_grace_period)', show: (s) => duration(s.stopGracePeriod) },
  { label: 'CPU (cpus)', show: (s) => (s.cpus === undefined ? 'no limit' : String(s.cpus)) },
  { label: 'memory (mem_limit)', show: (s) => (s.memLimit === undefined ? 'no limit' : s.memLimit % MIB === 0 ? `${s.memLimit / MIB}m` : `${s.memLimit}b`) },
  { label: 'read-only root filesystem (read_only)', show: (s) => String(s.readOnly) },
  { label: 'user', show: (s) => s.user ?? "the image's" },
  { label: 'init process (init)', show: (s) => String(s.init) },
  { label: 'capabilities dropped (cap_drop)', show: (s) => s.capDrop.join(', ') || 'none' },
  { label: 'restart in place (restart)', show: (s) => s.restart },
];

// Compose-only services (waiting for the secret to exist, say) are local plumbing, not part of the task.
function dependencies(service: ComposeContainer): string {
  return Object.entries(service.dependsOn)
    .filter(([name]) => !COMPOSE_ONLY_SERVICES.includes(name))
    .map(([name, condition]) => `${name} ${condition}`)
    .sort()
    .join(', ');
}

/**
 * Where the parsed compose document and the model disagree, one sentence per
 * difference; empty when they agree. Throws when the document is malformed.
 */
export function composeDrift(compose: unknown, containers: readonly TaskContainer[] = taskContainers()): string[] {
  const services = composeServices(compose);
  const drift: string[] = [];

  const modelNames = containers.map(({ definition }) => definition.name);
  for (const name of Object.keys(services)) {
    if (!COMPOSE_ONLY_SERVICES.includes(name) && !modelNames.includes(name)) {
      drift.push(`${name}: a compose service, but not a container of the task model (add it to the model, or to COMPOSE_ONLY_SERVICES if it only exists locally)`);
    }
  }

  for (const container of containers) {
    const { name } = container.definition;
    const service = services[name];
    if (service === undefined) {
      drift.push(`${name}: a container of the task model, but not a compose service`);
      continue;
    }
    drift.push(...serviceDrift(name, expectedService(container), readComposeContainer(name, service)));
  }

  drift.push(...portDrift(containers, services[NAMESPACE_OWNER]));
  drift.push(...ownerDrift(services[NAMESPACE_OWNER]));
  return drift;
}

function serviceDrift(name: string, model: ComposeContainer, compose: ComposeContainer): string[] {
  const drift: string[] = [];
  for (const { label, show } of FACTS) {
    const [inModel, inCompose] = [show(model), show(compose)];
    if (inModel !== undefined && inCompose !== undefined && inModel !== inCompose) {
      drift.push(`${name}: ${label}: task model ${inModel}, compose ${inCompose}`);
    }
  }
  for (const variable of model.environment) {
    if (!compose.environment.includes(variable)) drift.push(`${name}: environment: ${variable} is set in the task model, not in compose`);
  }
  for (const variable of ECS_ENDPOINT_VARIABLES) {
    if (!compose.environment.includes(variable)) drift.push(`${name}: environment: ${variable} is not set in compose: ECS sets it in every container of a task`);
  }
  for (const variable of compose.environment) {
    if (STATIC_KEY_VARIABLES.includes(variable)) {
      drift.push(`${name}: environment: ${variable} is set in compose: a task's containers hold no AWS keys, they get the task role's from AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`);
    } else if (!model.environment.includes(variable) && !COMPOSE_ONLY_VARIABLES.includes(variable) && !ECS_ENDPOINT_VARIABLES.includes(variable)) {
      drift.push(`${name}: environment: ${variable} is set in compose, not in the task model (nor one of COMPOSE_ONLY_VARIABLES)`);
    }
  }
  return drift;
}

/** The namespace owner must hold ECS's endpoint address, which the task containers' variables point at. */
function ownerDrift(owner: Mapping | undefined): string[] {
  if (owner === undefined) return [];
  const networks = owner.networks;
  const addresses =
    typeof networks === 'object' && networks !== null && !Array.isArray(networks)
      ? Object.values(networks).map((network) => (network as Mapping | null)?.ipv4_address)
      : [];
  return addresses.includes(ECS_ENDPOINT_ADDRESS)
    ? []
    : [`${NAMESPACE_OWNER}: holds no ipv4_address ${ECS_ENDPOINT_ADDRESS} (networks.NAME.ipv4_address): it serves ECS's endpoints there, for the containers in its namespace`];
}

function portDrift(containers: readonly TaskContainer[], owner: Mapping | undefined): string[] {
  if (owner === undefined) {
    return [`${NAMESPACE_OWNER}: no such compose service: it owns the network namespace the containers share and publishes the task's ports`];
  }
  const show = (ports: string[]) => ports.sort().join(', ') || 'none';
  const inModel = show(containers.flatMap(({ definition }) => (definition.portMappings ?? []).map((port) => `${port.containerPort}/${port.protocol ?? 'tcp'}`)));
  const inCompose = show(publishedPorts(NAMESPACE_OWNER, owner));
  return inModel === inCompose ? [] : [`ports: task model container ports ${inModel}, compose service "${NAMESPACE_OWNER}" publishes ${inCompose}`];
}
