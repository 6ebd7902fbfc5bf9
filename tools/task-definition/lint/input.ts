// Input the linter cannot judge at all: a file it cannot read, text that is
// not JSON, JSON that is not an object. That is not a finding about a task
// definition, so it is an error of its own (the CLI exits 2 on it).
import { readFile } from 'node:fs/promises';
import { kindOf } from './describe.ts';
import { isObject, type JsonObject } from './json.ts';

export class UnusableInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnusableInputError';
  }
}

export function requireObject(value: unknown, what: string): JsonObject {
  if (!isObject(value)) throw new UnusableInputError(`${what} is ${kindOf(value)}, not a JSON object holding a task definition`);
  return value;
}

const READ_FAILURES: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
};

function readFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return (code === undefined ? undefined : READ_FAILURES[code]) ?? (error as Error).message;
}

// V8 names the position when it can ("... in JSON at position 42 (line 3 column 7)"),
// but for an unexpected token it quotes the text around it instead
// ('Unexpected token '}', ..."itions": [}" is not valid JSON'), and that text may
// hold a secret by mistake: keep the reason, drop the quote.
function syntaxFailure(error: unknown): string {
  return (error as Error).message.replace(/, (?:\.\.\.)?".*" is not valid JSON$/s, '');
}

/** Reads and parses a task definition file; throws UnusableInputError with a one-line reason. */
export async function parseTaskDefinitionFile(path: string): Promise<JsonObject> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UnusableInputError(`cannot read ${path}: ${readFailure(error)}`);
  }
  // Some Windows editors start a UTF-8 file with a byte order mark, which JSON.parse rejects.
  text = text.replace(/^\uFEFF/, '');
  if (text.trim() === '') throw new UnusableInputError(`${path} is empty`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UnusableInputError(`${path} is not valid JSON: ${syntaxFailure(error)}`);
  }
  return requireObject(value, path);
}
