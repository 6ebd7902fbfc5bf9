// The rules' edges: what each one accepts, where it draws the line, and what
// its message tells the user. (lint.test.ts breaks each rule once.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lintTaskDefinition } from '../lint/index.ts';
import { oneContainer, ourTask, variant } from './lint-fixtures.ts';

/** `rule path` of each finding for `base` with `change` applied. */
function found(base: object, change: Record<string, unknown> = {}): string[] {
  return lintTaskDefinition(variant(base, change)).map(({ rule, path }) => `${rule} ${path}`);
}

function message(base: object, change: Record<string, unknown>): string {
  const [first, ...rest] = lintTaskDefinition(variant(base, change));
  assert.equal(rest.length, 0, 'exactly one finding');
  return first?.message ?? '';
}

test('task-size: every documented Fargate size passes, written as units or as vCPU and GB', () => {
  const sizes = [
    ['256', '512'], ['256', '2048'], ['0.25 vCPU', '0.5 GB'], ['.5 vcpu', '1GB'], ['512', '4 GB'], ['1 vCPU', '8192'],
    ['2 vCPU', '16 GB'], ['4096', '30720'], ['8192', '20 GB'], ['8 vCPU', '60 GB'], ['16 vCPU', '120 GB'], ['16384', '32768'],
  ];
  for (const [cpu, memory] of sizes) assert.deepEqual(found(oneContainer, { cpu, memory }), [], `${cpu} / ${memory}`);
});

test('task-size: sizes Fargate does not offer, or cannot read, are reported at cpu or memory', () => {
  const cases: Array<[unknown, unknown, string]> = [
    ['256', '1536', 'memory'],
    ['512', '5120', 'memory'],
    ['8192', '18432', 'memory'], // between two 4 GB steps
    ['32768', '65536', 'cpu'], // 32 vCPU: only cfn-lint lists it
    ['32 vCPU', '64 GB', 'cpu'],
    ['128', '512', 'cpu'],
    ['0.3 vCPU', '1 GB', 'cpu'],
    ['256', '512 MiB', 'memory'],
    [256, '512', 'cpu'], // a JSON number: the API takes a string
    [undefined, '512', 'cpu'],
    ['256', undefined, 'memory'],
  ];
  for (const [cpu, memory, path] of cases) assert.deepEqual(found(oneContainer, { cpu, memory }), [`task-size ${path}`], `${String(cpu)} / ${String(memory)}`);
});

test('task-size: a memory that does not fit says which memory fits the cpu and which cpu fits the memory', () => {
  assert.equal(
    message(oneContainer, { memory: '4096' }),
    'memory 4096 MiB does not fit cpu 256 on Fargate; with 256 CPU units use 512, 1024 or 2048 MiB, or set cpu to 512, 1024 or 2048 for 4096 MiB.',
  );
});

test('container-size-sum: container cpu, memory and memoryReservation must each fit in the task', () => {
  assert.deepEqual(found(ourTask, { 'containerDefinitions[0].cpu': 512 }), ['container-size-sum cpu']);
  const reservations = { 'containerDefinitions[0].memory': undefined, 'containerDefinitions[1].memory': undefined, 'containerDefinitions[0].memoryReservation': 600, 'containerDefinitions[1].memoryReservation': 600 };
  assert.deepEqual(found(ourTask, reservations), ['container-size-sum memory']);
  assert.deepEqual(found(ourTask, { 'containerDefinitions[0].cpu': '128' }), ['container-size-sum containerDefinitions[0].cpu']);
  assert.deepEqual(found(ourTask, { cpu: '1 vCPU', memory: '2 GB', 'containerDefinitions[0].cpu': 768, 'containerDefinitions[0].memory': 1792 }), []);
});

test('memory-reservation: the soft limit must be below the hard limit', () => {
  assert.deepEqual(found(ourTask, { 'containerDefinitions[0].memoryReservation': 128 }), []);
  assert.deepEqual(found(ourTask, { 'containerDefinitions[0].memoryReservation': 300 }), ['memory-reservation containerDefinitions[0].memoryReservation']);
});

