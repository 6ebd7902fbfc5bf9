// docker-compose.yml, read into the few facts the task model also states, with
// Docker's defaults filled in: compose-drift.ts compares the two.
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const COMPOSE_FILE = fileURLToPath(new URL('../../docker-compose.yml', import.meta.url));

/** What a compose service says about its container. Durations are in seconds, memory in bytes. */
export interface ComposeContainer {
  /** The Dockerfile's path from the compose file's directory. */
  readonly dockerfile: string | undefined;
  /** The image it runs: compared only where no Dockerfile builds it. */
  readonly image: string | undefined;
  readonly networkMode: string | undefined;
  readonly healthcheck: ComposeHealthcheck | undefined;
  /** Service name to condition, such as service_healthy. */
  readonly dependsOn: Readonly<Record<string, string>>;
  readonly stopGracePeriod: number;
  readonly cpus: number | undefined;
  readonly memLimit: number | undefined;
  readonly readOnly: boolean;
  readonly user: string | undefined;
  readonly init: boolean;
  /** The Linux capabilities dropped, upper case, sorted. */
  readonly capDrop: readonly string[];
  /** When Docker restarts the container in place: no, always, unless-stopped or on-failure. */
  readonly restart: string;
  /** The environment variables' names. */
  readonly environment: readonly string[];
}

export interface ComposeHealthcheck {
  readonly test: readonly string[];
  readonly interval: number;
  readonly timeout: number;
  readonly retries: number;
  readonly startPeriod: number;
}

/** A compose service, or any other mapping in the document, as parsed. */
export type Mapping = Readonly<Record<string, unknown>>;

