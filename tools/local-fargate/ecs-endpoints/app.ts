// ECS's endpoints for the compose task, as Fargate serves them at
// http://169.254.170.2: the task metadata endpoint v4 (ECS_CONTAINER_METADATA_URI_V4)
// and the task role's credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI).
// The facts come from Docker (the task's containers) and from the task
// definition (family, size); the credentials from STS. Without side effects:
// main.ts listens.
import { timingSafeEqual } from 'node:crypto';
import { fastify, LogController, type FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { TSchema } from 'typebox';
import type { RoleCredentials } from './credentials.ts';
import { DockerError, type ContainerInspect, type DockerApi } from './docker.ts';
import { containerMetadata, knownStatus, SERVICE_LABEL, taskMetadata, type TaskFacts } from './metadata.ts';
import { ContainerMetadata, ContainerStats, Credentials, CredentialsParams, ErrorBody, MetadataParams, TaskMetadata, TaskStats } from './schemas.ts';
import { StatsCache, type StatsOptions } from './stats.ts';

export interface EndpointsConfig {
  /** The compose project whose containers make the task. */
  readonly project: string;
  /** The containers' names in the task definition, which are their compose services and their ids in the metadata URIs. */
  readonly containers: readonly string[];
  readonly task: TaskFacts;
  /** The id in /v2/credentials/{id}. */
  readonly credentialsId: string;
  /** The addresses of the task's network namespace: a caller inside the task connects from one of them. */
  readonly localAddresses: readonly string[];
  readonly logLevel?: string;
}

export interface EndpointsDeps {
  readonly docker: DockerApi;
  readonly credentials: { get(): Promise<RoleCredentials> };
  readonly stats?: StatsOptions;
}

const ONEOFF_LABEL = 'com.docker.compose.oneoff';

// `::ffff:169.254.170.2` is how an IPv4 caller looks on a dual-stack socket.
const plain = (address: string) => address.replace(/^::ffff:/, '');
const isLoopback = (address: string) => address === '::1' || address.startsWith('127.');

const error = (reply: FastifyReply, status: 403 | 404 | 500, code: string, message: string) => reply.code(status).send({ code, message });

export function buildEndpoints(config: EndpointsConfig, deps: EndpointsDeps) {
  const app = fastify({
    logger: { level: config.logLevel ?? 'silent' },
    // Refusals and failures are logged; the rest would be a line per poll,
    // and the credentials' URL is not to be written down.
    logController: new LogController({ disableRequestLogging: true }),
    // Fastify's 503 while closing; the SDKs retry.
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  const stats = new StatsCache(deps.docker, {
    onError: (err, containerId) => app.log.warn({ err, containerId }, 'could not read the container stats from Docker'),
    ...deps.stats,
  });
  app.addHook('onClose', async () => stats.close());

  // Fargate serves these to the task alone. Here 169.254.170.2 is also
  // reachable from the Docker host (through the bridge's gateway) and from
  // the other containers of the compose network: only a caller inside the
  // task's namespace is answered.
  const local = new Set(config.localAddresses.map(plain));
  app.addHook('onRequest', async (request, reply) => {
    const address = plain(request.socket.remoteAddress ?? '');
    if (isLoopback(address) || local.has(address)) return;
    request.log.warn({ remoteAddress: address, method: request.method }, 'refused a caller from outside the task');
    return error(reply, 403, 'forbidden', "ECS's endpoints answer the task's own containers only");
  });

  app.setNotFoundHandler((_request, reply) => error(reply, 404, 'not_found', 'No such endpoint'));
  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown }, request, reply) => {
    if (err.validation !== undefined) return error(reply, 404, 'not_found', 'No such endpoint');
    request.log.error({ err }, 'request failed');
    return error(reply, 500, 'internal', err.message);
  });

  /** The task's containers that exist, in the task definition's order. */
  async function taskContainers(): Promise<ContainerInspect[]> {
    const ids = new Map<string, string>();
    for (const container of await deps.docker.containers(config.project)) {
      const name = container.Labels[SERVICE_LABEL];
      if (name !== undefined && config.containers.includes(name) && container.Labels[ONEOFF_LABEL] !== 'True' && !ids.has(name)) ids.set(name, container.Id);
    }
    const inspected = await Promise.all(
      config.containers.map(async (name) => {
        const id = ids.get(name);
        // Removed since it was listed: as good as never there.
        return id === undefined ? undefined : deps.docker.inspect(id).catch((err: unknown) => (err instanceof DockerError && err.status === 404 ? undefined : Promise.reject(err)));
      }),
    );
    return inspected.filter((container) => container !== undefined);
  }

  async function containerNamed(name: string): Promise<ContainerInspect | undefined> {
    return (await taskContainers()).find((container) => container.Config.Labels[SERVICE_LABEL] === name);
  }

  const statsOf = (container: ContainerInspect) => (knownStatus(container) === 'RUNNING' ? stats.latest(container.Id) : null);

  const known = (id: string) => config.containers.includes(id);
  const notFound = { code: 'not_found', message: 'No container of this task has that id' };
  const responses = <T extends TSchema>(ok: T) => ({ 200: ok, 403: ErrorBody, 404: ErrorBody, 500: ErrorBody });

  app.get('/v4/:id', { schema: { params: MetadataParams, response: responses(ContainerMetadata) } }, async (request, reply) => {
    const container = known(request.params.id) ? await containerNamed(request.params.id) : undefined;
    if (container === undefined) return reply.code(404).send(notFound);
    return containerMetadata(container, config.task);
  });

  app.get('/v4/:id/task', { schema: { params: MetadataParams, response: responses(TaskMetadata) } }, async (request, reply) => {
    if (!known(request.params.id)) return reply.code(404).send(notFound);
    return taskMetadata(await taskContainers(), config.task);
  });

  app.get('/v4/:id/stats', { schema: { params: MetadataParams, response: responses(ContainerStats) } }, async (request, reply) => {
    const container = known(request.params.id) ? await containerNamed(request.params.id) : undefined;
    if (container === undefined) return reply.code(404).send(notFound);
    return statsOf(container);
  });

  app.get('/v4/:id/task/stats', { schema: { params: MetadataParams, response: responses(TaskStats) } }, async (request, reply) => {
    if (!known(request.params.id)) return reply.code(404).send(notFound);
    const containers = await taskContainers();
    const documents = await Promise.all(containers.map(statsOf));
    return Object.fromEntries(containers.map((container, i) => [container.Id, documents[i] ?? null]));
  });

  const expectedId = Buffer.from(config.credentialsId);
  const isCredentialsId = (id: string) => {
    const given = Buffer.from(id);
    return given.length === expectedId.length && timingSafeEqual(given, expectedId);
  };

  app.get('/v2/credentials/:id', { schema: { params: CredentialsParams, response: responses(Credentials) } }, async (request, reply) => {
    if (!isCredentialsId(request.params.id)) return error(reply, 404, 'not_found', 'No credentials at this path');
    try {
      return await deps.credentials.get();
    } catch (err) {
      request.log.error({ err }, 'could not assume the task role');
      return error(reply, 500, 'credentials_unavailable', "Could not assume the task role: it may be retried (the SDKs do)");
    }
  });

  return app;
}

export type Endpoints = ReturnType<typeof buildEndpoints>;
