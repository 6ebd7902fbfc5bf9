// The synthesized stack deployed into moto, an AWS emulator in Docker: the
// template comes from `npx cdk synth` with prebuilt image URIs, as CI runs it,
// and the test reads back through the AWS APIs what CloudFormation built.
// `cdk deploy` itself cannot talk to moto (its request signing fails on the
// two Date headers moto sends), so the test creates and updates the stack with
// CloudFormation's API, as `cdk deploy` does underneath.
//
// What moto 5.1.1 cannot do, and what the test does about it (docs/deploy.md
// lists the same; the unit tests in test/infra/ check those
// parts on the synthesized template):
// - it skips AWS::SecretsManager::Secret, and a Ref to it becomes null: the
//   test creates the secret through moto's Secrets Manager API and puts its
//   ARN in place of the Refs;
// - Custom::VpcRestrictDefaultSG runs a Lambda function moto cannot run: the
//   test leaves it (and its function and role) out;
// - the bootstrap version check reads an SSM parameter that only
//   `cdk bootstrap` creates: the test creates it;
// - it skips the auto scaling resources and AWS::EC2::SecurityGroupEgress, and
//   registers a task definition with only its family, memory and containers;
// - on an update it changes only resources whose own JSON changed, so a new
//   task definition does not move the service, whose `Ref` to it reads the
//   same: the test stamps the service's Metadata with the images, which makes
//   moto update it as CloudFormation would.
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeSecurityGroupsCommand, EC2Client, type IpPermission } from '@aws-sdk/client-ec2';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetRoleCommand, GetRolePolicyCommand, IAMClient, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { taskDefinitionOf } from '../../task-definition/render.ts';
import type { CfnTemplate } from '../../../test/helpers/synth.ts';
import { frontendApp, listeningBackend } from '../../../test/helpers/apps.ts';
import { secretsManager, startMoto, type Moto } from '../../../test/helpers/moto.ts';

const ROOT = new URL('../../../', import.meta.url);
const REGION = 'us-east-1'; // moto's region and account, as in the ARNs it makes
const ACCOUNT = '123456789012';
const STACK = 'e2e-deploy';
// CI pushes to repositories of its own; the execution role may pull from exactly these.
const imageUri = (container: string, tag: string) => `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/ci/${container}:${tag}`;
const repositoryArn = (container: string) => `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/ci/${container}`;

let moto: Moto | undefined;
let secretArn: string;
let work: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'e2e-deploy-'));
  moto = await startMoto();
  const secret = await secretsManager(moto).send(
    new CreateSecretCommand({ Name: `${STACK}/internal-token`, SecretString: JSON.stringify({ token: randomBytes(24).toString('hex') }) }),
  );
  secretArn = secret.ARN!;
  await putBootstrapVersion();
});

after(async () => {
  await moto?.stop();
  await rm(work, { recursive: true, force: true });
});

