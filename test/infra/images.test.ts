// The images CDK builds: each from its own Dockerfile, with a build context
// that holds what its image copies and not the other service's code, so a
// change to one service neither rebuilds nor rolls the other.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createApp } from '../../infra/app.ts';
import { cliContext } from '../helpers/synth.ts';

test('each built image has its own Dockerfile and a context without the other service', (t) => {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-images-'));
  t.after(() => rmSync(outdir, { recursive: true, force: true }));
  // Staged as `cdk deploy` stages them: the context directory Docker builds from.
  const { app, stack } = createApp({ outdir, context: cliContext() });
  const assembly = app.synth();
  const manifest = JSON.parse(readFileSync(join(assembly.directory, `${stack.artifactId}.assets.json`), 'utf8')) as {
    dockerImages: Record<string, { source: { directory: string; dockerFile: string } }>;
  };
  const built = Object.values(manifest.dockerImages).map(({ source }) => source);
  assert.deepEqual(built.map((source) => source.dockerFile).sort(), ['Dockerfile.backend', 'Dockerfile.frontend']);
  for (const { directory, dockerFile } of built) {
    const [own, other] = dockerFile === 'Dockerfile.backend' ? ['backend', 'frontend'] : ['frontend', 'backend'];
    const context = (...path: string[]) => existsSync(join(assembly.directory, directory, ...path));
    assert.ok(context(dockerFile), `${dockerFile} is in its context`);
    assert.ok(context('package-lock.json') && context('services', 'shared') && context('services', own), `${own}: what the image copies is there`);
    assert.ok(!context('services', other), `${own}: services/${other} is left out`);
    // .dockerignore's allow-list applies too: nothing but the package files and services/.
    assert.ok(!context('infra') && !context('test') && !context('node_modules'), `${own}: only what the image needs`);
  }
});
