// Each context value changes what it should in the synthesized template, and
// nothing else: the resources it adds, removes and changes are listed by
// construct path, and its effect is checked on them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createApp } from '../../infra/app.ts';
import { cliContext } from '../helpers/synth.ts';
import { changes, EXAMPLE, onlyOf, resourcesOf, synthesized } from '../helpers/synthesized.ts';

const none = { added: [], removed: [], changed: [], outputs: [] };
const network = (context: Record<string, string>) => onlyOf('AWS::ECS::Service', context).Properties!.NetworkConfiguration.AwsvpcConfiguration;
const containers = (context: Record<string, string>) => onlyOf('AWS::ECS::TaskDefinition', context).Properties!.ContainerDefinitions as Array<Record<string, any>>;
const taskRoleActions = (context: Record<string, string>) =>
  resourcesOf('AWS::IAM::Policy', context)
    .filter((policy) => policy.id.startsWith('TaskTaskRoleDefaultPolicy'))
    .flatMap((policy) => policy.Properties!.PolicyDocument.Statement.flatMap((statement: { Action: string | string[] }) => [statement.Action].flat()))
    .sort();

test('stackName renames the stack and what is named after it', () => {
  const context = { stackName: 'staging' };
  assert.equal(onlyOf('AWS::ECS::TaskDefinition', context).Properties!.Family, 'staging');
  assert.equal(onlyOf('AWS::ECS::Cluster', context).Properties!.ClusterName, 'staging');
  assert.equal(onlyOf('AWS::Logs::LogGroup', context).Properties!.LogGroupName, '/ecs/staging');
  assert.equal(onlyOf('AWS::SecretsManager::Secret', context).Properties!.Name, 'staging/internal-token');
  assert.ok(resourcesOf('AWS::CloudWatch::Alarm', context).every((alarm) => alarm.Properties!.AlarmName.startsWith('staging-')));
  assert.equal(containers(context)[0]!.LogConfiguration.Options['awslogs-stream-prefix'], 'staging');
  const { stack } = createApp({ context: cliContext(context) });
  assert.equal(stack.stackName, 'staging');
});

test('frontendImage and backendImage: the task runs those images; the execution role may pull them', () => {
  const context = { frontendImage: EXAMPLE.frontendImage, backendImage: EXAMPLE.backendImage };
  assert.deepEqual(changes(context), { ...none, changed: ['Task/Definition', 'Task/Definition/ExecutionRole', 'Task/Definition/ExecutionRole/DefaultPolicy'] });
  assert.deepEqual(containers(context).map((container) => [container.Name, container.Image]), [['backend', EXAMPLE.backendImage], ['frontend', EXAMPLE.frontendImage]]);
});

test('vpcId: no VPC is created; the load balancer and the tasks use the given subnets', () => {
  const context = { vpcId: EXAMPLE.vpcId, publicSubnetIds: EXAMPLE.publicSubnetIds, privateSubnetIds: EXAMPLE.privateSubnetIds };
  const { added, removed, changed, outputs } = changes(context);
  assert.deepEqual({ added, outputs }, { added: [], outputs: [] });
  assert.ok(removed.every((path) => path.startsWith('Network/Vpc') || path.startsWith('Custom::VpcRestrictDefaultSG')), removed.join('\n'));
  assert.deepEqual(changed, ['LoadBalancer/LoadBalancer', 'LoadBalancer/SecurityGroup', 'LoadBalancer/TargetGroup', 'Service/SecurityGroup', 'Service/Service/Service']);
  assert.deepEqual(resourcesOf('AWS::EC2::VPC', context), []);
  assert.deepEqual(onlyOf('AWS::ElasticLoadBalancingV2::LoadBalancer', context).Properties!.Subnets, EXAMPLE.publicSubnetIds.split(','));
  assert.deepEqual(network(context).Subnets, EXAMPLE.privateSubnetIds.split(','));
  assert.equal(onlyOf('AWS::ElasticLoadBalancingV2::TargetGroup', context).Properties!.VpcId, EXAMPLE.vpcId);
});

test('taskSubnets public: the tasks get a public IP in the public subnets; no NAT gateway, no private subnets', () => {
  const context = { taskSubnets: 'public' };
  const { added, removed, changed, outputs } = changes(context);
  assert.deepEqual({ added, changed, outputs }, { added: [], changed: ['Service/Service/Service'], outputs: [] });
  assert.ok(removed.includes('Network/Vpc/publicSubnet1/NATGateway'));
  assert.ok(removed.every((path) => path.startsWith('Network/Vpc/privateSubnet') || path.startsWith('Network/Vpc/publicSubnet1/EIP') || path.endsWith('NATGateway')), removed.join('\n'));
  assert.equal(network(context).AssignPublicIp, 'ENABLED');
  const publicSubnets = resourcesOf('AWS::EC2::Subnet', context).map((subnet) => ({ Ref: subnet.id }));
  assert.deepEqual(network(context).Subnets, publicSubnets);
  assert.deepEqual(onlyOf('AWS::ElasticLoadBalancingV2::LoadBalancer', context).Properties!.Subnets, publicSubnets);
});

