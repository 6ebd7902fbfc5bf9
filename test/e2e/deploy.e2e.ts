// `npm run deploy` end to end against moto, an AWS emulator in Docker: the
// deploy runs as a user runs it (its own process, the standard AWS
// environment, AWS_ENDPOINT_URL pointing at moto), then the test reads back
// what it built through the AWS APIs.
//
// What moto 5.1.1 does not do, and how this test deals with it (the README's
// deploy section lists the same):
// - its CloudFormation skips AWS::SecretsManager::Secret, so the deploy runs
//   with --existing-secret-arn and a secret created through moto's Secrets
//   Manager API; the generated secret is checked in the template only;
// - it skips the auto scaling resources, and ignores the service's launch
//   type, network configuration, load balancer, deployment configuration and
//   grace period, the target group's and load balancer's attributes, the
//   security groups' egress rules and the repositories' scan setting: those are
//   checked in the template the stack was deployed from (GetTemplate);
// - its ECR has no registry to push to, so the images are given with
//   --image-frontend/--image-backend and step 2 is skipped;
// - its service tasks never run: MOTO_ECS_SERVICE_RUNNING=2 makes it report
//   two running tasks, which is what the deploy's stability wait reads.
import {
  CloudFormationClient,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeRouteTablesCommand, DescribeSecurityGroupsCommand, DescribeSubnetsCommand, EC2Client, type IpPermission } from '@aws-sdk/client-ec2';
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetRoleCommand, GetRolePolicyCommand, IAMClient, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { outputsOf, parametersOf } from '../../infra/deploy/stack.ts';
import { fillPlaceholders } from '../../infra/placeholders.ts';
import { frontendApp, listeningBackend } from '../helpers/apps.ts';
import { secretsManager, startMoto, type Moto } from './moto.ts';

const ROOT = new URL('../../', import.meta.url);
const REGION = 'us-east-1'; // moto's region and account, as in the ARNs it makes
const ACCOUNT = '123456789012';
const STACK = 'e2e-deploy';
const imageUri = (container: string, tag: string) => `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${STACK}/${container}:${tag}`;

let moto: Moto | undefined;
let secretArn: string;

before(async () => {
  moto = await startMoto(['-e', 'MOTO_ECS_SERVICE_RUNNING=2']);
  const secret = await secretsManager(moto).send(
    new CreateSecretCommand({ Name: `${STACK}/internal-token`, SecretString: JSON.stringify({ token: randomBytes(24).toString('hex') }) }),
  );
  secretArn = secret.ARN!;
});

after(async () => {
  await moto?.stop();
});