test('ephemeral-storage: 21 to 200 GiB', () => {
  for (const size of [21, 200]) assert.deepEqual(found(oneContainer, { ephemeralStorage: { sizeInGiB: size } }), []);
  for (const size of [201, '30', 25.5]) assert.deepEqual(found(oneContainer, { ephemeralStorage: { sizeInGiB: size } }), ['ephemeral-storage ephemeralStorage.sizeInGiB']);
});

test('port-conflict: one port per protocol in the whole task, also within one container', () => {
  assert.deepEqual(found(ourTask, { 'containerDefinitions[0].portMappings': [{ containerPort: 3000, protocol: 'udp' }] }), []);
  const twice = { 'containerDefinitions[1].portMappings[1]': { containerPort: 3000, hostPort: 3000 } };
  assert.deepEqual(found(ourTask, twice), ['port-conflict containerDefinitions[1].portMappings[1].containerPort']);
  assert.match(message(ourTask, twice), /^TCP port 3000 is mapped twice in "frontend"; remove the second mapping\.$/);
});

test('links: an empty list is harmless; any link is reported', () => {
  assert.deepEqual(found(ourTask, { 'containerDefinitions[1].links': [] }), []);
  assert.deepEqual(found(ourTask, { 'containerDefinitions[1].links': 'backend' }), ['links containerDefinitions[1].links']);
});

test('depends-on-cycle: a container waiting on itself, and a loop through three containers', () => {
  assert.equal(
    message(ourTask, { 'containerDefinitions[0].dependsOn': [{ containerName: 'backend', condition: 'START' }] }),
    '"backend" depends on itself, so it can never start; remove this dependsOn entry.',
  );
  const sidecar = { name: 'sidecar', image: 'public.ecr.aws/docker/library/busybox:1', essential: false, dependsOn: [{ containerName: 'frontend', condition: 'START' }] };
  const loop = { 'containerDefinitions[2]': sidecar, 'containerDefinitions[0].dependsOn': [{ containerName: 'sidecar', condition: 'START' }] };
  assert.deepEqual(found(ourTask, loop), ['depends-on-cycle containerDefinitions[1].dependsOn[0]']);
  assert.match(message(ourTask, loop), /\("backend" → "sidecar" → "frontend" → "backend"\)/);
});

test('depends-on: each condition against the target it names', () => {
  const init = { name: 'init', image: 'public.ecr.aws/docker/library/busybox:1', essential: false };
  const waitFor = (condition: string) => ({ 'containerDefinitions[2]': init, 'containerDefinitions[1].dependsOn[1]': { containerName: 'init', condition } });
  for (const condition of ['START', 'COMPLETE', 'SUCCESS']) assert.deepEqual(found(ourTask, waitFor(condition)), [], condition);
  assert.deepEqual(found(ourTask, waitFor('HEALTHY')), ['depends-on-healthy-without-check containerDefinitions[1].dependsOn[1].condition']);
  assert.deepEqual(found(ourTask, { 'containerDefinitions[1].dependsOn[0].condition': 'COMPLETE' }), [
    'depends-on-complete-essential containerDefinitions[1].dependsOn[0].condition',
  ]);
  assert.deepEqual(found(ourTask, { 'containerDefinitions[1].dependsOn[0].containerName': undefined }), ['depends-on-unknown containerDefinitions[1].dependsOn[0].containerName']);
  assert.deepEqual(found(ourTask, { 'containerDefinitions[1].dependsOn[0].condition': 'healthy' }), ['depends-on-condition containerDefinitions[1].dependsOn[0].condition']);
});

test('no-essential: essential defaults to true, so one container left unmarked is enough', () => {
  assert.deepEqual(found(ourTask, { 'containerDefinitions[0].essential': false, 'containerDefinitions[1].essential': undefined }), []);
});

test('health-check-command: CMD or CMD-SHELL, then something to run; the command is never echoed', () => {
  assert.deepEqual(found(ourTask, { 'containerDefinitions[0].healthCheck.command': ['CMD-SHELL', 'curl -f http://localhost:8080/health || exit 1'] }), []);
  assert.deepEqual(found(ourTask, { 'containerDefinitions[0].healthCheck.command': ['CMD'] }), ['health-check-command containerDefinitions[0].healthCheck.command']);
  assert.deepEqual(found(ourTask, { 'containerDefinitions[0].healthCheck.command': 'CMD node check.ts' }), ['health-check-command containerDefinitions[0].healthCheck.command']);
  assert.deepEqual(found(ourTask, { 'containerDefinitions[0].healthCheck.command': undefined }), ['health-check-command containerDefinitions[0].healthCheck.command']);
  const withToken = { 'containerDefinitions[0].healthCheck.command': ['curl', '-H', 'Authorization: Bearer s3cr3t-token', 'http://127.0.0.1:8080/health'] };
  assert.doesNotMatch(message(ourTask, withToken), /s3cr3t|curl/);
});

