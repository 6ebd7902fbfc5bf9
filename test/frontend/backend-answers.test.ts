import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TSchema } from 'typebox';
import { readBackendHello, readHealth, readIdentity } from '../../services/frontend/backend-answers.ts';
import { BackendHello, Health, Identity } from '../../services/shared/schemas.ts';

/** A value with every property the schema names, optional ones included: what a reader must keep whole. */
function everyField(schema: TSchema): unknown {
  const { type, properties } = schema as { type?: string; properties?: Record<string, TSchema> };
  if (type === 'object') return Object.fromEntries(Object.entries(properties ?? {}).map(([key, child]) => [key, everyField(child)]));
  if (type === 'integer' || type === 'number') return 7;
  if (type === 'string') return 'text';
  throw new Error(`no sample for a schema of type ${type}`);
}

const readers = [
  { name: 'BackendHello', schema: BackendHello, read: readBackendHello },
  { name: 'Identity', schema: Identity, read: readIdentity },
  { name: 'Health', schema: Health, read: readHealth },
] as const;

for (const { name, schema, read } of readers) {
  test(`${name}: every field of the schema is kept, and nothing else`, () => {
    const full = everyField(schema) as Record<string, unknown>;
    assert.deepEqual(read(full), full, 'a field the schema names was dropped: teach backend-answers.ts about it');
    assert.deepEqual(read({ ...full, extra: 'leak' }), full);
  });
}

test('an answer that breaks its schema is refused', () => {
  const servedBy = { service: 'backend', hostname: 'h', pid: 1 };
  for (const broken of [null, [], 'text', { servedBy }, { greeting: 1, servedBy }, { greeting: 'hi', servedBy: { ...servedBy, pid: 1.5 } }, { greeting: 'hi', servedBy: { ...servedBy, taskArn: 3 } }]) {
    assert.equal(readBackendHello(broken), undefined, JSON.stringify(broken));
  }
  assert.deepEqual(readBackendHello({ greeting: 'hi', servedBy }), { greeting: 'hi', servedBy });
  assert.equal(readHealth({ status: 1 }), undefined);
});