function clientConfig() {
  return { endpoint: moto!.endpoint, region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
}

/**
 * One call of an AWS JSON API, straight to moto: it does not check
 * signatures, so a plain request does where no SDK client fits.
 */
function motoJson(service: string, target: string, body: object): Promise<Response> {
  return fetch(moto!.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': target,
      authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/${REGION}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
}

/** What `cdk bootstrap` leaves in SSM (no SSM client needed for one call). */
async function putBootstrapVersion(): Promise<void> {
  const res = await motoJson('ssm', 'AmazonSSM.PutParameter', { Name: '/cdk-bootstrap/hnb659fds/version', Value: '30', Type: 'String' });
  assert.equal(res.status, 200, await res.text());
}

/** `npx cdk synth` as CI runs it, into a directory of its own; returns the template. */
async function synth(tag: string): Promise<CfnTemplate> {
  const out = join(work, tag);
  const args = ['synth', '-q', '-o', out, '-c', `stackName=${STACK}`, '-c', `frontendImage=${imageUri('frontend', tag)}`, '-c', `backendImage=${imageUri('backend', tag)}`];
  // The CLI runs the app with the `node` on PATH: this one. CDK_HOME keeps its cache out of the user's home.
  const env = { PATH: `${dirname(process.execPath)}:${process.env.PATH}`, CDK_HOME: join(work, 'cdk-home') };
  const run = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['node_modules/aws-cdk/bin/cdk', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
  assert.equal(run.code, 0, `cdk synth failed:\n${run.output}`);
  return JSON.parse(await readFile(join(out, `${STACK}.template.json`), 'utf8')) as CfnTemplate;
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }>;

/** The template with moto's gaps worked around (see the top of this file); the original is left as it is. */
function forMoto(template: CfnTemplate, tag: string): string {
  const resources = structuredClone(template.Resources) as Resources;
  const ofType = (type: string) => Object.keys(resources).filter((id) => resources[id]!.Type === type);
  const [secretId] = ofType('AWS::SecretsManager::Secret');
  assert.ok(secretId, 'the stack has a generated secret');
  for (const id of [secretId, ...ofType('Custom::VpcRestrictDefaultSG')]) delete resources[id];
  for (const id of Object.keys(resources).filter((id) => id.startsWith('CustomVpcRestrictDefaultSGCustomResourceProvider'))) delete resources[id];
  const service = resources[ofType('AWS::ECS::Service')[0]!]!;
  service.Metadata = { ...service.Metadata, 'e2e:images': tag };
  const body = JSON.stringify({ ...template, Resources: resources });
  assert.doesNotMatch(body, /VpcRestrictDefaultSG/, 'nothing refers to the custom resource left out');
  return body.replaceAll(JSON.stringify({ Ref: secretId }), JSON.stringify(secretArn));
}

async function waitForStack(status: string): Promise<void> {
  const cf = new CloudFormationClient(clientConfig());
  for (let attempt = 0; attempt < 120; attempt++) {
    const { Stacks = [] } = await cf.send(new DescribeStacksCommand({ StackName: STACK }));
    const current = Stacks[0]?.StackStatus;
    if (current === status) return;
    assert.ok(current?.endsWith('_IN_PROGRESS'), `the stack is ${current} (${Stacks[0]?.StackStatusReason}), not ${status}`);
    await sleep(500);
  }
  assert.fail(`the stack did not reach ${status} within a minute`);
}

/** The physical id of each of the stack's resources, by type (one each, or the test fails). */
async function resources(): Promise<(type: string) => string> {
  const { StackResources = [] } = await new CloudFormationClient(clientConfig()).send(new DescribeStackResourcesCommand({ StackName: STACK }));
  return (type) => {
    const found = StackResources.filter((resource) => resource.ResourceType === type);
    assert.equal(found.length, 1, `the stack has ${found.length} resources of type ${type}`);
    return found[0]!.PhysicalResourceId!;
  };
}

async function service() {
  const ecs = new ECSClient(clientConfig());
  const { services = [] } = await ecs.send(new DescribeServicesCommand({ cluster: STACK, services: [(await resources())('AWS::ECS::Service')] }));
  assert.equal(services.length, 1);
  return services[0]!;
}

/** Placeholders filled with what the stack created in moto. */
async function filled(template: CfnTemplate, tag: string): Promise<ReturnType<typeof taskDefinitionOf>> {
  const iam = new IAMClient(clientConfig());
  const roleArn = async (logicalIdPrefix: string) => {
    const { StackResources = [] } = await new CloudFormationClient(clientConfig()).send(new DescribeStackResourcesCommand({ StackName: STACK }));
    const role = StackResources.find((resource) => resource.ResourceType === 'AWS::IAM::Role' && resource.LogicalResourceId!.startsWith(logicalIdPrefix));
    return (await iam.send(new GetRoleCommand({ RoleName: role!.PhysicalResourceId! }))).Role!.Arn!;
  };
  const values: Record<string, string> = {
    FRONTEND_IMAGE: imageUri('frontend', tag),
    BACKEND_IMAGE: imageUri('backend', tag),
    EXECUTION_ROLE_ARN: await roleArn('TaskDefinitionExecutionRole'),
    TASK_ROLE_ARN: await roleArn('TaskTaskRole'),
    LOG_GROUP: `/ecs/${STACK}`,
    REGION,
    SECRET_ARN: secretArn,
  };
  const text = JSON.stringify(taskDefinitionOf(template)).replace(/\{\{([A-Z_]+)\}\}/g, (_, name: string) => values[name] ?? assert.fail(`no value for {{${name}}}`));
  return JSON.parse(text) as ReturnType<typeof taskDefinitionOf>;
}

/** `actual` reduced to the keys `expected` has, recursively: what was sent must come back unchanged. */
function pick(actual: unknown, expected: unknown): unknown {
  if (Array.isArray(expected) && Array.isArray(actual)) return actual.map((item, i) => pick(item, expected[i]));
  if (expected !== null && typeof expected === 'object' && actual !== null && typeof actual === 'object') {
    return Object.fromEntries(Object.keys(expected).map((key) => [key, pick((actual as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key])]));
  }
  return actual;
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

/** What a role may do: action and resource pairs, sorted, from its inline policies; no managed policy. */
async function permissions(roleName: string): Promise<string[]> {
  const iam = new IAMClient(clientConfig());
  const { AttachedPolicies = [] } = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }));
  assert.deepEqual(AttachedPolicies, [], `${roleName} has managed policies`);
  const { PolicyNames = [] } = await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }));
  const pairs: string[] = [];
  for (const name of PolicyNames) {
    const { PolicyDocument } = await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: name }));
    for (const statement of statementsOf(PolicyDocument!)) {
      assert.equal(statement.Effect, 'Allow');
      for (const action of [statement.Action].flat()) for (const resource of [statement.Resource].flat()) pairs.push(`${action} ${resource}`);
    }
  }
  return pairs.sort();
}

