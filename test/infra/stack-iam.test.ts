// What the two roles may do, in the synthesized stack.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EXAMPLE, onlyOf, resourcesOf } from '../helpers/synthesized.ts';

const roleId = (prefix: string, context: Record<string, string> = {}) => {
  const found = resourcesOf('AWS::IAM::Role', context).filter((role) => role.id.startsWith(prefix));
  assert.equal(found.length, 1, prefix);
  return found[0]!.id;
};

/** Every statement of the policies attached to a role, and its managed policies. */
function grantsOf(id: string, context: Record<string, string> = {}) {
  const role = resourcesOf('AWS::IAM::Role', context).find((r) => r.id === id)!;
  assert.equal(role.Properties!.ManagedPolicyArns, undefined, 'no managed policy');
  assert.equal(role.Properties!.Policies, undefined, 'no inline policy on the role itself');
  return resourcesOf('AWS::IAM::Policy', context)
    .filter((policy) => JSON.stringify(policy.Properties!.Roles) === JSON.stringify([{ Ref: id }]))
    .flatMap((policy) => policy.Properties!.PolicyDocument.Statement as Array<{ Effect: string; Action: string | string[]; Resource: unknown }>);
}

const logGroupArn = { 'Fn::GetAtt': [onlyOf('AWS::Logs::LogGroup').id, 'Arn'] };

test('the task role may call secretsmanager:GetSecretValue on the stack\'s secret, and nothing else', () => {
  assert.deepEqual(grantsOf(roleId('TaskTaskRole')), [
    { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: { Ref: onlyOf('AWS::SecretsManager::Secret').id } },
  ]);
});

test('only ECS tasks of this account may assume the task role', () => {
  const role = resourcesOf('AWS::IAM::Role').find((r) => r.id === roleId('TaskTaskRole'))!;
  const [statement, ...others] = role.Properties!.AssumeRolePolicyDocument.Statement;
  assert.deepEqual(others, []);
  assert.deepEqual(statement.Principal, { Service: 'ecs-tasks.amazonaws.com' });
  assert.deepEqual(statement.Condition.StringEquals, { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
  assert.match(JSON.stringify(statement.Condition.ArnLike['aws:SourceArn']), /:ecs:/);
});

test('the execution role pulls only from the bootstrap repository (built images) and writes only the stack\'s log group', () => {
  const bootstrapRepository = {
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':repository/', { 'Fn::Sub': 'cdk-hnb659fds-container-assets-${AWS::AccountId}-${AWS::Region}' }]],
  };
  assert.deepEqual(grantsOf(roleId('TaskDefinitionExecutionRole')), [
    { Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], Effect: 'Allow', Resource: bootstrapRepository },
    // Account-wide: the token has no resource.
    { Action: 'ecr:GetAuthorizationToken', Effect: 'Allow', Resource: '*' },
    { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: logGroupArn },
  ]);
});

test('with prebuilt images, the execution role pulls only from the repositories their URIs name', () => {
  const context = { frontendImage: EXAMPLE.frontendImage, backendImage: EXAMPLE.backendImage };
  const pulls = grantsOf(roleId('TaskDefinitionExecutionRole', context), context).filter((statement) => statement.Action.includes('ecr:BatchGetImage'));
  assert.deepEqual(pulls.flatMap((statement) => [statement.Resource].flat()).sort(), [
    'arn:aws:ecr:eu-west-1:123456789012:repository/ci/backend',
    'arn:aws:ecr:eu-west-1:123456789012:repository/ci/frontend',
  ]);
});

test('with images from a public registry, the execution role pulls from no repository', () => {
  const context = { frontendImage: 'public.ecr.aws/example/frontend:1', backendImage: 'docker.io/example/backend:1' };
  const grants = grantsOf(roleId('TaskDefinitionExecutionRole', context), context);
  assert.deepEqual(grants.flatMap((statement) => statement.Action), ['logs:CreateLogStream', 'logs:PutLogEvents']);
});

test('an existing secret is read by its ARN, and the stack creates none', () => {
  const context = { existingSecretArn: EXAMPLE.existingSecretArn };
  assert.deepEqual(resourcesOf('AWS::SecretsManager::Secret', context), []);
  assert.deepEqual(grantsOf(roleId('TaskTaskRole', context), context), [
    { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: EXAMPLE.existingSecretArn },
  ]);
});