function clientConfig() {
  return { endpoint: moto!.endpoint, region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `node SCRIPT ...args` from the repository root, with `env` and PATH as its whole environment. */
function run(script: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The deploy as a user runs it, with the standard AWS environment pointing at moto. */
function deploy(...args: string[]): Promise<Run> {
  return run('infra/deploy.ts', args, moto!.env);
}

/** The flags of every deploy here: moto cannot build the secret or take a push (see the top). */
function deployFlags(tag: string, stackName = STACK): string[] {
  return ['--stack', stackName, '--image-frontend', imageUri('frontend', tag), '--image-backend', imageUri('backend', tag), '--existing-secret-arn', secretArn];
}

/** The stack as the test reads it: each accessor fails the test when the stack lacks what it names. */
async function stack() {
  const cf = new CloudFormationClient(clientConfig());
  const [{ Stacks }, { StackResources = [] }] = await Promise.all([
    cf.send(new DescribeStacksCommand({ StackName: STACK })),
    cf.send(new DescribeStackResourcesCommand({ StackName: STACK })),
  ]);
  const description = Stacks![0]!;
  const resources = Object.fromEntries(StackResources.map((r) => [r.LogicalResourceId, r.PhysicalResourceId]));
  const lookup = (what: string, values: Readonly<Record<string, string | undefined>>) => (key: string) => {
    const value = values[key];
    assert.ok(value, `the stack has no ${what} ${key}`);
    return value;
  };
  return {
    status: description.StackStatus,
    output: lookup('output', outputsOf(description)),
    parameter: lookup('parameter', parametersOf(description)),
    /** The physical id of a resource, by its logical id in infra/stack.yaml. */
    resource: lookup('resource', resources),
  };
}

/** A security group's rules, reduced to what they admit. */
function rules(permissions: IpPermission[] | undefined) {
  return (permissions ?? []).map((p) => ({
    protocol: p.IpProtocol,
    ports: [p.FromPort, p.ToPort],
    groups: (p.UserIdGroupPairs ?? []).map((pair) => pair.GroupId),
    cidrs: (p.IpRanges ?? []).map((range) => range.CidrIp),
  }));
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
}

/**
 * An inline role policy's statements. IAM returns the document URL-encoded;
 * moto 5.1.1 returns the ones CloudFormation created as a URL-encoded form of
 * a Python dict (`Version=...&Statement=[{'Effect': ...}]`), read here too.
 */
function statementsOf(document: string): Statement[] {
  if (document.trimStart().startsWith('{') || document.startsWith('%7B')) {
    const parsed = JSON.parse(decodeURIComponent(document)) as { Statement: Statement | Statement[] };
    return [parsed.Statement].flat();
  }
  const statement = new URLSearchParams(document).get('Statement');
  assert.ok(statement, `cannot read the policy document ${document}`);
  return [JSON.parse(statement.replaceAll("'", '"')) as Statement | Statement[]].flat();
}

async function rolePolicies(roleName: string) {
  const iam = new IAMClient(clientConfig());
  const { PolicyNames = [] } = await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }));
  const { AttachedPolicies = [] } = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }));
  const statements = await Promise.all(
    PolicyNames.map(async (name) => statementsOf((await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: name }))).PolicyDocument!)),
  );
  return { attached: AttachedPolicies.map((p) => p.PolicyArn), statements: statements.flat() };
}

/** `actual` reduced to the keys `expected` has, recursively: what was sent must come back unchanged. */
function pick(actual: unknown, expected: unknown): unknown {
  if (Array.isArray(expected) && Array.isArray(actual)) return actual.map((item, i) => pick(item, expected[i]));
  if (expected !== null && typeof expected === 'object' && actual !== null && typeof actual === 'object') {
    return Object.fromEntries(Object.keys(expected).map((key) => [key, pick((actual as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key])]));
  }
  return actual;
}

let firstRevision: string;

test('the first deploy creates the stack, registers the task definition and rolls the service to it', async () => {
  const run = await deploy(...deployFlags('first'));
  assert.equal(run.code, 0, `deploy failed:\n${run.stdout}\n${run.stderr}`);
  for (const step of ['[1/5] Stack', '[2/5] Images', '[3/5] Task definition', '[4/5] Service', '[5/5] The service']) {
    assert.ok(run.stdout.includes(step), `the output does not announce "${step}":\n${run.stdout}`);
  }
  assert.match(run.stdout, /creating the stack e2e-deploy/);
  assert.match(run.stdout, /skipped: deploying the images given/);
  const current = await stack();
  assert.equal(current.status, 'UPDATE_COMPLETE');
  firstRevision = current.parameter('TaskDefinitionArn');
  assert.match(firstRevision, /:task-definition\/fargate-task-reference:\d+$/);
  assert.ok(run.stdout.includes(`registered ${firstRevision}`));
  assert.ok(run.stdout.includes(`curl "${current.output('ServiceUrl')}/api/hello?name=you"`));
});