let first: CfnTemplate;
let firstRevision: string;

test('the template synthesized with prebuilt images creates the stack', async () => {
  first = await synth('first');
  await new CloudFormationClient(clientConfig()).send(
    new CreateStackCommand({ StackName: STACK, TemplateBody: forMoto(first, 'first'), Capabilities: ['CAPABILITY_IAM'] }),
  );
  await waitForStack('CREATE_COMPLETE');
  firstRevision = (await service()).taskDefinition!;
  assert.match(firstRevision, new RegExp(`:task-definition/${STACK}:\\d+$`));
});

test('the service runs the registered task definition, which is the synthesized one', async () => {
  const running = await service();
  assert.equal(running.clusterArn, `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${STACK}`);
  const { taskDefinition } = await new ECSClient(clientConfig()).send(new DescribeTaskDefinitionCommand({ taskDefinition: firstRevision }));
  // moto keeps only these of what CloudFormation gives it; the rest is checked on the template in test/infra/.
  const { family, memory, containerDefinitions } = await filled(first, 'first');
  const expected = { family, memory, containerDefinitions };
  assert.deepEqual(pick(taskDefinition, expected), expected);
});

test('the target group is of type ip and checks /health/ready on port 3000', async () => {
  const { TargetGroups = [] } = await new ElasticLoadBalancingV2Client(clientConfig()).send(
    new DescribeTargetGroupsCommand({ TargetGroupArns: [(await resources())('AWS::ElasticLoadBalancingV2::TargetGroup')] }),
  );
  const [group] = TargetGroups;
  assert.deepEqual(
    { type: group?.TargetType, protocol: group?.Protocol, port: group?.Port, path: group?.HealthCheckPath, codes: group?.Matcher?.HttpCode },
    { type: 'ip', protocol: 'HTTP', port: 3000, path: '/health/ready', codes: '200' },
  );
});

test('the tasks admit port 3000 from the load balancer only', async () => {
  const { StackResources = [] } = await new CloudFormationClient(clientConfig()).send(new DescribeStackResourcesCommand({ StackName: STACK }));
  const group = (prefix: string) => StackResources.find((r) => r.ResourceType === 'AWS::EC2::SecurityGroup' && r.LogicalResourceId!.startsWith(prefix))!.PhysicalResourceId!;
  const [taskGroup, loadBalancerGroup] = [group('ServiceSecurityGroup'), group('LoadBalancerSecurityGroup')];
  const { SecurityGroups = [] } = await new EC2Client(clientConfig()).send(new DescribeSecurityGroupsCommand({ GroupIds: [taskGroup] }));
  const rules = (permissions: IpPermission[] = []) =>
    permissions.map((p) => ({ protocol: p.IpProtocol, ports: [p.FromPort, p.ToPort], groups: (p.UserIdGroupPairs ?? []).map((pair) => pair.GroupId), cidrs: (p.IpRanges ?? []).map((r) => r.CidrIp) }));
  assert.deepEqual(rules(SecurityGroups[0]?.IpPermissions), [{ protocol: 'tcp', ports: [3000, 3000], groups: [loadBalancerGroup], cidrs: [] }]);
});

