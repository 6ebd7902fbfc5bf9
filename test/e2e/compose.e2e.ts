// The compose stack on a real Docker engine, built from the Dockerfiles: the
// properties a user of `docker compose up` relies on, and that Fargate gives
// the task (one network namespace, a private backend, a clean drain).
// The tests share one stack and run in order; the last one stops it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import type { Static } from 'typebox';
import { request } from 'undici';
import type { FrontendHello } from '../../services/shared/schemas.ts';
import { compileCacheReport } from '../helpers/compile-cache.ts';
import { openPage } from '../helpers/browser.ts';
import { ComposeStack, docker, waitFor, type Container } from '../helpers/compose.ts';
import { template } from '../helpers/synthesized.ts';
import { PROJECT_NAME } from '../../services/shared/project.ts';

const stack = new ComposeStack(`${PROJECT_NAME}-e2e`);
const TASK_URL = 'http://localhost:3000';
const APPS = ['backend', 'frontend'] as const;
const probe = (name: string) => readFileSync(new URL(`../helpers/probes/${name}.ts`, import.meta.url), 'utf8');
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** GET /api/hello on the task's published port, on a fresh connection each time. */
async function hello(name: string) {
  const res = await request(`${TASK_URL}/api/hello?name=${encodeURIComponent(name)}`, { reset: true, headersTimeout: 10_000, bodyTimeout: 10_000 });
  const text = await res.body.text();
  return { status: res.statusCode, requestId: res.headers['x-request-id'], text, body: () => JSON.parse(text) as Static<typeof FrontendHello> };
}

const answering = async () => ((await hello('again')).status === 200 ? true : undefined);

before(() => stack.up());
// Whatever happened above: a paused, stopped or half-started stack goes too.
after(() => stack.down());

test('the frontend on port 3000 answers /api/hello through the backend, in the task namespace', async () => {
  const res = await hello('e2e');
  assert.equal(res.status, 200, res.text);
  const body = res.body();
  assert.equal(body.backend.greeting, 'Hello, e2e!');
  assert.equal(body.backend.servedBy.service, 'backend');
  assert.equal(body.frontend.service, 'frontend');
  // Joined to the task's namespace, both containers have the task's host name.
  const hostname = (await stack.inspect('task')).Config.Hostname;
  assert.equal(body.frontend.hostname, hostname);
  assert.equal(body.backend.servedBy.hostname, hostname);
  assert.ok(body.hopMs >= 0 && body.hopMs < 2_000, `hopMs ${body.hopMs}`);
  // The backend logged this very request, under the id the frontend forwarded.
  assert.equal(typeof res.requestId, 'string');
  await waitFor(
    'the request id in the backend log',
    async () => ((await stack.compose(['logs', '--no-log-prefix', 'backend'])).includes(`"reqId":"${res.requestId}"`) ? true : undefined),
    5_000,
  );
});

test('start order as in the task: the secret first, then the backend, then the frontend once the backend has started', async () => {
  const [init, backend, frontend] = await Promise.all([stack.inspect('secret-init'), stack.inspect('backend'), stack.inspect('frontend')]);
  assert.equal(init.State.ExitCode, 0);
  const time = (iso: string) => Date.parse(iso);
  assert.ok(time(init.State.FinishedAt) <= time(backend.State.StartedAt), 'the backend started before the secret existed');
  assert.ok(time(backend.State.StartedAt) <= time(frontend.State.StartedAt), 'the frontend started before the backend');
});

test('secret-init stores a random token once; running it again keeps it; no log or config shows it', async () => {
  // Read as the services read it: the SDK in the frontend's container, with its environment.
  const read = async () =>
    JSON.parse(await stack.compose(['exec', '-T', 'frontend', 'node', '--input-type=module-typescript', '-'], probe('secret'))) as { versions: string[]; token: string };
  // Only booleans reach an assertion: a failing one must not print the token.
  const first = await read();
  assert.ok(/^[\w-]{43}$/.test(first.token), 'expected 32 random bytes, base64url-encoded');
  assert.equal(first.versions.length, 1);

  const again = await stack.compose(['run', '--rm', '--no-deps', 'secret-init']);
  assert.match(again, /exists; left as it is/);
  const second = await read();
  assert.deepEqual(second.versions, first.versions);
  assert.ok(second.token === first.token, 'the token changed');

  const everywhere = (await stack.compose(['logs', '--no-color'])) + (await stack.compose(['config']));
  assert.ok(!everywhere.includes(first.token), 'the token appears in the logs or in the compose configuration');
});