test('health-check-range, stop-timeout and start-timeout: each bound is inclusive', () => {
  const bounds: Array<[string, number, number, string]> = [
    ['containerDefinitions[0].healthCheck.interval', 5, 300, 'health-check-range'],
    ['containerDefinitions[0].healthCheck.timeout', 2, 60, 'health-check-range'],
    ['containerDefinitions[0].healthCheck.retries', 1, 10, 'health-check-range'],
    ['containerDefinitions[0].healthCheck.startPeriod', 0, 300, 'health-check-range'],
    ['containerDefinitions[0].stopTimeout', 2, 120, 'stop-timeout'],
    ['containerDefinitions[0].startTimeout', 2, 120, 'start-timeout'],
  ];
  for (const [path, min, max, rule] of bounds) {
    for (const value of [min, max]) assert.deepEqual(found(ourTask, { [path]: value }), [], `${path} = ${value}`);
    for (const value of [min - 1, max + 1, min + 0.5, String(min)]) assert.deepEqual(found(ourTask, { [path]: value }), [`${rule} ${path}`], `${path} = ${value}`);
  }
});

test('log-driver and awslogs-options: splunk and awsfirelens need no awslogs options; empty options count as missing', () => {
  for (const logDriver of ['splunk', 'awsfirelens', '{{LOG_DRIVER}}']) {
    assert.deepEqual(found(ourTask, { 'containerDefinitions[0].logConfiguration': { logDriver } }), [], logDriver);
  }
  assert.deepEqual(found(ourTask, { 'containerDefinitions[0].logConfiguration.options["awslogs-region"]': ' ' }), [
    'awslogs-options containerDefinitions[0].logConfiguration.options["awslogs-region"]',
  ]);
  assert.deepEqual(found(ourTask, { 'containerDefinitions[0].logConfiguration': { logDriver: 'fluentd' } }), ['log-driver containerDefinitions[0].logConfiguration.logDriver']);
});

test('execution-role: needed for awslogs, private ECR images and secrets, and each reason is named', () => {
  const image = '123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1';
  assert.deepEqual(found(oneContainer, { 'containerDefinitions[0].image': 'public.ecr.aws/nginx/nginx:1.27' }), []);
  assert.match(message(oneContainer, { 'containerDefinitions[0].image': image }), /needs that role to pull private ECR images \("web"\);/);
  const secrets = [{ name: 'TOKEN', valueFrom: '/prod/token' }];
  assert.match(message(oneContainer, { 'containerDefinitions[0].secrets': secrets }), /needs that role to inject secrets \("web"\);/);
  assert.deepEqual(found(oneContainer, { 'containerDefinitions[0].secrets': secrets, executionRoleArn: '{{EXECUTION_ROLE_ARN}}' }), []);
  assert.deepEqual(found(oneContainer, { 'containerDefinitions[0].image': image, executionRoleArn: '' }), ['execution-role executionRoleArn']);
});

test('secret-value-from: Secrets Manager ARNs (with JSON key, stage, version) and SSM parameters pass', () => {
  const valid = [
    'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf',
    'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf:password::',
    'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf::AWSPREVIOUS:',
    'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:password::a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
    'arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:db-AbCdEf',
    'arn:aws:ssm:eu-west-1:123456789012:parameter/prod/api-key',
    '/prod/api-key',
    'api-key',
    '{{SECRET_ARN}}',
    'arn:aws:secretsmanager:{{REGION}}:{{ACCOUNT_ID}}:secret:db',
  ];
  for (const valueFrom of valid) assert.deepEqual(found(oneContainer, { executionRoleArn: '{{EXECUTION_ROLE_ARN}}', 'containerDefinitions[0].secrets': [{ name: 'S', valueFrom }] }), [], valueFrom);
});

