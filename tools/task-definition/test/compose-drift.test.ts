import assert from 'node:assert/strict';
import { test } from 'node:test';
import { composeDrift, taskContainers, type TaskContainer } from '../compose-drift.ts';
import { readComposeFile } from '../../../test/helpers/compose-file.ts';

// The parsed compose file, loose enough to break on purpose.
type Services = Record<string, Record<string, any>>;

const compose = readComposeFile() as { services: Services };

/** The real compose file with one change made to a copy of it. */
function composeWith(change: (services: Services) => void): unknown {
  const copy = structuredClone(compose);
  change(copy.services);
  return copy;
}

test('docker-compose.yml agrees with the task definition the stack synthesizes', () => {
  assert.deepEqual(composeDrift(compose), []);
});

const changes: ReadonlyArray<{ change: string; make: (services: Services) => void; reported: RegExp }> = [
  {
    change: 'a service that is not a task container',
    make: (s) => void (s.worker = { image: 'worker' }),
    reported: /^worker: a compose service, but not a container of the task model/,
  },
  {
    change: 'a task container removed',
    make: (s) => void delete s.backend,
    reported: /^backend: a container of the task model, but not a compose service$/,
  },
  {
    change: "a service's Dockerfile",
    make: (s) => void (s.frontend!.build.dockerfile = 'Dockerfile.backend'),
    reported: /^frontend: Dockerfile \(build\): task model Dockerfile\.frontend, compose Dockerfile\.backend$/,
  },
  {
    change: 'the published port',
    make: (s) => void (s.task!.ports = ['3001:3001']),
    reported: /^ports: task model container ports 3000\/tcp, compose service "task" publishes 3001\/tcp$/,
  },
  {
    change: 'the shared network namespace',
    make: (s) => void delete s.backend!.network_mode,
    reported: /^backend: network namespace \(network_mode\): task model service:task, compose its own$/,
  },
  {
    change: 'a health-check command',
    make: (s) => void (s.backend!.healthcheck.test = ['CMD', 'bash', 'services/healthcheck.sh', '8081', '/health']),
    reported: /^backend: health-check command \(healthcheck\.test\): .*8080.*, compose .*8081/,
  },
  {
    change: 'a health-check interval',
    make: (s) => void (s.backend!.healthcheck.interval = '15s'),
    reported: /^backend: health-check interval \(healthcheck\.interval\): task model \d+s, compose 15s$/,
  },
  {
    change: 'a health-check timeout, to Docker’s default by removing it',
    make: (s) => void delete s.frontend!.healthcheck.timeout,
    reported: /^frontend: health-check timeout \(healthcheck\.timeout\): task model \d+s, compose 30s$/,
  },
  {
    change: 'health-check retries',
    make: (s) => void (s.frontend!.healthcheck.retries = 5),
    reported: /^frontend: health-check retries \(healthcheck\.retries\): task model \d+, compose 5$/,
  },
  {
    change: 'a health-check start period',
    make: (s) => void (s.frontend!.healthcheck.start_period = '1m'),
    reported: /^frontend: health-check start period \(healthcheck\.start_period\): task model \d+s, compose 60s$/,
  },
  {
    change: 'a depends_on condition',
    make: (s) => void (s.frontend!.depends_on.backend.condition = 'service_healthy'),
    reported: /^frontend: depends on \(depends_on\): task model backend service_started, compose backend service_healthy$/,
  },
  {
    change: 'a depends_on removed',
    make: (s) => void (s.frontend!.depends_on = ['task', 'secret-init']),
    reported: /^frontend: depends on \(depends_on\): task model backend service_started, compose nothing$/,
  },
  {
    change: 'the restart policy removed',
    make: (s) => void delete s.backend!.restart,
    reported: /^backend: restart in place \(restart\): task model unless-stopped, compose no$/,
  },
  {
    change: 'a restart policy that ignores exit code 0',
    make: (s) => void (s.frontend!.restart = 'on-failure'),
    reported: /^frontend: restart in place \(restart\): task model unless-stopped, compose on-failure$/,
  },
  {
    change: 'stop_grace_period',
    make: (s) => void (s.backend!.stop_grace_period = '10s'),
    reported: /^backend: stop timeout \(stop_grace_period\): task model \d+s, compose 10s$/,
  },
  {
    change: 'cpus',
    make: (s) => void (s.backend!.cpus = 0.5),
    reported: /^backend: CPU \(cpus\): task model [\d.]+, compose 0\.5$/,
  },
  {
    change: 'mem_limit',
    make: (s) => void (s.frontend!.mem_limit = '512m'),
    reported: /^frontend: memory \(mem_limit\): task model \d+m, compose 512m$/,
  },
  {
    change: 'read_only',
    make: (s) => void (s.backend!.read_only = false),
    reported: /^backend: read-only root filesystem \(read_only\): task model true, compose false$/,
  },
  {
    change: 'user',
    make: (s) => void (s.frontend!.user = 'root'),
    reported: /^frontend: user: task model [\d:]+, compose root$/,
  },
  {
    change: 'init',
    make: (s) => void (s.backend!.init = false),
    reported: /^backend: init process \(init\): task model true, compose false$/,
  },
  {
    change: 'the capabilities dropped',
    make: (s) => void delete s.frontend!.cap_drop,
    reported: /^frontend: capabilities dropped \(cap_drop\): task model ALL, compose none$/,
  },
  {
    change: 'an environment variable the task does not set',
    make: (s) => void (s.frontend!.environment.LOG_FORMAT = 'json'),
    reported: /^frontend: environment: LOG_FORMAT is set in compose, not in the task model/,
  },
  {
    change: 'an environment variable the task sets, removed',
    make: (s) => void delete s.frontend!.environment.BACKEND_URL,
    reported: /^frontend: environment: BACKEND_URL is set in the task model, not in compose$/,
  },
  {
    change: "the task metadata endpoint's variable, which ECS sets, removed",
    make: (s) => void delete s.frontend!.environment.ECS_CONTAINER_METADATA_URI_V4,
    reported: /^frontend: environment: ECS_CONTAINER_METADATA_URI_V4 is not set in compose: ECS sets it in every container of a task$/,
  },
  {
    change: "the credentials endpoint's variable, which ECS sets, removed",
    make: (s) => void delete s.backend!.environment.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI,
    reported: /^backend: environment: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is not set in compose: ECS sets it in every container of a task$/,
  },
  {
    change: 'static AWS keys on an app container',
    make: (s) => void (s.backend!.environment.AWS_ACCESS_KEY_ID = 'test'),
    reported: /^backend: environment: AWS_ACCESS_KEY_ID is set in compose: a task's containers hold no AWS keys/,
  },
  {
    change: 'a session token on an app container',
    make: (s) => void (s.frontend!.environment.AWS_SESSION_TOKEN = 'token'),
    reported: /^frontend: environment: AWS_SESSION_TOKEN is set in compose: a task's containers hold no AWS keys/,
  },
  {
    change: "the namespace owner without ECS's endpoint address",
    make: (s) => void delete s.task!.networks,
    reported: /^task: holds no ipv4_address 169\.254\.170\.2 \(networks\.NAME\.ipv4_address\)/,
  },
  {
    change: "the namespace owner at another address",
    make: (s) => void (s.task!.networks.default.ipv4_address = '169.254.170.3'),
    reported: /^task: holds no ipv4_address 169\.254\.170\.2/,
  },
];