test('the network spans two zones: the load balancer in the public subnets, a NAT route for the private ones', async () => {
  const current = await stack();
  const ec2 = new EC2Client(clientConfig());
  const subnetIds = ['PublicSubnetA', 'PublicSubnetB', 'PrivateSubnetA', 'PrivateSubnetB'].map(current.resource);
  const { Subnets = [] } = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: subnetIds }));
  const zoneOf = (id: string) => Subnets.find((subnet) => subnet.SubnetId === id)?.AvailabilityZone;
  assert.notEqual(zoneOf(subnetIds[0]!), zoneOf(subnetIds[1]!));
  assert.equal(zoneOf(subnetIds[0]!), zoneOf(subnetIds[2]!));
  assert.equal(zoneOf(subnetIds[1]!), zoneOf(subnetIds[3]!));
  const { RouteTables = [] } = await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [current.resource('PublicRouteTable'), current.resource('PrivateRouteTable')] }));
  const defaultRoutes = RouteTables.map((table): [string | undefined, string | undefined] => {
    const route = table.Routes?.find((r) => r.DestinationCidrBlock === '0.0.0.0/0');
    return [table.RouteTableId, route?.GatewayId ?? route?.NatGatewayId];
  });
  assert.deepEqual(
    new Map(defaultRoutes),
    new Map([
      [current.resource('PublicRouteTable'), current.resource('InternetGateway')],
      [current.resource('PrivateRouteTable'), current.resource('NatGateway')],
    ]),
  );

  const elb = new ElasticLoadBalancingV2Client(clientConfig());
  const { LoadBalancers = [] } = await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [current.resource('LoadBalancer')] }));
  const [loadBalancer] = LoadBalancers;
  assert.equal(loadBalancer?.Scheme, 'internet-facing');
  assert.deepEqual(loadBalancer.AvailabilityZones?.map((zone) => zone.SubnetId).sort(), subnetIds.slice(0, 2).sort());
  assert.deepEqual(loadBalancer.SecurityGroups, [current.resource('LoadBalancerSecurityGroup')]);
  assert.equal(current.output('ServiceUrl'), `http://${loadBalancer.DNSName}`);
});

test('the load balancer takes 80 and 443 from anywhere; the tasks take only port 3000, only from the load balancer', async () => {
  const current = await stack();
  const loadBalancerGroup = current.resource('LoadBalancerSecurityGroup');
  const taskGroup = current.resource('TaskSecurityGroup');
  const { SecurityGroups = [] } = await new EC2Client(clientConfig()).send(new DescribeSecurityGroupsCommand({ GroupIds: [loadBalancerGroup, taskGroup] }));
  const ingressOf = (id: string) => rules(SecurityGroups.find((group) => group.GroupId === id)?.IpPermissions);
  assert.deepEqual(
    ingressOf(loadBalancerGroup).sort((a, b) => a.ports[0]! - b.ports[0]!),
    [
      { protocol: 'tcp', ports: [80, 80], groups: [], cidrs: ['0.0.0.0/0'] },
      { protocol: 'tcp', ports: [443, 443], groups: [], cidrs: ['0.0.0.0/0'] },
    ],
  );
  assert.deepEqual(ingressOf(taskGroup), [{ protocol: 'tcp', ports: [3000, 3000], groups: [loadBalancerGroup], cidrs: [] }]);
});

test('the HTTP listener forwards to an ip target group that checks /health/ready on port 3000', async () => {
  const current = await stack();
  const elb = new ElasticLoadBalancingV2Client(clientConfig());
  const targetGroupArn = current.resource('TargetGroup');
  const { TargetGroups = [] } = await elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [targetGroupArn] }));
  const [group] = TargetGroups;
  assert.deepEqual(
    { type: group?.TargetType, protocol: group?.Protocol, port: group?.Port, path: group?.HealthCheckPath, codes: group?.Matcher?.HttpCode },
    { type: 'ip', protocol: 'HTTP', port: 3000, path: '/health/ready', codes: '200' },
  );
  const { Listeners = [] } = await elb.send(new DescribeListenersCommand({ LoadBalancerArn: current.resource('LoadBalancer') }));
  assert.deepEqual(
    Listeners.map((listener) => ({ port: listener.Port, protocol: listener.Protocol, actions: listener.DefaultActions?.map((a) => [a.Type, a.TargetGroupArn]) })),
    [{ port: 80, protocol: 'HTTP', actions: [['forward', targetGroupArn]] }],
  );
});

