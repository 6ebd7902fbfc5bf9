// Each context value changes what it should in the synthesized template, and
// nothing else: the resources it adds, removes and changes are listed by
// construct path, and its effect is checked on them.
import { Capture, Match, type Template } from 'aws-cdk-lib/assertions';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createApp } from '../../infra/app.ts';
import { cliContext } from '../helpers/synth.ts';
import { changes, EXAMPLE, template } from '../helpers/synthesized.ts';

const none = { added: [], removed: [], changed: [], outputs: [] };
const network = (t: Template, AwsvpcConfiguration: object) => t.hasResourceProperties('AWS::ECS::Service', { NetworkConfiguration: { AwsvpcConfiguration } });
/** Asserts the task's two containers, backend then frontend, each with these properties (objectLike). */
const containers = (t: Template, backend: object, frontend: object = backend) =>
  t.hasResourceProperties('AWS::ECS::TaskDefinition', { ContainerDefinitions: [backend, frontend] });
/** Asserts the statements of the task role's one policy: each with these actions, no other statement. */
const taskRoleActions = (t: Template, actions: Array<string | string[]>) => {
  const role = new Capture();
  t.hasResourceProperties('AWS::ECS::TaskDefinition', { TaskRoleArn: { 'Fn::GetAtt': [role, 'Arn'] } });
  t.resourcePropertiesCountIs('AWS::IAM::Policy', { Roles: Match.arrayWith([{ Ref: role.asString() }]) }, 1);
  t.hasResourceProperties('AWS::IAM::Policy', { Roles: [{ Ref: role.asString() }], PolicyDocument: { Statement: actions.map((Action) => ({ Action })) } });
};

test('stackName renames the stack and what is named after it', () => {
  const context = { stackName: 'staging' };
  const t = template(context);
  t.hasResourceProperties('AWS::ECS::TaskDefinition', { Family: 'staging' });
  t.hasResourceProperties('AWS::ECS::Cluster', { ClusterName: 'staging' });
  t.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/ecs/staging' });
  t.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'staging/internal-token' });
  t.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmName: Match.stringLikeRegexp('^staging-') });
  containers(t, { LogConfiguration: { Options: { 'awslogs-stream-prefix': 'staging' } } });
  const { stack } = createApp({ context: cliContext(context) });
  assert.equal(stack.stackName, 'staging');
});

test('frontendImage and backendImage: the task runs those images; the execution role may pull them', () => {
  const context = { frontendImage: EXAMPLE.frontendImage, backendImage: EXAMPLE.backendImage };
  assert.deepEqual(changes(context), { ...none, changed: ['Task/Definition', 'Task/Definition/ExecutionRole', 'Task/Definition/ExecutionRole/DefaultPolicy'] });
  containers(template(context), { Name: 'backend', Image: EXAMPLE.backendImage }, { Name: 'frontend', Image: EXAMPLE.frontendImage });
});

test('vpcId: no VPC is created; the load balancer and the tasks use the given subnets', () => {
  const context = { vpcId: EXAMPLE.vpcId, publicSubnetIds: EXAMPLE.publicSubnetIds, privateSubnetIds: EXAMPLE.privateSubnetIds };
  const { added, removed, changed, outputs } = changes(context);
  assert.deepEqual({ added, outputs }, { added: [], outputs: [] });
  assert.ok(removed.every((path) => path.startsWith('Network/Vpc') || path.startsWith('Custom::VpcRestrictDefaultSG')), removed.join('\n'));
  assert.deepEqual(changed, ['LoadBalancer/LoadBalancer', 'LoadBalancer/SecurityGroup', 'LoadBalancer/TargetGroup', 'Service/SecurityGroup', 'Service/Service/Service']);
  const t = template(context);
  t.resourceCountIs('AWS::EC2::VPC', 0);
  t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Subnets: EXAMPLE.publicSubnetIds.split(',') });
  network(t, { Subnets: EXAMPLE.privateSubnetIds.split(',') });
  t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { VpcId: EXAMPLE.vpcId });
});