test('secret-value-from: malformed references are reported without repeating the value', () => {
  const invalid = [
    'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:password:AWSCURRENT',
    'arn:aws:secretsmanager:us-east-1:secret:db-AbCdEf',
    'arn:aws:ssm:us-east-1:123456789012:db-password',
    'arn:aws:s3:::bucket/key',
    'correct horse battery staple',
    '',
  ];
  for (const valueFrom of invalid) {
    const change = { executionRoleArn: '{{EXECUTION_ROLE_ARN}}', 'containerDefinitions[0].secrets': [{ name: 'DB_PASSWORD', valueFrom }] };
    assert.deepEqual(found(oneContainer, change), ['secret-value-from containerDefinitions[0].secrets[0].valueFrom'], valueFrom);
    if (valueFrom !== '') assert.ok(!message(oneContainer, change).includes(valueFrom), 'the value stays out of the message');
  }
  const missing = { executionRoleArn: '{{EXECUTION_ROLE_ARN}}', 'containerDefinitions[0].secrets': [{ name: 'DB_PASSWORD' }] };
  assert.match(message(oneContainer, missing), /The valueFrom of the secret "DB_PASSWORD" of "web" is missing;/);
});

test('platform: compatibilities, runtime platform, Linux parameters, pid and ipc modes', () => {
  assert.deepEqual(found(ourTask, { requiresCompatibilities: ['EC2', 'FARGATE'] }), []);
  assert.deepEqual(found(ourTask, { requiresCompatibilities: undefined }), ['compatibilities requiresCompatibilities']);
  assert.deepEqual(found(ourTask, { 'runtimePlatform.operatingSystemFamily': 'WINDOWS_SERVER_2022_CORE' }), ['runtime-platform runtimePlatform.operatingSystemFamily']);
  assert.deepEqual(found(ourTask, { 'containerDefinitions[0].linuxParameters.capabilities': { add: ['SYS_PTRACE', 'NET_ADMIN'] } }), [
    'linux-parameters containerDefinitions[0].linuxParameters.capabilities.add[1]',
  ]);
  const unsupported = ['devices', 'sharedMemorySize', 'maxSwap', 'swappiness'];
  for (const key of unsupported) {
    assert.deepEqual(found(ourTask, { [`containerDefinitions[1].linuxParameters.${key}`]: 1 }), [`linux-parameters containerDefinitions[1].linuxParameters.${key}`]);
  }
  assert.deepEqual(found(ourTask, { pidMode: 'task' }), []);
  assert.deepEqual(found(ourTask, { ipcMode: 'none' }), ['ipc-mode ipcMode']);
});

test('container-definitions: a non-empty list of objects with unique names and an image', () => {
  assert.deepEqual(found(ourTask, { containerDefinitions: [] }), ['container-definitions containerDefinitions']);
  assert.deepEqual(found(ourTask, { containerDefinitions: undefined }), ['container-definitions containerDefinitions']);
  assert.deepEqual(found(ourTask, { 'containerDefinitions[2]': 'sidecar' }), ['container-definitions containerDefinitions[2]']);
  assert.deepEqual(found(ourTask, { 'containerDefinitions[2]': { name: 'backend', image: 'busybox', essential: false } }), ['container-definitions containerDefinitions[2].name']);
  assert.deepEqual(found(oneContainer, { 'containerDefinitions[0].name': 'my web' }), ['container-definitions containerDefinitions[0].name']);
});

test('placeholders: unknown values produce no format finding, wherever they stand', () => {
  const placeholders = {
    cpu: '{{TASK_CPU}}',
    memory: '{{TASK_MEMORY}}',
    networkMode: '{{NETWORK_MODE}}',
    'containerDefinitions[0].image': '{{ACCOUNT_ID}}.dkr.ecr.{{REGION}}.amazonaws.com/backend:{{TAG}}',
    'containerDefinitions[0].healthCheck.interval': '{{INTERVAL}}',
    'containerDefinitions[1].portMappings[0].hostPort': '{{PORT}}',
  };
  assert.deepEqual(found(ourTask, placeholders), []);
  // Only {{NAME}} in capitals is a placeholder; anything else is a value like any other.
  assert.deepEqual(found(ourTask, { networkMode: '{{ network mode }}' }), ['network-mode networkMode']);
});
