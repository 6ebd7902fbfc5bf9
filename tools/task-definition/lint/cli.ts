// `npm run infra:lint -- FILE [--json]`: lints a task definition file offline.
// Exit 0: clean; 1: findings; 2: the file could not be linted (missing,
// unreadable, not JSON, not an object) or the command line is wrong.
import { parseArgs } from 'node:util';
import { lintTaskDefinition, parseTaskDefinitionFile, UnusableInputError, type Finding } from './index.ts';

const USAGE = 'usage: npm run infra:lint -- FILE [--json]';

function table(findings: readonly Finding[]): string {
  const ruleWidth = Math.max(...findings.map((finding) => finding.rule.length));
  const pathWidth = Math.max(...findings.map((finding) => finding.path.length));
  return findings.map(({ rule, path, message }) => `${rule.padEnd(ruleWidth)}  ${path.padEnd(pathWidth)}  ${message}\n`).join('');
}

function summary(findings: readonly Finding[], file: string): string {
  if (findings.length === 0) return `no findings in ${file}\n`;
  return `${findings.length} finding${findings.length === 1 ? '' : 's'} in ${file}\n`;
}

function readCommandLine(args: string[]): { file: string; json: boolean } {
  const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean', default: false } }, allowPositionals: true });
  const [file, ...extra] = positionals;
  if (file === undefined) throw new Error('no FILE given');
  if (extra.length > 0) throw new Error('give one FILE at a time');
  return { file, json: values.json };
}

async function main(args: string[]): Promise<number> {
  let file: string;
  let json: boolean;
  try {
    ({ file, json } = readCommandLine(args));
  } catch (error) {
    process.stderr.write(`infra:lint: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  try {
    const findings = lintTaskDefinition(await parseTaskDefinitionFile(file));
    if (json) {
      // stdout stays one JSON document for tools; the summary is for the person watching.
      process.stdout.write(`${JSON.stringify(findings, null, 2)}\n`);
      process.stderr.write(summary(findings, file));
    } else {
      process.stdout.write(table(findings) + summary(findings, file));
    }
    return findings.length === 0 ? 0 : 1;
  } catch (error) {
    const reason = error instanceof UnusableInputError ? error.message : `could not lint ${file}: ${(error as Error).message}`;
    process.stderr.write(`infra:lint: ${reason}\n`);
    return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
