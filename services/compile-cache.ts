// An image build step (see the Dockerfiles): with NODE_COMPILE_CACHE set,
// loads one service's modules without starting it, so that Node stores
// their type-stripped, compiled code. Every start of the container then
// reads that instead of stripping and compiling some 700 modules again,
// and never loads the TypeScript stripper at all (docs/design.md). Node checks
// the cache against its own version and each file's content, and compiles
// anything that does not match as if there were no cache.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { flushCompileCache, getCompileCacheDir } from 'node:module';

const SERVICES = ['backend', 'frontend'];
const [name] = process.argv.slice(2);
if (name === undefined || !SERVICES.includes(name)) {
  process.stderr.write(`usage: node services/compile-cache.ts ${SERVICES.join('|')}\n`);
  process.exit(2);
}
if (getCompileCacheDir() === undefined) {
  process.stderr.write('compile-cache: NODE_COMPILE_CACHE is not set, so there is nothing to write to\n');
  process.exit(2);
}

const { entry } = (await import(`./${name}/main.ts`)) as typeof import('./backend/main.ts');
// Fastify loads its validator and serializer compilers when the app gets
// ready: build it and get it ready, as a start does, without listening. A
// throwaway token keeps AWS out of the build.
const app = entry.buildApp(entry.loadConfig({ INTERNAL_TOKEN: randomBytes(24).toString('hex') }));
await app.ready();
await app.close();

// On ECS (and in the compose task) a start also calls ECS's endpoints: the
// task metadata (identity.ts, with fetch, which in the frontend goes through
// the undici package it loads) and, on the first secret read, the task
// role's credentials, which the AWS SDK's default chain reaches loading one
// provider module after another. Both are called here, on a throwaway
// endpoint on loopback that answers made-up credentials to any path.
// node:http is loaded only now, after the app: loaded first, it would give
// fetch Node's own dispatcher, not the undici package's that the app's fetch uses.
const { createServer } = await import('node:http');
const endpoint = createServer((_request, response) => {
  const expiration = new Date(Date.now() + 3_600_000).toISOString();
  response.end(JSON.stringify({ AccessKeyId: 'compile-cache', SecretAccessKey: 'compile-cache', Token: 'compile-cache', Expiration: expiration }));
}).listen(0, '127.0.0.1');
await once(endpoint, 'listening');
const url = `http://127.0.0.1:${(endpoint.address() as { port: number }).port}/`;
await (await fetch(url)).text();
// The app loads the AWS SDK on its first secret read: in production, a moment after start-up.
const { SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = url;
const client = new SecretsManagerClient({ region: 'us-east-1' });
await client.config.credentials();
client.destroy();
endpoint.close();
flushCompileCache();
