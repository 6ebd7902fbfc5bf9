// What the two roles may do, in the synthesized stack.
import { Capture, Match, type Template } from 'aws-cdk-lib/assertions';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EXAMPLE, template } from '../helpers/synthesized.ts';

/** The logical ids of the two roles the task definition names. */
function rolesOf(t: Template): { task: string; execution: string } {
  const [task, execution] = [new Capture(), new Capture()];
  t.hasResourceProperties('AWS::ECS::TaskDefinition', { TaskRoleArn: { 'Fn::GetAtt': [task, 'Arn'] }, ExecutionRoleArn: { 'Fn::GetAtt': [execution, 'Arn'] } });
  return { task: task.asString(), execution: execution.asString() };
}

/** A role may do exactly these statements: the one policy attached to it holds them, the role itself holds none. */
function assertGrants(t: Template, role: string, statements: object[]): void {
  const bare = t.findResources('AWS::IAM::Role', { Properties: { ManagedPolicyArns: Match.absent(), Policies: Match.absent() } });
  assert.ok(role in bare, `${role} has no managed policy and no inline policy`);
  t.resourcePropertiesCountIs('AWS::IAM::Policy', { Roles: Match.arrayWith([{ Ref: role }]) }, 1);
  t.hasResourceProperties('AWS::IAM::Policy', { Roles: [{ Ref: role }], PolicyDocument: { Statement: Match.exact(statements) } });
}

const logGroupArn = (t: Template) => ({ 'Fn::GetAtt': [t.getResourceId('AWS::Logs::LogGroup'), 'Arn'] });
const writesLogs = (t: Template) => ({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: logGroupArn(t) });
// Account-wide: the token has no resource.
const authorizes = { Action: 'ecr:GetAuthorizationToken', Effect: 'Allow', Resource: '*' };
const pulls = (Resource: unknown) => ({ Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], Effect: 'Allow', Resource });

test('the task role may call secretsmanager:GetSecretValue on the stack\'s secret, and nothing else', () => {
  const t = template();
  assertGrants(t, rolesOf(t).task, [
    { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: { Ref: t.getResourceId('AWS::SecretsManager::Secret') } },
  ]);
});

test('only ECS tasks of this account may assume the task role', () => {
  const t = template();
  const sourceArn = new Capture();
  const assumable = t.findResources('AWS::IAM::Role', {
    Properties: {
      AssumeRolePolicyDocument: {
        // One statement, no other.
        Statement: [
          {
            Principal: Match.exact({ Service: 'ecs-tasks.amazonaws.com' }),
            Condition: { StringEquals: Match.exact({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }), ArnLike: { 'aws:SourceArn': sourceArn } },
          },
        ],
      },
    },
  });
  assert.ok(rolesOf(t).task in assumable, 'the task role is assumable by ECS tasks of this account only');
  assert.match(JSON.stringify(sourceArn.asObject()), /:ecs:/);
});

test('the execution role pulls only from the bootstrap repository (built images) and writes only the stack\'s log group', () => {
  const t = template();
  const bootstrapRepository = {
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':repository/', { 'Fn::Sub': 'cdk-hnb659fds-container-assets-${AWS::AccountId}-${AWS::Region}' }]],
  };
  assertGrants(t, rolesOf(t).execution, [pulls(bootstrapRepository), authorizes, writesLogs(t)]);
});

test('with prebuilt images, the execution role pulls only from the repositories their URIs name', () => {
  const t = template({ frontendImage: EXAMPLE.frontendImage, backendImage: EXAMPLE.backendImage });
  assertGrants(t, rolesOf(t).execution, [
    writesLogs(t),
    pulls(['arn:aws:ecr:eu-west-1:123456789012:repository/ci/backend', 'arn:aws:ecr:eu-west-1:123456789012:repository/ci/frontend']),
    authorizes,
  ]);
});

test('with images from a public registry, the execution role pulls from no repository', () => {
  const t = template({ frontendImage: 'public.ecr.aws/example/frontend:1', backendImage: 'docker.io/example/backend:1' });
  assertGrants(t, rolesOf(t).execution, [writesLogs(t)]);
});

test('an existing secret is read by its ARN, and the stack creates none', () => {
  const t = template({ existingSecretArn: EXAMPLE.existingSecretArn });
  t.resourceCountIs('AWS::SecretsManager::Secret', 0);
  assertGrants(t, rolesOf(t).task, [{ Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: EXAMPLE.existingSecretArn }]);
});