for (const { change, make, reported } of changes) {
  test(`a change on the compose side only is reported, and nothing else: ${change}`, () => {
    const drift = composeDrift(composeWith(make));
    assert.equal(drift.length, 1, drift.join('\n'));
    assert.match(drift[0]!, reported);
  });
}

test('a change on the model side only is reported too', () => {
  const changed = taskContainers().map(
    (container): TaskContainer =>
      container.definition.name === 'backend'
        ? { ...container, definition: { ...container.definition, healthCheck: { ...container.definition.healthCheck!, interval: 20 } } }
        : container,
  );
  assert.deepEqual(composeDrift(compose, changed), ['backend: health-check interval (healthcheck.interval): task model 20s, compose 5s']);
});

test("the task definition's restart policy is held against compose's restart", () => {
  const withPolicy = (restartPolicy: TaskContainer['definition']['restartPolicy']) =>
    taskContainers().map((container): TaskContainer => (container.definition.name === 'backend' ? { ...container, definition: { ...container.definition, restartPolicy } } : container));
  assert.deepEqual(composeDrift(compose, withPolicy(undefined)), ['backend: restart in place (restart): task model no, compose unless-stopped']);
  assert.deepEqual(composeDrift(compose, withPolicy({ enabled: true, ignoredExitCodes: [0] })), [
    'backend: restart in place (restart): task model on-failure, compose unless-stopped',
  ]);
  assert.deepEqual(composeDrift(compose, withPolicy({ enabled: true, ignoredExitCodes: [0, 3] })), [
    'backend: restart in place (restart): task model no compose equivalent (ignoredExitCodes 0, 3), compose unless-stopped',
  ]);
});

