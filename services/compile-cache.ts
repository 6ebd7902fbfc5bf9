// An image build step (see the Dockerfiles): with NODE_COMPILE_CACHE set,
// loads one service's modules without starting it, so that Node stores
// their type-stripped, compiled code. Every start of the container then
// reads that instead of stripping and compiling some 700 modules again,
// and never loads the TypeScript stripper at all (docs/design.md). Node checks
// the cache against its own version and each file's content, and compiles
// anything that does not match as if there were no cache.
import { randomBytes } from 'node:crypto';
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
// The app loads the AWS SDK on its first secret read: in production, a
// moment after start-up. Compile it now too.
await import('@aws-sdk/client-secrets-manager');
flushCompileCache();
