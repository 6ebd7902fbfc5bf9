// `npm run infra:lint -- FILE [--json]` as users run it: a real process, real files.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Finding } from '../lint/index.ts';
import { ourTask, variant } from './lint-fixtures.ts';

const ROOT = new URL('../../../', import.meta.url);

async function lint(...args: string[]) {
  const child = spawn(process.execPath, ['tools/task-definition/lint/cli.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

/** A directory of its own for the test, removed after it. */
async function files(t: TestContext, contents: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), 'infra-lint-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(contents)) await writeFile(join(dir, name), text);
  return (name: string) => join(dir, name);
}

const broken = variant(ourTask, { networkMode: 'bridge', 'containerDefinitions[0].healthCheck.interval': 2 });

test('a clean task definition: exit 0 and a one-line summary', async (t) => {
  const path = await files(t, { 'task.json': JSON.stringify(ourTask, null, 2) });
  const { code, stdout, stderr } = await lint(path('task.json'));
  assert.equal(code, 0);
  assert.equal(stdout, `no findings in ${path('task.json')}\n`);
  assert.equal(stderr, '');
});

test('findings: exit 1, one aligned line per finding, then the count', async (t) => {
  const path = await files(t, { 'task.json': JSON.stringify(broken) });
  const { code, stdout, stderr } = await lint(path('task.json'));
  assert.equal(code, 1);
  assert.equal(stderr, '');
  const lines = stdout.trimEnd().split('\n');
  assert.equal(lines.length, 3);
  assert.match(lines[0] ?? '', /^network-mode {8}networkMode {35}networkMode is "bridge", but Fargate runs only "awsvpc" tasks; set networkMode to "awsvpc"\.$/);
  assert.match(lines[1] ?? '', /^health-check-range {2}containerDefinitions\[0\]\.healthCheck\.interval {2}The health check interval of "backend" is 2; /);
  assert.equal(lines[2], `2 findings in ${path('task.json')}`);
});

test('--json: stdout is exactly the findings as a JSON array; the summary goes to stderr', async (t) => {
  const path = await files(t, { 'broken.json': JSON.stringify(broken), 'clean.json': JSON.stringify(ourTask) });
  const dirty = await lint(path('broken.json'), '--json');
  assert.equal(dirty.code, 1);
  const findings = JSON.parse(dirty.stdout) as Finding[];
  assert.deepEqual(
    findings.map(({ rule, path: where }) => [rule, where]),
    [['network-mode', 'networkMode'], ['health-check-range', 'containerDefinitions[0].healthCheck.interval']],
  );
  assert.ok(findings.every((finding) => Object.keys(finding).join() === 'rule,path,message'));
  assert.equal(dirty.stderr, `2 findings in ${path('broken.json')}\n`);

  const clean = await lint('--json', path('clean.json'));
  assert.equal(clean.code, 0);
  assert.deepEqual(JSON.parse(clean.stdout), []);
});

test('input that cannot be linted: exit 2, one line on stderr, no stack trace', async (t) => {
  const path = await files(t, {
    'array.json': JSON.stringify([ourTask]),
    'syntax.json': '{\n  "family": "x",\n  "cpu": 256\n  "memory": "512"\n}',
    'leaky.json': '{"environment": [{"name": "PASSWORD", "value": hunter2}]}',
    'long.json': `{"family": "a long task definition", "containerDefinitions": [}`,
    'empty.json': '\n',
  });
  const cases: Array<[string[], RegExp]> = [
    [[], /^infra:lint: no FILE given\nusage: npm run infra:lint -- FILE \[--json\]\n$/],
    [[path('a.json'), path('b.json')], /^infra:lint: give one FILE at a time\nusage: /],
    [['--yaml', path('array.json')], /^infra:lint: Unknown option '--yaml'/],
    [[path('missing.json')], /^infra:lint: cannot read .*missing\.json: no such file\n$/],
    [[path('')], /^infra:lint: cannot read .*: it is a directory\n$/],
    [[path('array.json')], /^infra:lint: .*array\.json is an array, not a JSON object holding a task definition\n$/],
    [[path('syntax.json')], /^infra:lint: .*syntax\.json is not valid JSON: Expected ',' or '}' after property value in JSON at position 34 \(line 4 column 3\)\n$/],
    [[path('leaky.json')], /^infra:lint: .*leaky\.json is not valid JSON: Unexpected token 'h'\n$/],
    [[path('long.json')], /^infra:lint: .*long\.json is not valid JSON: Unexpected token '}'\n$/],
    [[path('empty.json')], /^infra:lint: .*empty\.json is empty\n$/],
  ];
  for (const [args, expected] of cases) {
    const { code, stdout, stderr } = await lint(...args);
    assert.equal(code, 2, args.join(' '));
    assert.equal(stdout, '', args.join(' '));
    assert.match(stderr, expected);
    assert.doesNotMatch(stderr, /\n\s+at |hunter2/, 'no stack trace, and none of the file quoted');
  }
});