test('the same value written in other units is not a difference', () => {
  const drift = composeDrift(
    composeWith((s) => {
      s.backend!.stop_grace_period = '0.5m';
      s.backend!.healthcheck.interval = '5000ms';
      s.backend!.mem_limit = 256 * 1024 * 1024;
      s.frontend!.mem_limit = '0.25g';
      s.frontend!.cpus = '0.25';
      s.task!.ports = [{ target: 3000, published: 8000 }];
    }),
  );
  assert.deepEqual(drift, []);
});

test('compose-only services, the emulator variables and the namespace owner\'s own settings are not differences', () => {
  const drift = composeDrift(
    composeWith((s) => {
      s.aws!.cpus = 4;
      s['secret-init']!.user = 'root';
      s['secret-init']!.environment.AWS_ACCESS_KEY_ID = 'other';
      s.backend!.environment.AWS_REGION = 'eu-west-1';
      s.backend!.depends_on.aws = { condition: 'service_healthy' };
      // The owner runs ECS's endpoints: its image, user, keys and mounts are its own.
      s.task!.user = '1000:1000';
      s.task!.image = 'another-endpoints-image';
      s.task!.volumes = [];
      s.task!.environment.AWS_SESSION_TOKEN = 'token';
      s.frontend!.environment.ECS_CONTAINER_METADATA_URI_V4 = 'http://169.254.170.2/v4/0123456789abcdef-frontend';
    }),
  );
  assert.deepEqual(drift, []);
});

test('a malformed value is an error that names where it is', () => {
  assert.throws(
    () => composeDrift(composeWith((s) => void (s.backend!.healthcheck.interval = 'ten seconds'))),
    { message: 'services.backend.healthcheck.interval must be a duration such as 10s or 1m30s (got "ten seconds")' },
  );
  assert.throws(() => composeDrift(composeWith((s) => void (s.frontend!.mem_limit = 'plenty'))), /^Error: services\.frontend\.mem_limit must be a size such as 256m/);
  assert.throws(() => composeDrift({ version: '3' }), { message: 'the compose document has no `services` mapping' });
});

test("a sidecar whose image the code names is held to compose's image; it needs no Dockerfile", () => {
  const image = 'public.ecr.aws/docker/library/busybox:1.37';
  const containers: TaskContainer[] = [...taskContainers(), { definition: { name: 'sidecar', image, essential: false } }];
  // ECS gives a sidecar its endpoints as it gives every container.
  const environment = { ECS_CONTAINER_METADATA_URI_V4: 'http://169.254.170.2/v4/sidecar', AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/id' };
  const withSidecar = (sidecarImage: string) => composeWith((s) => void (s.sidecar = { image: sidecarImage, network_mode: 'service:task', stop_grace_period: '30s', environment }));
  assert.deepEqual(composeDrift(withSidecar(image), containers), []);
  assert.deepEqual(composeDrift(withSidecar('busybox:latest'), containers), [`sidecar: image, when no Dockerfile builds it: task model ${image}, compose busybox:latest`]);
  assert.throws(() => taskContainers({ family: 'f', containerDefinitions: [{ name: 'worker', image: '{{WORKER_IMAGE}}' }] }), /"worker" built by the stack that CONTAINER_SOURCES/);
});
