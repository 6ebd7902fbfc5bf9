// `npx cdk synth` as a user runs it on a fresh clone: no AWS credentials, no
// network, the CLI pinned in package.json. It writes the template and waits on nothing.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { PROJECT_NAME } from '../../services/shared/project.ts';

const ROOT = new URL('../../', import.meta.url);

async function cdk(t: TestContext, ...args: string[]) {
  const home = await mkdtemp(join(tmpdir(), 'cdk-cli-'));
  t.after(() => rm(home, { recursive: true, force: true }));
  const out = join(home, 'cdk.out');
  // Only PATH (for this node) and an empty home: no credentials, no profile, no cache.
  const env = { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: home, CDK_HOME: home };
  const started = Date.now();
  const run = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['node_modules/aws-cdk/bin/cdk', ...args, '-o', out], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
  return { ...run, out, seconds: (Date.now() - started) / 1000 };
}

test("cdk synth works without credentials or network, writes the stack's template and waits on nothing", async (t) => {
  const { code, output, out, seconds } = await cdk(t, 'synth', '-q');
  assert.equal(code, 0, output);
  const template = JSON.parse(await readFile(join(out, `${PROJECT_NAME}.template.json`), 'utf8')) as { Resources: Record<string, { Type: string }> };
  assert.ok(Object.values(template.Resources).some((resource) => resource.Type === 'AWS::ECS::Service'));
  assert.ok(existsSync(join(out, 'validation-report.json')), 'cdk-nag ran');
  // The CLI's notices and telemetry wait on the network where it drops packets (about 9 s here).
  assert.doesNotMatch(output, /NOTICES|telemetry/i);
  assert.ok(seconds < 30, `cdk synth took ${seconds} s`);
});

test('a bad context value stops the synth with one line naming it', async (t) => {
  const { code, output } = await cdk(t, 'synth', '-q', '-c', 'frontendImage=example/frontend:1');
  assert.notEqual(code, 0);
  assert.match(output, /infra\/app\.ts: give both frontendImage and backendImage/);
  assert.doesNotMatch(output, /\n\s+at /, 'no stack trace');
});