test('certificateArn and domainName: HTTPS on 443 with the certificate, HTTP redirected to it, an https:// URL', () => {
  const context = { certificateArn: EXAMPLE.certificateArn, domainName: EXAMPLE.domainName };
  // The alarms' and the scaling's load balancer dimension is read from a listener, now the HTTPS one.
  assert.deepEqual(changes(context), {
    added: ['LoadBalancer/LoadBalancer/Https'],
    removed: [],
    changed: [
      'Alarms/target-5xx-rate',
      'Alarms/target-p99-response-time',
      'Alarms/unhealthy-targets',
      'LoadBalancer/LoadBalancer/Http',
      'LoadBalancer/SecurityGroup',
      'Service/Service/Service',
      'Service/Service/TaskCount/Target/Requests',
    ],
    outputs: ['ServiceUrl'],
  });
  const listeners = Object.fromEntries(resourcesOf('AWS::ElasticLoadBalancingV2::Listener', context).map(({ Properties: l }) => [l!.Port, l]));
  assert.deepEqual(listeners[80]!.DefaultActions, [{ Type: 'redirect', RedirectConfig: { Port: '443', Protocol: 'HTTPS', StatusCode: 'HTTP_301' } }]);
  assert.deepEqual(listeners[443]!.Certificates, [{ CertificateArn: EXAMPLE.certificateArn }]);
  assert.equal(listeners[443]!.Protocol, 'HTTPS');
  assert.match(listeners[443]!.SslPolicy, /TLS13/);
  assert.deepEqual((synthesized(context).Outputs as Record<string, { Value: unknown }>).ServiceUrl!.Value, 'https://app.example.com');
});

test('existingSecretArn: no secret is created; the containers and the task role use the given one', () => {
  const context = { existingSecretArn: EXAMPLE.existingSecretArn };
  assert.deepEqual(changes(context), { added: [], removed: ['InternalToken'], changed: ['Task/Definition', 'Task/TaskRole/DefaultPolicy'], outputs: ['SecretArn'] });
  for (const container of containers(context)) {
    assert.equal(container.Environment.find((variable: { Name: string }) => variable.Name === 'SECRET_ID').Value, EXAMPLE.existingSecretArn);
  }
});

test('minCapacity and maxCapacity bound auto scaling', () => {
  const context = { minCapacity: '3', maxCapacity: '9' };
  assert.deepEqual(changes(context), { ...none, changed: ['Service/Service/TaskCount/Target'] });
  const { MinCapacity, MaxCapacity } = onlyOf('AWS::ApplicationAutoScaling::ScalableTarget', context).Properties!;
  assert.deepEqual([MinCapacity, MaxCapacity], [3, 9]);
});

test('requestsPerTarget is the request-count scaling goal', () => {
  const context = { requestsPerTarget: '3000' };
  assert.deepEqual(changes(context), { ...none, changed: ['Service/Service/TaskCount/Target/Requests'] });
  const requests = resourcesOf('AWS::ApplicationAutoScaling::ScalingPolicy', context).find((policy) => policy.id.includes('Requests'))!;
  assert.equal(requests.Properties!.TargetTrackingScalingPolicyConfiguration.TargetValue, 3000);
});

test('logRetentionDays is how long the log group keeps the logs', () => {
  const context = { logRetentionDays: '90' };
  assert.deepEqual(changes(context), { ...none, changed: ['Logs'] });
  assert.equal(onlyOf('AWS::Logs::LogGroup', context).Properties!.RetentionInDays, 90);
});

test('ECS Exec is off by default: no execute-command, no SSM permission', () => {
  assert.equal(onlyOf('AWS::ECS::Service').Properties!.EnableExecuteCommand, false);
  assert.deepEqual(taskRoleActions({}), ['secretsmanager:GetSecretValue']);
});

test('ecsExec: execute-command on, the task role gets the SSM messages permissions, and the root filesystems become writable', () => {
  const context = { ecsExec: 'true' };
  assert.deepEqual(changes(context), { ...none, changed: ['Service/Service/Service', 'Task/Definition', 'Task/TaskRole/DefaultPolicy'] });
  assert.equal(onlyOf('AWS::ECS::Service', context).Properties!.EnableExecuteCommand, true);
  assert.deepEqual(taskRoleActions(context), [
    'secretsmanager:GetSecretValue',
    'ssmmessages:CreateControlChannel',
    'ssmmessages:CreateDataChannel',
    'ssmmessages:OpenControlChannel',
    'ssmmessages:OpenDataChannel',
  ]);
  // The ECS Exec agent writes into the container's filesystem (docs/deploy.md: ECS Exec).
  assert.deepEqual(containers(context).map((container) => container.ReadonlyRootFilesystem), [false, false]);
});

test('graviton: the task runs on ARM64 and the images are built for linux/arm64', () => {
  const context = { graviton: 'true' };
  assert.deepEqual(changes(context), { ...none, changed: ['Task/Definition'] });
  assert.deepEqual(onlyOf('AWS::ECS::TaskDefinition', context).Properties!.RuntimePlatform, { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' });
  assert.deepEqual(builtPlatforms(context), ['linux/arm64', 'linux/arm64']);
  assert.deepEqual(builtPlatforms({}), ['linux/amd64', 'linux/amd64']);
});

/** The platform each built image is built for, from the assembly's asset manifest. */
function builtPlatforms(context: Record<string, string>): string[] {
  const { app, stack } = createApp({ context: { ...cliContext(context), 'aws:cdk:disable-asset-staging': true } });
  const assembly = app.synth();
  const manifest = JSON.parse(readFileSync(join(assembly.directory, `${stack.artifactId}.assets.json`), 'utf8')) as {
    dockerImages: Record<string, { source: { dockerFile: string; platform?: string } }>;
  };
  return Object.values(manifest.dockerImages).map((image) => image.source.platform ?? 'the machine\'s');
}