test('the task role may only read the secret; the execution role only pulls the two images and writes the log group', async () => {
  const current = await stack();
  const iam = new IAMClient(clientConfig());
  const taskRole = await rolePolicies(current.resource('TaskRole'));
  assert.deepEqual(taskRole, { attached: [], statements: [{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secretArn }] });
  const { Role } = await iam.send(new GetRoleCommand({ RoleName: current.resource('TaskRole') }));
  assert.equal(Role?.Arn, current.output('TaskRoleArn'));
  assert.match(decodeURIComponent(Role.AssumeRolePolicyDocument!), /"aws:SourceAccount": ?"123456789012"/);

  const executionRole = await rolePolicies(current.resource('ExecutionRole'));
  const repositoryArn = (container: string) => `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${STACK}/${container}`;
  const [token, pull, logs, ...others] = executionRole.statements;
  assert.deepEqual(executionRole.attached, []);
  assert.deepEqual(others, []);
  assert.deepEqual(token, { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' });
  assert.deepEqual(pull, {
    Effect: 'Allow',
    Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
    Resource: [repositoryArn('frontend'), repositoryArn('backend')],
  });
  assert.deepEqual(logs?.Action, ['logs:CreateLogStream', 'logs:PutLogEvents']);
  // AWS writes the log group's Arn attribute with a trailing ":*" (its streams); moto without.
  assert.match(String(logs.Resource), new RegExp(`^arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/ecs/${STACK}(:\\*)?$`));
});

test('the log group keeps 30 days; the two repositories have immutable tags', async () => {
  const current = await stack();
  const { logGroups = [] } = await new CloudWatchLogsClient(clientConfig()).send(new DescribeLogGroupsCommand({ logGroupNamePrefix: current.output('LogGroupName') }));
  assert.deepEqual(logGroups.map((group) => [group.logGroupName, group.retentionInDays]), [[`/ecs/${STACK}`, 30]]);
  const { repositories = [] } = await new ECRClient(clientConfig()).send(new DescribeRepositoriesCommand({ repositoryNames: [`${STACK}/frontend`, `${STACK}/backend`] }));
  assert.deepEqual(
    new Map(repositories.map((repository) => [repository.repositoryUri, repository.imageTagMutability])),
    new Map([
      [current.output('FrontendRepositoryUri'), 'IMMUTABLE'],
      [current.output('BackendRepositoryUri'), 'IMMUTABLE'],
    ]),
  );
});

test("the service runs the new revision, which is infra/task-definition.json with this stack's values filled in", async () => {
  const current = await stack();
  const ecs = new ECSClient(clientConfig());
  const { services = [] } = await ecs.send(new DescribeServicesCommand({ cluster: current.output('ClusterName'), services: [current.output('ServiceName')] }));
  const [service] = services;
  assert.equal(service?.taskDefinition, firstRevision);
  assert.equal(service.desiredCount, 2);
  assert.equal(service.clusterArn, `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${STACK}`);

  // The expected values come from the stack's resources and this test, not from the deploy's outputs.
  const iam = new IAMClient(clientConfig());
  const roleArn = async (logicalId: string) => (await iam.send(new GetRoleCommand({ RoleName: current.resource(logicalId) }))).Role!.Arn!;
  const expected = fillPlaceholders(JSON.parse(readFileSync(new URL('infra/task-definition.json', ROOT), 'utf8')) as unknown, {
    FRONTEND_IMAGE: imageUri('frontend', 'first'),
    BACKEND_IMAGE: imageUri('backend', 'first'),
    EXECUTION_ROLE_ARN: await roleArn('ExecutionRole'),
    TASK_ROLE_ARN: await roleArn('TaskRole'),
    LOG_GROUP: current.resource('LogGroup'),
    REGION,
    SECRET_ARN: secretArn,
  });
  const { taskDefinition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: firstRevision }));
  assert.deepEqual(pick(taskDefinition, expected), expected);
});