test('taskSubnets public: the tasks get a public IP in the public subnets; no NAT gateway, no private subnets', () => {
  const context = { taskSubnets: 'public' };
  const { added, removed, changed, outputs } = changes(context);
  assert.deepEqual({ added, changed, outputs }, { added: [], changed: ['Service/Service/Service'], outputs: [] });
  assert.ok(removed.includes('Network/Vpc/publicSubnet1/NATGateway'));
  assert.ok(removed.every((path) => path.startsWith('Network/Vpc/privateSubnet') || path.startsWith('Network/Vpc/publicSubnet1/EIP') || path.endsWith('NATGateway')), removed.join('\n'));
  const t = template(context);
  const publicSubnets = Object.keys(t.findResources('AWS::EC2::Subnet')).map((id) => ({ Ref: id }));
  network(t, { AssignPublicIp: 'ENABLED', Subnets: publicSubnets });
  t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Subnets: publicSubnets });
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
  const t = template(context);
  t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
    Port: 80,
    DefaultActions: Match.exact([{ Type: 'redirect', RedirectConfig: { Port: '443', Protocol: 'HTTPS', StatusCode: 'HTTP_301' } }]),
  });
  t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
    Port: 443,
    Certificates: Match.exact([{ CertificateArn: EXAMPLE.certificateArn }]),
    Protocol: 'HTTPS',
    SslPolicy: Match.stringLikeRegexp('TLS13'),
  });
  t.hasOutput('ServiceUrl', { Value: 'https://app.example.com' });
});

test('existingSecretArn: no secret is created; the containers and the task role use the given one', () => {
  const context = { existingSecretArn: EXAMPLE.existingSecretArn };
  assert.deepEqual(changes(context), { added: [], removed: ['InternalToken'], changed: ['Task/Definition', 'Task/TaskRole/DefaultPolicy'], outputs: ['SecretArn'] });
  containers(template(context), { Environment: Match.arrayWith([{ Name: 'SECRET_ID', Value: EXAMPLE.existingSecretArn }]) });
});

test('minCapacity and maxCapacity bound auto scaling', () => {
  const context = { minCapacity: '3', maxCapacity: '9' };
  assert.deepEqual(changes(context), { ...none, changed: ['Service/Service/TaskCount/Target'] });
  template(context).hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 3, MaxCapacity: 9 });
});

test('requestsPerTarget is the request-count scaling goal', () => {
  const context = { requestsPerTarget: '3000' };
  assert.deepEqual(changes(context), { ...none, changed: ['Service/Service/TaskCount/Target/Requests'] });
  template(context).hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
    TargetTrackingScalingPolicyConfiguration: { PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget' }, TargetValue: 3000 },
  });
});

test('logRetentionDays is how long the log group keeps the logs', () => {
  const context = { logRetentionDays: '90' };
  assert.deepEqual(changes(context), { ...none, changed: ['Logs'] });
  template(context).hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
});

test('ECS Exec is off by default: no execute-command, no SSM permission', () => {
  const t = template();
  t.hasResourceProperties('AWS::ECS::Service', { EnableExecuteCommand: false });
  taskRoleActions(t, ['secretsmanager:GetSecretValue']);
});

test('ecsExec: execute-command on, the task role gets the SSM messages permissions, and the root filesystems become writable', () => {
  const context = { ecsExec: 'true' };
  assert.deepEqual(changes(context), { ...none, changed: ['Service/Service/Service', 'Task/Definition', 'Task/TaskRole/DefaultPolicy'] });
  const t = template(context);
  t.hasResourceProperties('AWS::ECS::Service', { EnableExecuteCommand: true });
  taskRoleActions(t, [
    'secretsmanager:GetSecretValue',
    ['ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'],
  ]);
  // The ECS Exec agent writes into the container's filesystem (docs/deploy.md: ECS Exec).
  containers(t, { ReadonlyRootFilesystem: false });
});

test('graviton: the task runs on ARM64 and the images are built for linux/arm64', () => {
  const context = { graviton: 'true' };
  assert.deepEqual(changes(context), { ...none, changed: ['Task/Definition'] });
  template(context).hasResourceProperties('AWS::ECS::TaskDefinition', { RuntimePlatform: Match.exact({ CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' }) });
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
