// `npm run infra:check`: the committed task definition is what the stack
// synthesizes, the linter finds nothing in it, docker-compose.yml agrees with
// it, and cfn-lint finds no error in the templates. One line per check, each
// problem below it; exit 1 if any fails.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { composeDrift } from './compose-drift.ts';
import { COMPOSE_FILE, readComposeFile } from '../../test/helpers/compose-file.ts';
import { lintTaskDefinition, parseTaskDefinitionFile } from './lint/index.ts';
import { renderTaskDefinition, taskDefinitionOf, TASK_DEFINITION_FILE } from './render.ts';
import { synthesizeTemplate, type CfnTemplate } from '../../test/helpers/synth.ts';

const taskDefinitionFile = relative(process.cwd(), TASK_DEFINITION_FILE);
const composeFile = relative(process.cwd(), COMPOSE_FILE);

// The default stack, and one with every option that changes the template
// switched on (made-up IDs, in the formats the options accept).
const TEMPLATES: ReadonlyArray<{ name: string; context: Record<string, string> }> = [
  { name: 'default options', context: {} },
  {
    name: 'every option on',
    context: {
      frontendImage: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/ci/frontend:1.0.0',
      backendImage: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/ci/backend:1.0.0',
      vpcId: 'vpc-0123456789abcdef0',
      publicSubnetIds: 'subnet-0123456789abcdef0,subnet-0123456789abcdef1',
      taskSubnets: 'public',
      certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/01234567-89ab-cdef-0123-456789abcdef',
      domainName: 'app.example.com',
      existingSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/internal-token-AbCdEf',
      ecsExec: 'true',
      graviton: 'true',
      // Not githubOidcProviderArn: without it the stack creates the OIDC provider, and cfn-lint sees it.
      githubRepository: 'octo-org/app',
    },
  },
];

const synthesized = new Map<string, CfnTemplate>();
const templateOf = (context: Record<string, string>) => {
  const key = JSON.stringify(context);
  if (!synthesized.has(key)) synthesized.set(key, synthesizeTemplate(context));
  return synthesized.get(key)!;
};

function readCommitted(): string {
  try {
    return readFileSync(TASK_DEFINITION_FILE, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${taskDefinitionFile} (${(error as NodeJS.ErrnoException).code}): run npm run infra:render and commit it`);
  }
}

function renderProblems(): string[] {
  const committed = readCommitted().split('\n');
  const rendered = renderTaskDefinition().split('\n');
  for (let line = 0; line < Math.max(committed.length, rendered.length); line++) {
    if (committed[line] !== rendered[line]) {
      const [was, is] = [committed[line], rendered[line]].map((text) => (text === undefined ? 'the end of the file' : JSON.stringify(text)));
      return [`line ${line + 1} is ${was}, the stack synthesizes ${is}: run npm run infra:render and commit ${taskDefinitionFile}`];
    }
  }
  return [];
}

// The committed file, and the task definition with every option on (Graviton, ECS Exec, prebuilt images).
async function lintProblems(): Promise<string[]> {
  const committed = await parseTaskDefinitionFile(taskDefinitionFile);
  const everything = taskDefinitionOf(templateOf(TEMPLATES[1]!.context));
  return [
    ...lintTaskDefinition(committed).map(({ rule, path, message }) => `${path}: ${message} [${rule}]`),
    ...lintTaskDefinition(everything).map(({ rule, path, message }) => `every option on: ${path}: ${message} [${rule}]`),
  ];
}

function driftProblems(): string[] {
  const compose = readComposeFile();
  try {
    return composeDrift(compose);
  } catch (error) {
    throw new Error(`${composeFile}: ${(error as Error).message}`);
  }
}

// Shown under a check's line without failing it.
const notes: string[] = [];

// cfn-lint's exit status is a bit mask: 2 errors, 4 warnings, 8 informational.
// Errors fail the check; warnings are shown (CDK's own custom resource has one, W3005).
function cfnLintProblems(): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'cfn-lint-'));
  try {
    return TEMPLATES.flatMap(({ name, context }) => {
      const file = join(dir, `${name.replaceAll(' ', '-')}.template.json`);
      writeFileSync(file, JSON.stringify(templateOf(context), null, 1));
      const run = spawnSync('cfn-lint', [file], { encoding: 'utf8' });
      if (run.error !== undefined) {
        const missing = (run.error as NodeJS.ErrnoException).code === 'ENOENT';
        throw new Error(missing ? 'cfn-lint is not installed or not on PATH (pipx install cfn-lint)' : `cfn-lint: ${run.error.message}`);
      }
      const output = `${run.stdout}${run.stderr}`.trim();
      const failed = run.status === null || run.status === 1 || (run.status & 2) !== 0;
      if (!failed && output !== '') notes.push(`${name}, not errors:`, ...output.split('\n').map((line) => `  ${line}`));
      return failed ? [`${name}: cfn-lint exit ${run.status}:\n${output}`] : [];
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const checks = [
  { name: `${taskDefinitionFile} is what the stack synthesizes`, problems: renderProblems },
  { name: `the linter finds nothing in ${taskDefinitionFile}, nor with every option on`, problems: lintProblems },
  { name: `${composeFile} agrees with the synthesized task definition`, problems: driftProblems },
  { name: `cfn-lint finds no error in the synthesized templates (${TEMPLATES.map(({ name }) => name).join(', ')})`, problems: cfnLintProblems },
];

let failed = false;
for (const check of checks) {
  let problems: string[];
  try {
    problems = await check.problems();
  } catch (error) {
    // A check that cannot run fails with its reason, not a stack trace.
    problems = [(error as Error).message];
  }
  failed ||= problems.length > 0;
  process.stdout.write(`${problems.length === 0 ? 'ok  ' : 'FAIL'} ${check.name}\n`);
  for (const line of [...problems, ...notes.splice(0)]) process.stdout.write(`       ${line}\n`);
}
process.exitCode = failed ? 1 : 0;
