import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { TEST_TOKEN } from './apps.ts';

export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | number | undefined>>;
  readonly body: string;
}

// The shape of the ids both services accept or make (request-id.ts): safe to log and to echo.
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const STACK_FRAME = /\n\s+at .+:\d+:\d+/;

/**
 * What every answer to every input must be: a 2xx or a 4xx, never a 5xx; a
 * JSON error body for a 4xx; no secret, stack trace or source path anywhere
 * in it; a request id that is safe to log. HEAD answers have no body to check.
 */
export function assertSafeAnswer(answer: Answer, label: string): void {
  const context = `${label} -> ${answer.status} ${answer.body.slice(0, 300)}`;
  assert.ok((answer.status >= 200 && answer.status < 300) || (answer.status >= 400 && answer.status < 500), `2xx or 4xx: ${context}`);
  assert.ok(!answer.body.includes(TEST_TOKEN), `the token in the body: ${context}`);
  assert.ok(!STACK_FRAME.test(answer.body), `a stack trace in the body: ${context}`);
  assert.ok(!answer.body.includes(REPO) && !answer.body.includes('node_modules'), `a source path in the body: ${context}`);
  const id = answer.headers['x-request-id'];
  assert.ok(id === undefined || SAFE_REQUEST_ID.test(String(id)), `unsafe x-request-id ${JSON.stringify(id)}: ${context}`);
  if (answer.status >= 400 && answer.body !== '') {
    assert.match(String(answer.headers['content-type']), /^application\/json/, `a JSON error: ${context}`);
    const error = JSON.parse(answer.body) as { statusCode?: unknown; message?: unknown };
    assert.equal(error.statusCode, answer.status, context);
    assert.equal(typeof error.message, 'string', context);
  }
}
