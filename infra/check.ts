// `npm run infra:check`: the committed task definition is what the model
// renders, the linter finds nothing in it, and docker-compose.yml agrees with
// the model. One line per check, each problem below it; exit 1 if any fails.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { composeDrift } from './compose-drift.ts';
import { COMPOSE_FILE, readComposeFile } from './compose.ts';
import { lintTaskDefinition, parseTaskDefinitionFile } from './lint/index.ts';
import { renderTaskDefinition, TASK_DEFINITION_FILE } from './render.ts';

const taskDefinitionFile = relative(process.cwd(), TASK_DEFINITION_FILE);
const composeFile = relative(process.cwd(), COMPOSE_FILE);

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
      return [`line ${line + 1} is ${was}, the model renders ${is}: run npm run infra:render and commit ${taskDefinitionFile}`];
    }
  }
  return [];
}

async function lintProblems(): Promise<string[]> {
  const taskDefinition = await parseTaskDefinitionFile(taskDefinitionFile);
  return lintTaskDefinition(taskDefinition).map(({ rule, path, message }) => `${path}: ${message} [${rule}]`);
}

function driftProblems(): string[] {
  const compose = readComposeFile();
  try {
    return composeDrift(compose);
  } catch (error) {
    throw new Error(`${composeFile}: ${(error as Error).message}`);
  }
}

const checks = [
  { name: `${taskDefinitionFile} is what the model renders`, problems: renderProblems },
  { name: `the linter finds nothing in ${taskDefinitionFile}`, problems: lintProblems },
  { name: `${composeFile} agrees with the model`, problems: driftProblems },
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
  for (const problem of problems) process.stdout.write(`       ${problem}\n`);
}
process.exitCode = failed ? 1 : 0;