test('only the task publishes a port, 3000; the backend is refused from a neighbour container', async () => {
  const published = (await stack.containers()).flatMap((container) =>
    Object.entries(container.NetworkSettings.Ports).flatMap(([port, bindings]) =>
      (bindings ?? []).map((binding) => `${container.Config.Labels['com.docker.compose.service']} ${port}->${binding.HostPort}`),
    ),
  );
  assert.deepEqual([...new Set(published)], ['task 3000/tcp->3000']);

  // Another workload on the same network reaches the frontend's port and
  // nothing else: the backend listens on the task's loopback only.
  const neighbour = await docker(
    ['run', '--rm', '-i', '--pull', 'never', '--network', await stack.network(), 'node:24-trixie-slim', 'node', '--input-type=module-typescript', '-', 'task'],
    probe('neighbour'),
  );
  assert.deepEqual(JSON.parse(neighbour), { backendPort: 'ECONNREFUSED', frontendHello: 200 });
});

test('inside the task, the backend refuses a caller without the internal token', async () => {
  // The frontend's own container, sharing the namespace: it can connect, but
  // without the token it gets nothing.
  const script = `fetch('http://127.0.0.1:8080/hello?name=x').then(async (r) => console.log(r.status, (await r.json()).code))`;
  assert.equal((await stack.compose(['exec', '-T', 'frontend', 'node', '-e', script])).trim(), '401 unauthorized');
});

test('each image adds a few tens of MB at most to the base image', async (t) => {
  const size = async (image: string) => Number((await docker(['image', 'inspect', '-f', '{{.Size}}', image])).trim());
  const base = await size('node:24-trixie-slim');
  for (const service of APPS) {
    const added = (await size(`${stack.project}-${service}`)) - base;
    t.diagnostic(`image ${service}: ${((base + added) / 1e6).toFixed(1)} MB, ${(added / 1e6).toFixed(1)} MB above node:24-trixie-slim (${(base / 1e6).toFixed(1)} MB)`);
    assert.ok(added > 0 && added < 40e6, `${service} adds ${added} bytes`);
  }
});

for (const service of APPS) {
  test(`${service}: a second start in its container reads every module compiled from the image's cache`, async () => {
    // As the container's own process starts, secret read included; port 0,
    // beside it. NODE_DEBUG_NATIVE makes Node report each cache lookup on
    // stderr. Stopped with SIGTERM once it listens, however long that takes
    // in a container sharing its CPU with the running service.
    const run = `{ node services/${service}/main.ts 2>&1 & echo "pid $!"; wait; } | while IFS= read -r line; do
      printf '%s\\n' "$line"
      case $line in "pid "*) pid=\${line#pid } ;; *'Server listening at'*) kill -TERM "$pid" ;; esac
    done`;
    const output = await stack.compose(['exec', '-T', '-e', 'NODE_DEBUG_NATIVE=COMPILE_CACHE', '-e', 'PORT=0', service, 'timeout', '60', 'bash', '-c', run]);
    assert.match(output, /Server listening at/, 'the second start listened');
    const cache = compileCacheReport(output);
    assert.deepEqual(cache.misses, [], 'every module loaded came from the cache');
    assert.ok(cache.accepted > 300, `modules read compiled from the cache: ${cache.accepted}`);
    assert.ok(cache.stripped.includes(`file:///app/services/${service}/main.ts`), 'main.ts came type-stripped from the cache');
  });
}

for (const service of APPS) {
  test(`${service} runs as uid 1000 with a read-only root file system, no capabilities and no new privileges`, async () => {
    const container = await stack.inspect(service);
    assert.equal(container.Config.User, '1000:1000');
    assert.equal(container.HostConfig.ReadonlyRootfs, true);
    assert.deepEqual(container.HostConfig.CapDrop, ['ALL']);
    assert.deepEqual(container.HostConfig.SecurityOpt, ['no-new-privileges:true']);
    assert.equal(container.HostConfig.Init, true);
    // The container's size in the stack's task definition: its CPU units as a cap (plain compose), its memory.
    const [definition] = Object.values(template().findResources('AWS::ECS::TaskDefinition'));
    const size = (definition!.Properties.ContainerDefinitions as Array<{ Name: string; Cpu: number; Memory: number }>).find((c) => c.Name === service)!;
    assert.equal(container.HostConfig.NanoCpus, (size.Cpu / 1024) * 1e9);
    assert.equal(container.HostConfig.Memory, size.Memory * 1024 * 1024);

    // What the kernel says about the service's own process.
    const inside = JSON.parse(await stack.compose(['exec', '-T', service, 'node', '--input-type=module-typescript', '-', service], probe('process')));
    assert.deepEqual(inside, {
      uid: ['1000', '1000', '1000', '1000'],
      gid: ['1000', '1000', '1000', '1000'],
      capEff: '0000000000000000',
      capBnd: '0000000000000000',
      noNewPrivs: '1',
      // EROFS, not EACCES: even where the node user may write, the file system refuses.
      writes: { '/app/probe': 'EROFS', '/tmp/probe': 'EROFS', '/home/node/probe': 'EROFS' },
    });
  });
}