test('what moto ignores is in the template the stack was deployed from', async () => {
  const { TemplateBody } = await new CloudFormationClient(clientConfig()).send(new GetTemplateCommand({ StackName: STACK }));
  const resources = (parse(TemplateBody!) as { Resources: Record<string, { Properties: Record<string, unknown> }> }).Resources;
  const properties = (logicalId: string) => resources[logicalId]!.Properties;
  const service = properties('Service');
  assert.equal(service.LaunchType, 'FARGATE');
  assert.deepEqual(service.DeploymentConfiguration, {
    MinimumHealthyPercent: 100,
    MaximumPercent: 200,
    DeploymentCircuitBreaker: { Enable: true, Rollback: true },
  });
  assert.ok((service.HealthCheckGracePeriodSeconds as number) > 0);
  assert.deepEqual(service.LoadBalancers, [{ ContainerName: 'frontend', ContainerPort: 3000, TargetGroupArn: { Ref: 'TargetGroup' } }]);
  assert.deepEqual((service.NetworkConfiguration as { AwsvpcConfiguration: unknown }).AwsvpcConfiguration, {
    Subnets: {
      'Fn::If': [
        'TasksInPublicSubnets',
        { 'Fn::If': ['CreateVpc', [{ Ref: 'PublicSubnetA' }, { Ref: 'PublicSubnetB' }], { 'Fn::Split': [',', { Ref: 'PublicSubnetIds' }] }] },
        { 'Fn::If': ['CreateVpc', [{ Ref: 'PrivateSubnetA' }, { Ref: 'PrivateSubnetB' }], { 'Fn::Split': [',', { Ref: 'PrivateSubnetIds' }] }] },
      ],
    },
    SecurityGroups: [{ Ref: 'TaskSecurityGroup' }],
    AssignPublicIp: { 'Fn::If': ['TasksInPublicSubnets', 'ENABLED', 'DISABLED'] },
  });

  // Draining must end before ECS stops the containers.
  const attributes = properties('TargetGroup').TargetGroupAttributes as { Key: string; Value: string }[];
  const delay = Number(attributes.find((attribute) => attribute.Key === 'deregistration_delay.timeout_seconds')?.Value);
  const task = JSON.parse(readFileSync(new URL('infra/task-definition.json', ROOT), 'utf8')) as { containerDefinitions: { stopTimeout?: number }[] };
  for (const container of task.containerDefinitions) assert.ok(delay < (container.stopTimeout ?? 30), `deregistration delay ${delay} s >= stopTimeout`);

  const metrics = ['CpuScaling', 'RequestScaling'].map(
    (id) => (properties(id).TargetTrackingScalingPolicyConfiguration as { PredefinedMetricSpecification: { PredefinedMetricType: string } }).PredefinedMetricSpecification.PredefinedMetricType,
  );
  assert.deepEqual(metrics, ['ECSServiceAverageCPUUtilization', 'ALBRequestCountPerTarget']);
  assert.deepEqual(properties('InternalTokenSecret').GenerateSecretString, {
    SecretStringTemplate: '{}',
    GenerateStringKey: 'token',
    PasswordLength: 48,
    ExcludePunctuation: true,
  });
  assert.deepEqual(properties('TaskSecurityGroup').SecurityGroupEgress, [
    { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0', Description: 'AWS APIs: ECR, CloudWatch Logs, Secrets Manager' },
  ]);
});

test('a second deploy keeps the stack, registers the next revision and rolls the service to it', async () => {
  const run = await deploy(...deployFlags('second'));
  assert.equal(run.code, 0, `deploy failed:\n${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /the stack e2e-deploy is up to date/);
  const current = await stack();
  const secondRevision = current.parameter('TaskDefinitionArn');
  assert.equal(Number(secondRevision.split(':').pop()), Number(firstRevision.split(':').pop()) + 1);

  const ecs = new ECSClient(clientConfig());
  const { services = [] } = await ecs.send(new DescribeServicesCommand({ cluster: current.output('ClusterName'), services: [current.output('ServiceName')] }));
  assert.equal(services[0]?.taskDefinition, secondRevision);
  const { taskDefinition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: secondRevision }));
  assert.deepEqual(
    taskDefinition?.containerDefinitions?.map((container) => container.image),
    [imageUri('backend', 'second'), imageUri('frontend', 'second')],
  );
});

test('a deploy keeps the task count auto scaling has set', async () => {
  const current = await stack();
  const target = { cluster: current.output('ClusterName'), service: current.output('ServiceName') };
  const ecs = new ECSClient(clientConfig());
  // What Application Auto Scaling does when it scales out (moto cannot run it).
  await ecs.send(new UpdateServiceCommand({ ...target, desiredCount: 3 }));
  const run = await deploy(...deployFlags('scaled'));
  assert.equal(run.code, 0, `deploy failed:\n${run.stdout}\n${run.stderr}`);
  const { services = [] } = await ecs.send(new DescribeServicesCommand({ cluster: target.cluster, services: [target.service] }));
  assert.equal(services[0]?.desiredCount, 3);
  assert.equal((await stack()).parameter('DesiredCount'), '3');
});

test('with --no-wait the deploy registers the next revision, starts the roll and returns', async () => {
  const before = (await stack()).parameter('TaskDefinitionArn');
  const run = await deploy(...deployFlags('third'), '--no-wait');
  assert.equal(run.code, 0, `deploy failed:\n${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /not waiting \(--no-wait\)/);
  assert.doesNotMatch(run.stdout, /tasks running/);
  // moto applies a stack update at once; AWS would still be rolling.
  const after = (await stack()).parameter('TaskDefinitionArn');
  assert.notEqual(after, before);
  assert.ok(run.stdout.includes(`registered ${after}`));
});

test('a failure names the step and the AWS error, and exits 1 without a stack trace', async () => {
  const subnets = ['--public-subnet-ids', 'subnet-0a,subnet-0b', '--private-subnet-ids', 'subnet-0c,subnet-0d'];
  const run = await deploy(...deployFlags('x', 'e2e-missing-vpc'), '--vpc-id', 'vpc-0a1b2c3d', ...subnets);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^deploy failed at \[1\/5\] Stack e2e-missing-vpc: create or update it, and wait: InvalidSubnetID\.NotFound: .*subnet-0a/);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
});

test('a bad flag gets one usage line and exit code 2, before any AWS call', async () => {
  const run = await deploy('--image-frontend', imageUri('frontend', 'x'));
  assert.equal(run.code, 2);
  assert.match(run.stderr, /^deploy: give both --image-frontend and --image-backend/);
  assert.equal(run.stdout, '');
});

test('npm run smoke passes against a running task and names what fails elsewhere', async (t) => {
  const backend = await listeningBackend(t);
  const frontend = await frontendApp(t, { BACKEND_URL: backend.url });
  const url = await frontend.app.listen({ host: '127.0.0.1', port: 0 });
  const passing = await run('infra/smoke.ts', [url, '--wait', '10']);
  assert.equal(passing.code, 0, passing.stdout + passing.stderr);
  assert.equal(passing.stdout.split('\n').filter((line) => line.startsWith('ok ')).length, 4, passing.stdout);

  // moto answers HTTP, but it is not the task: readiness never comes.
  const failing = await run('infra/smoke.ts', [moto!.endpoint, '--wait', '1']);
  assert.equal(failing.code, 1);
  assert.match(failing.stdout, /^FAIL  .*\/health\/ready did not answer 200 within 1 s/);
});