/** The compose file, parsed. Throws an Error naming the file when it cannot be read or is not YAML. */
export function readComposeFile(file = COMPOSE_FILE): unknown {
  try {
    // Merge keys (`<<: *defaults`) are how compose files share settings between services.
    return parse(readFileSync(file, 'utf8'), { merge: true });
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as Error).message}`);
  }
}

/** The `services` of a parsed compose document, by name. */
export function composeServices(compose: unknown): Readonly<Record<string, Mapping>> {
  const services = isMapping(compose) ? compose.services : undefined;
  if (!isMapping(services)) throw new Error('the compose document has no `services` mapping');
  for (const [name, service] of Object.entries(services)) mapping(service, `services.${name}`);
  return services as Readonly<Record<string, Mapping>>;
}

export function readComposeContainer(name: string, service: Mapping): ComposeContainer {
  const at = (key: string) => `services.${name}.${key}`;
  return {
    dockerfile: dockerfileOf(service.build, at('build')),
    image: optional(service.image, at('image'), text),
    networkMode: optional(service.network_mode, at('network_mode'), text),
    healthcheck: healthcheckOf(service.healthcheck, at('healthcheck')),
    dependsOn: dependsOnOf(service.depends_on, at('depends_on')),
    // Docker's defaults, used when the key is absent.
    stopGracePeriod: optional(service.stop_grace_period, at('stop_grace_period'), seconds) ?? 10,
    cpus: optional(service.cpus, at('cpus'), decimal),
    memLimit: optional(service.mem_limit, at('mem_limit'), bytes),
    readOnly: optional(service.read_only, at('read_only'), boolean) ?? false,
    user: optional(service.user, at('user'), (value, where) => (typeof value === 'number' ? String(value) : text(value, where))),
    init: optional(service.init, at('init'), boolean) ?? false,
    restart: optional(service.restart, at('restart'), text) ?? 'no',
    capDrop: (optional(service.cap_drop, at('cap_drop'), list) ?? []).map((name, index) => text(name, `${at('cap_drop')}[${index}]`).toUpperCase()).sort(),
    environment: environmentNames(service.environment, at('environment')),
  };
}

/** The container side of the ports a service publishes, as `3000/tcp`. */
export function publishedPorts(name: string, service: Mapping): string[] {
  const where = `services.${name}.ports`;
  const ports = optional(service.ports, where, list) ?? [];
  return ports.map((port, index) => {
    if (typeof port === 'number') return `${port}/tcp`;
    if (typeof port === 'string') {
      // [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]: the container port comes last.
      const [ports = '', protocol = 'tcp'] = port.split('/');
      return `${ports.split(':').at(-1)}/${protocol}`;
    }
    const at = `${where}[${index}]`;
    const long = mapping(port, at);
    const target = typeof long.target === 'number' ? String(long.target) : text(long.target, `${at}.target`);
    return `${target}/${optional(long.protocol, `${at}.protocol`, text) ?? 'tcp'}`;
  });
}

function dockerfileOf(build: unknown, where: string): string | undefined {
  if (build === undefined) return undefined;
  if (typeof build === 'string') return posix.join(build, 'Dockerfile');
  const { context = '.', dockerfile = 'Dockerfile', dockerfile_inline: inline } = mapping(build, where);
  if (inline !== undefined) return 'an inline Dockerfile';
  const file = text(dockerfile, `${where}.dockerfile`);
  return posix.isAbsolute(file) ? file : posix.join(text(context, `${where}.context`), file);
}

function healthcheckOf(value: unknown, where: string): ComposeHealthcheck | undefined {
  if (value === undefined) return undefined;
  const healthcheck = mapping(value, where);
  if (optional(healthcheck.disable, `${where}.disable`, boolean)) return undefined;
  const test = healthcheck.test;
  // A string runs in a shell, as ["CMD-SHELL", string] does.
  const command = typeof test === 'string' ? ['CMD-SHELL', test] : (optional(test, `${where}.test`, list) ?? []).map((part, index) => text(part, `${where}.test[${index}]`));
  if (command[0] === 'NONE') return undefined;
  return {
    test: command,
    // Docker's defaults, which differ from ECS's (a 30 s timeout, not 5 s).
    interval: optional(healthcheck.interval, `${where}.interval`, seconds) ?? 30,
    timeout: optional(healthcheck.timeout, `${where}.timeout`, seconds) ?? 30,
    retries: optional(healthcheck.retries, `${where}.retries`, integer) ?? 3,
    startPeriod: optional(healthcheck.start_period, `${where}.start_period`, seconds) ?? 0,
  };
}

function dependsOnOf(value: unknown, where: string): Record<string, string> {
  if (value === undefined) return {};
  // The short form, a list of names, waits for each service to start.
  if (Array.isArray(value)) return Object.fromEntries(value.map((name, index) => [text(name, `${where}[${index}]`), 'service_started']));
  return Object.fromEntries(
    Object.entries(mapping(value, where)).map(([name, dependency]) => {
      const condition = dependency === null ? undefined : mapping(dependency, `${where}.${name}`).condition;
      return [name, optional(condition, `${where}.${name}.condition`, text) ?? 'service_started'];
    }),
  );
}

function environmentNames(value: unknown, where: string): string[] {
  if (value === undefined) return [];
  // Either a list of NAME=value (or a bare NAME) or a mapping of NAME: value.
  if (Array.isArray(value)) return value.map((entry, index) => text(entry, `${where}[${index}]`).split('=')[0] ?? '');
  return Object.keys(mapping(value, where));
}

// Value readers: each returns the value or throws an Error naming where it is and what it should be.

function optional<T>(value: unknown, where: string, read: (value: unknown, where: string) => T): T | undefined {
  return value === undefined || value === null ? undefined : read(value, where);
}

function fail(value: unknown, where: string, expected: string): never {
  throw new Error(`${where} must be ${expected} (got ${JSON.stringify(value)})`);
}

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mapping(value: unknown, where: string): Mapping {
  return isMapping(value) ? value : fail(value, where, 'a mapping');
}

function list(value: unknown, where: string): readonly unknown[] {
  return Array.isArray(value) ? value : fail(value, where, 'a list');
}

function text(value: unknown, where: string): string {
  return typeof value === 'string' ? value : fail(value, where, 'a string');
}

function boolean(value: unknown, where: string): boolean {
  return typeof value === 'boolean' ? value : fail(value, where, 'true or false');
}

function integer(value: unknown, where: string): number {
  return Number.isInteger(value) ? (value as number) : fail(value, where, 'an integer');
}

function decimal(value: unknown, where: string): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) ? number : fail(value, where, 'a number, such as 0.125');
}

const SECONDS_PER_UNIT: Readonly<Record<string, number>> = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, µs: 1e-6, ns: 1e-9 };

/** A compose duration such as `10s`, `1m30s` or `500ms`, in seconds. */
function seconds(value: unknown, where: string): number {
  if (typeof value !== 'string' || !/^(\d+(\.\d+)?(h|ms|us|µs|ns|m|s))+$/.test(value)) {
    return fail(value, where, 'a duration such as 10s or 1m30s');
  }
  let total = 0;
  for (const [, amount, unit] of value.matchAll(/(\d+(?:\.\d+)?)(h|ms|us|µs|ns|m|s)/g)) {
    total += Number(amount) * (SECONDS_PER_UNIT[unit ?? ''] ?? 0);
  }
  // Keep 0.1 + 0.2 from turning into a drift.
  return Math.round(total * 1e6) / 1e6;
}

const BYTES_PER_UNIT: Readonly<Record<string, number>> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** A compose byte value such as `256m`, `1g` or a plain number of bytes. */
function bytes(value: unknown, where: string): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  const match = typeof value === 'string' ? /^(\d+(?:\.\d+)?)([bkmg]?)b?$/i.exec(value.trim()) : null;
  if (match === null) return fail(value, where, 'a size such as 256m or 1g');
  return Math.round(Number(match[1]) * (BYTES_PER_UNIT[(match[2] ?? '').toLowerCase()] ?? 1));
}