test('the status page shows the backend answer in a real browser, without console errors', async (t) => {
  const { page, problems } = await openPage(t, `${TASK_URL}/`);
  await page.locator('#greeting', { hasText: 'Hello, you!' }).waitFor({ timeout: 10_000 });
  await page.locator('#backend-health', { hasText: 'ready' }).waitFor({ timeout: 10_000 });
  const backend = Object.fromEntries(
    (await page.locator('#backend-identity').evaluate((dl) => [...dl.querySelectorAll('dt')].map((dt) => [dt.textContent, dt.nextElementSibling?.textContent]))) as [string, string][],
  );
  assert.equal(backend.service, 'backend');
  assert.equal(backend.hostname, (await stack.inspect('task')).Config.Hostname);
  assert.match(await page.locator('#hop-ms').innerText(), /^\d+\.\d\d$/);
  assert.deepEqual(problems, []);
});

// `restart` keeps the container; `recreate` replaces it, as a rebuild does.
const ACTIONS = {
  restart: (service: string) => ['restart', service],
  recreate: (service: string) => ['up', '--detach', '--no-deps', '--force-recreate', service],
} as const;

for (const [action, args] of Object.entries(ACTIONS)) {
  for (const service of APPS) {
    test(`after a ${action} of ${service} alone, the task answers again within seconds and nothing else restarted`, async (t) => {
      const others = ['task', ...APPS.filter((app) => app !== service)];
      const startedAt = (container: Container) => `${container.Id} ${container.State.StartedAt}`;
      const before = await Promise.all([service, ...others].map(async (name) => startedAt(await stack.inspect(name))));

      const begin = performance.now();
      await stack.compose(args(service));
      const done = performance.now();
      await waitFor(`/api/hello after the ${action} of ${service}`, answering, 30_000);
      const answered = performance.now();
      t.diagnostic(`${action} ${service}: command ${seconds(done - begin)}, answering ${seconds(answered - done)} later, ${seconds(answered - begin)} in all`);

      const now = await Promise.all([service, ...others].map(async (name) => startedAt(await stack.inspect(name))));
      assert.notEqual(now[0], before[0], `${service} was not ${action}ed`);
      assert.deepEqual(now.slice(1), before.slice(1), `${others.join(' and ')} must keep running untouched`);
      assert.ok(answered - begin < 15_000, `answering again took ${seconds(answered - begin)}`);
    });
  }
}

test('docker compose stop drains: requests in flight complete, and both apps exit with code 0', async (t) => {
  // Freezing the backend holds the frontend's requests in flight: they reach
  // the frontend long before the compose CLI gets to send SIGTERM, and cannot
  // finish until the backend is thawed after it. A request that arrived after
  // SIGTERM would be answered 503, one cut off would be an error.
  const sigterm = await stack.watchLog('frontend', (line) => line.signal === 'SIGTERM', 20_000);
  try {
    await stack.compose(['pause', 'backend']);
    const inFlight = Array.from({ length: 4 }, (_, i) => hello(`drain-${i}`).catch((error: Error) => error));
    const begin = performance.now();
    const [results] = await Promise.all([
      (async () => {
        await sigterm.line;
        await stack.compose(['unpause', 'backend']);
        return Promise.all(inFlight);
      })(),
      // Compose stops the frontend first and the backend once the frontend has exited.
      stack.compose(['stop']),
    ]);
    t.diagnostic(`docker compose stop took ${seconds(performance.now() - begin)}`);
    assert.deepEqual(
      results.map((res) => (res instanceof Error ? res.message : res.status)),
      [200, 200, 200, 200],
    );
  } finally {
    sigterm.stop();
    if ((await stack.inspect('backend')).State.Status === 'paused') await stack.compose(['unpause', 'backend']);
  }
  for (const service of APPS) {
    const { State } = await stack.inspect(service);
    assert.deepEqual(
      { service, status: State.Status, exitCode: State.ExitCode, oomKilled: State.OOMKilled },
      { service, status: 'exited', exitCode: 0, oomKilled: false },
    );
  }
});