test('the task role may read the secret, and nothing else', async () => {
  const { StackResources = [] } = await new CloudFormationClient(clientConfig()).send(new DescribeStackResourcesCommand({ StackName: STACK }));
  const role = StackResources.find((r) => r.ResourceType === 'AWS::IAM::Role' && r.LogicalResourceId!.startsWith('TaskTaskRole'))!;
  assert.deepEqual(await permissions(role.PhysicalResourceId!), [`secretsmanager:GetSecretValue ${secretArn}`]);
});

test('the execution role may pull from the images\' repositories and write the log group, and nothing else', async () => {
  const { StackResources = [] } = await new CloudFormationClient(clientConfig()).send(new DescribeStackResourcesCommand({ StackName: STACK }));
  const role = StackResources.find((r) => r.ResourceType === 'AWS::IAM::Role' && r.LogicalResourceId!.startsWith('TaskDefinitionExecutionRole'))!;
  const pull = ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];
  // AWS writes the log group's Arn attribute with a trailing ":*" (its streams); moto without.
  const logGroupArn = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/ecs/${STACK}`;
  const granted = (await permissions(role.PhysicalResourceId!)).map((pair) => pair.replace(/(log-group:[^ ]*?)(:\*)?$/, '$1'));
  assert.deepEqual(
    granted,
    [
      ...pull.flatMap((action) => [`${action} ${repositoryArn('backend')}`, `${action} ${repositoryArn('frontend')}`]),
      'ecr:GetAuthorizationToken *',
      `logs:CreateLogStream ${logGroupArn}`,
      `logs:PutLogEvents ${logGroupArn}`,
    ].sort(),
  );
});

test('the log group /ecs/STACK keeps 30 days', async () => {
  const { logGroups = [] } = await new CloudWatchLogsClient(clientConfig()).send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/ecs/${STACK}` }));
  assert.deepEqual(logGroups.map((group) => [group.logGroupName, group.retentionInDays]), [[`/ecs/${STACK}`, 30]]);
});

test('a second deploy with new image URIs registers the next revision and moves the service to it', async () => {
  const second = await synth('second');
  await new CloudFormationClient(clientConfig()).send(
    new UpdateStackCommand({ StackName: STACK, TemplateBody: forMoto(second, 'second'), Capabilities: ['CAPABILITY_IAM'] }),
  );
  await waitForStack('UPDATE_COMPLETE');
  const secondRevision = (await service()).taskDefinition!;
  assert.equal(secondRevision.replace(/\d+$/, ''), firstRevision.replace(/\d+$/, ''));
  assert.equal(Number(secondRevision.split(':').pop()), Number(firstRevision.split(':').pop()) + 1);
  const images = await containerImages(secondRevision);
  assert.deepEqual(images, [imageUri('backend', 'second'), imageUri('frontend', 'second')]);
});

/**
 * The images of a revision, read from moto's raw answer: on an update moto
 * 5.1.1 stores the containers with CloudFormation's key names (`Image`, not
 * `image`), which the SDK's parser drops.
 */
async function containerImages(revision: string): Promise<string[]> {
  const res = await motoJson('ecs', 'AmazonEC2ContainerServiceV20141113.DescribeTaskDefinition', { taskDefinition: revision });
  const { taskDefinition } = (await res.json()) as { taskDefinition: { containerDefinitions: Record<string, string>[] } };
  return taskDefinition.containerDefinitions.map((container) => container.image ?? container.Image ?? '');
}

test('npm run smoke passes against a running task and names what fails elsewhere', async (t) => {
  const backend = await listeningBackend(t);
  const frontend = await frontendApp(t, { BACKEND_URL: backend.url });
  const url = await frontend.app.listen({ host: '127.0.0.1', port: 0 });
  const smoke = (...args: string[]) =>
    new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['tools/smoke/smoke.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout }));
    });
  const passing = await smoke(url, '--wait', '10');
  assert.equal(passing.code, 0, passing.stdout);
  assert.equal(passing.stdout.split('\n').filter((line) => line.startsWith('ok ')).length, 4, passing.stdout);

  // moto answers HTTP, but it is not the task: readiness never comes.
  const failing = await smoke(moto!.endpoint, '--wait', '1');
  assert.equal(failing.code, 1);
  assert.match(failing.stdout, /^FAIL  .*\/health\/ready did not answer 200 within 1 s/);
});
