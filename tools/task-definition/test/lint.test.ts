import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { lintTaskDefinition, RULE_IDS, UnusableInputError } from '../lint/index.ts';
import { childPath } from '../lint/json.ts';
import { taskDefinitionOf } from '../render.ts';
import type { CfnTemplate } from '../../../test/helpers/synth.ts';
import { EXAMPLE, template } from '../../../test/helpers/synthesized.ts';
import { arm64, initContainer, oneContainer, ourTask, secretWithJsonKey, stringSizes, variant } from './lint-fixtures.ts';

test('valid task definitions lint clean', () => {
  const valid = { ourTask, oneContainer, initContainer, arm64, secretWithJsonKey, stringSizes };
  for (const [name, task] of Object.entries(valid)) {
    assert.deepEqual(lintTaskDefinition(task), [], name);
  }
});

// One change to our own (clean) task that breaks exactly one rule. `path` is
// where the finding must point, when it is not the path that was changed.
const breaks: ReadonlyArray<{ rule: string; change: Record<string, unknown>; path?: string }> = [
  { rule: 'container-definitions', change: { 'containerDefinitions[0].image': undefined } },
  { rule: 'compatibilities', change: { requiresCompatibilities: ['EC2'] } },
  { rule: 'runtime-platform', change: { 'runtimePlatform.cpuArchitecture': 'ARM' } },
  { rule: 'linux-parameters', change: { 'containerDefinitions[0].linuxParameters.tmpfs': [{ containerPath: '/tmp', size: 64 }] } },
  { rule: 'pid-mode', change: { pidMode: 'host' } },
  { rule: 'ipc-mode', change: { ipcMode: 'task' } },
  { rule: 'network-mode', change: { networkMode: 'bridge' } },
  { rule: 'links', change: { 'containerDefinitions[1].links': ['backend'] } },
  { rule: 'host-port', change: { 'containerDefinitions[1].portMappings[0].hostPort': 80 } },
  {
    rule: 'port-conflict',
    change: { 'containerDefinitions[0].portMappings': [{ containerPort: 3000 }] },
    path: 'containerDefinitions[1].portMappings[0].containerPort',
  },
  { rule: 'task-size', change: { memory: '8192' } },
  { rule: 'container-size-sum', change: { 'containerDefinitions[0].memory': 1024 }, path: 'memory' },
  { rule: 'memory-reservation', change: { 'containerDefinitions[0].memoryReservation': 256 } },
  { rule: 'ephemeral-storage', change: { ephemeralStorage: { sizeInGiB: 20 } }, path: 'ephemeralStorage.sizeInGiB' },
  { rule: 'depends-on-unknown', change: { 'containerDefinitions[1].dependsOn[0].containerName': 'api' } },
  { rule: 'depends-on-condition', change: { 'containerDefinitions[1].dependsOn[0].condition': 'READY' } },
  {
    rule: 'depends-on-cycle',
    change: { 'containerDefinitions[0].dependsOn': [{ containerName: 'frontend', condition: 'START' }] },
    path: 'containerDefinitions[1].dependsOn[0]',
  },
  {
    rule: 'depends-on-healthy-without-check',
    change: { 'containerDefinitions[1].dependsOn[0].condition': 'HEALTHY', 'containerDefinitions[0].healthCheck': undefined },
  },
  { rule: 'depends-on-complete-essential', change: { 'containerDefinitions[1].dependsOn[0].condition': 'SUCCESS' } },
  { rule: 'no-essential', change: { 'containerDefinitions[0].essential': false, 'containerDefinitions[1].essential': false }, path: 'containerDefinitions' },
  { rule: 'stop-timeout', change: { 'containerDefinitions[0].stopTimeout': 300 } },
  { rule: 'start-timeout', change: { 'containerDefinitions[1].startTimeout': 1 } },
  {
    rule: 'health-check-command',
    change: { 'containerDefinitions[0].healthCheck.command': ['curl', '-f', 'http://127.0.0.1:8080/health'] },
    path: 'containerDefinitions[0].healthCheck.command[0]',
  },
  { rule: 'health-check-range', change: { 'containerDefinitions[0].healthCheck.interval': 2 } },
  { rule: 'log-driver', change: { 'containerDefinitions[0].logConfiguration.logDriver': 'json-file' } },
  { rule: 'awslogs-options', change: { 'containerDefinitions[1].logConfiguration.options["awslogs-stream-prefix"]': undefined } },
  { rule: 'execution-role', change: { executionRoleArn: undefined } },
  {
    rule: 'secret-value-from',
    // The JSON key without the two colons that keep the empty stage and version fields.
    change: { 'containerDefinitions[0].secrets': [{ name: 'DB_PASSWORD', valueFrom: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:password' }] },
    path: 'containerDefinitions[0].secrets[0].valueFrom',
  },
];

for (const { rule, change, path } of breaks) {
  test(`${rule}: reported alone, at the broken value`, () => {
    const findings = lintTaskDefinition(variant(ourTask, change));
    const expected = path ?? Object.keys(change)[0];
    assert.deepEqual(
      findings.map((finding) => ({ rule: finding.rule, path: finding.path })),
      [{ rule, path: expected }],
    );
    assert.match(findings[0]?.message ?? '', /^\S.*; .+\.$/, 'one sentence: what is wrong; what to do.');
  });
}

test('every rule has a breaking case above, and ids are unique', () => {
  assert.deepEqual([...RULE_IDS].sort(), breaks.map(({ rule }) => rule).sort());
});

test('input that is not a JSON object is unusable, not a finding', () => {
  for (const input of [null, [], [ourTask], 'task', 42, true, undefined]) {
    assert.throws(() => lintTaskDefinition(input), UnusableInputError);
  }
});

// Every path in our task, and the optional fields it leaves out, as the linter writes them.
function pathsOf(value: unknown, path = ''): string[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const here = childPath(path, Array.isArray(value) ? Number(key) : key);
    return [here, ...pathsOf(child, here)];
  });
}
const optional = ['links', 'secrets', 'memoryReservation', 'startTimeout', 'essential', 'dependsOn', 'portMappings', 'healthCheck.startPeriod', 'linuxParameters.capabilities', 'linuxParameters.tmpfs'];
const anyPath = fc.constantFrom(
  ...pathsOf(ourTask),
  ...optional.flatMap((key) => [`containerDefinitions[0].${key}`, `containerDefinitions[1].${key}`]),
  ...['ephemeralStorage', 'pidMode', 'ipcMode', 'containerDefinitions[1].portMappings[0].hostPort', 'containerDefinitions[2]'],
);

test('no JSON value anywhere in a task definition makes the linter throw', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(anyPath, fc.jsonValue({ maxDepth: 2 })), { maxLength: 4 }), (changes) => {
      // Longer paths first: a change inside a value comes before the value is replaced.
      const ordered = changes.toSorted(([a], [b]) => b.length - a.length);
      const findings = lintTaskDefinition(variant(ourTask, Object.fromEntries(ordered)));
      for (const finding of findings) assert.ok(RULE_IDS.includes(finding.rule) && finding.path !== '' && finding.message !== '');
    }),
    { numRuns: 1000 },
  );
  fc.assert(fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (input) => void lintTaskDefinition(input)));
});

test('with each option, the task definition still passes the Fargate linter', () => {
  const options = [
    { frontendImage: EXAMPLE.frontendImage, backendImage: EXAMPLE.backendImage },
    { existingSecretArn: EXAMPLE.existingSecretArn },
    { ecsExec: 'true' },
    { graviton: 'true' },
    { stackName: 'staging' },
  ];
  for (const context of options) assert.deepEqual(lintTaskDefinition(taskDefinitionOf(template(context).toJSON() as CfnTemplate)), [], JSON.stringify(context));
});
