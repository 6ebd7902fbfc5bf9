import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fillPlaceholders, PLACEHOLDERS, type PlaceholderValues } from '../../infra/placeholders.ts';
import { renderTaskDefinition } from '../../infra/render.ts';
import { taskDefinition } from '../../infra/task.ts';
import { examplePlaceholders } from './example-placeholders.ts';

test('every placeholder of the task definition is filled with its value', () => {
  const filled = fillPlaceholders(taskDefinition, examplePlaceholders);
  assert.doesNotMatch(JSON.stringify(filled), /\{\{/);

  const [backend, frontend] = filled.containerDefinitions;
  assert.equal(backend?.image, examplePlaceholders.BACKEND_IMAGE);
  assert.equal(frontend?.image, examplePlaceholders.FRONTEND_IMAGE);
  assert.equal(filled.executionRoleArn, examplePlaceholders.EXECUTION_ROLE_ARN);
  assert.equal(filled.taskRoleArn, examplePlaceholders.TASK_ROLE_ARN);
  assert.deepEqual(frontend?.logConfiguration?.options, {
    'awslogs-group': examplePlaceholders.LOG_GROUP,
    'awslogs-region': examplePlaceholders.REGION,
    'awslogs-stream-prefix': 'fargate-task-reference',
  });
  assert.deepEqual(
    frontend?.environment?.find(({ name }) => name === 'SECRET_ID'),
    { name: 'SECRET_ID', value: examplePlaceholders.SECRET_ARN },
  );
});

test('filling returns a copy: the model keeps its placeholders', () => {
  const before = renderTaskDefinition();
  fillPlaceholders(taskDefinition, examplePlaceholders);
  assert.equal(renderTaskDefinition(), before);
});

test('a value is inserted as it is, even with characters special to String.replace', () => {
  const filled = fillPlaceholders({ image: '{{BACKEND_IMAGE}}' }, { ...examplePlaceholders, BACKEND_IMAGE: "repo:$&-$1-$'" });
  assert.deepEqual(filled, { image: "repo:$&-$1-$'" });
});

test('placeholders without a value, or with an empty one, are named in the error', () => {
  const { REGION: _region, LOG_GROUP: _logGroup, ...rest } = examplePlaceholders;
  const values = { ...rest, SECRET_ARN: '  ' } as PlaceholderValues;
  assert.throws(() => fillPlaceholders(taskDefinition, values), {
    message: "cannot fill the task definition's placeholders: no value for {{LOG_GROUP}}, {{REGION}}, {{SECRET_ARN}}",
  });
});

test('a placeholder the deploy step does not know is named in the error', () => {
  assert.throws(() => fillPlaceholders({ image: '{{BACKEND_IMAGE}}', region: '{{REGON}}' }, examplePlaceholders), {
    message: `cannot fill the task definition's placeholders: unknown placeholder {{REGON}} (known: ${PLACEHOLDERS.join(', ')})`,
  });
});

test('a value for a placeholder that does not exist is named in the error', () => {
  const values = { ...examplePlaceholders, ACCOUNT_ID: '123456789012' } as PlaceholderValues;
  assert.throws(() => fillPlaceholders(taskDefinition, values), /unknown placeholder \{\{ACCOUNT_ID\}\}/);
});

test('the error names placeholders, never the values it was given', () => {
  const values = { ...examplePlaceholders, REGION: '', SECRET_ARN: 'arn:aws:secretsmanager:not-to-be-echoed' };
  assert.throws(
    () => fillPlaceholders(taskDefinition, values),
    (error: Error) => !error.message.includes('not-to-be-echoed') && !error.message.includes(examplePlaceholders.TASK_ROLE_ARN),
  );
});
