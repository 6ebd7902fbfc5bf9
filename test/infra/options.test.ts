// Context values as a user types them: what is accepted, and a bad one named in one sentence.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONTEXT_KEYS, OptionError, readOptions, type ContextKey } from '../../infra/options.ts';
import { PROJECT_NAME } from '../../services/shared/project.ts';
import { EXAMPLE } from '../helpers/synthesized.ts';

const read = (values: Partial<Record<ContextKey, unknown>>) => readOptions((key) => values[key]);

test('no context gives the documented defaults', () => {
  assert.deepEqual(read({}), {
    stackName: PROJECT_NAME,
    images: undefined,
    existingVpc: undefined,
    taskSubnets: 'private',
    https: undefined,
    existingSecretArn: undefined,
    minCapacity: 2,
    maxCapacity: 6,
    requestsPerTarget: 12_600,
    logRetentionDays: 30,
    ecsExec: false,
    graviton: false,
    githubDeploy: undefined,
  });
});

test('githubRepository turns on the GitHub deploy role, with the stack\'s own OIDC provider unless one is given', () => {
  const provider = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
  assert.deepEqual(read({ githubRepository: 'octo-org/app.web' }).githubDeploy, { repository: 'octo-org/app.web', oidcProviderArn: undefined });
  assert.deepEqual(read({ githubRepository: 'Octo/App_1', githubOidcProviderArn: provider }).githubDeploy, { repository: 'Octo/App_1', oidcProviderArn: provider });
});

test('strings from -c and JSON values from cdk.json mean the same', () => {
  assert.deepEqual(read({ minCapacity: '3', maxCapacity: '4', ecsExec: 'true', graviton: 'false' }), read({ minCapacity: 3, maxCapacity: 4, ecsExec: true, graviton: false }));
});

test('every key the app reads is documented, and no other is read', () => {
  const asked = new Set<string>();
  readOptions((key) => void asked.add(key));
  assert.deepEqual([...asked].sort(), Object.keys(CONTEXT_KEYS).sort());
});

const bad: ReadonlyArray<[string, Partial<Record<ContextKey, unknown>>, RegExp]> = [
  ['an upper-case stack name', { stackName: 'Prod' }, /^stackName must be lowercase letters/],
  ['one image only', { frontendImage: EXAMPLE.frontendImage }, /^give both frontendImage and backendImage/],
  ['a certificate without a domain name', { certificateArn: EXAMPLE.certificateArn }, /^give certificateArn and domainName together/],
  ['a domain name without a certificate', { domainName: EXAMPLE.domainName }, /^give certificateArn and domainName together/],
  ['subnets without a VPC', { publicSubnetIds: EXAMPLE.publicSubnetIds }, /need vpcId/],
  ['a VPC without public subnets', { vpcId: EXAMPLE.vpcId }, /^vpcId needs publicSubnetIds/],
  ['a VPC with private tasks but no private subnets', { vpcId: EXAMPLE.vpcId, publicSubnetIds: EXAMPLE.publicSubnetIds }, /needs privateSubnetIds/],
  ['one subnet', { vpcId: EXAMPLE.vpcId, publicSubnetIds: 'subnet-0123456789abcdef0', taskSubnets: 'public' }, /two or more subnets/],
  ['a malformed subnet', { vpcId: EXAMPLE.vpcId, publicSubnetIds: 'subnet-1,sub-2', taskSubnets: 'public' }, /^publicSubnetIds must be subnet IDs/],
  ['taskSubnets neither private nor public', { taskSubnets: 'isolated' }, /^taskSubnets must be private or public/],
  ['a partial secret ARN (no suffix)', { existingSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/internal-token' }, /^existingSecretArn must be the complete ARN/],
  ['maxCapacity below minCapacity', { minCapacity: '4', maxCapacity: '2' }, /^maxCapacity 2 is below minCapacity 4$/],
  ['a capacity of 0', { minCapacity: '0' }, /^minCapacity must be a whole number of at least 1/],
  ['a retention CloudWatch does not offer', { logRetentionDays: '10' }, /^logRetentionDays must be one of 1, 3, 5/],
  ['a flag that is not true or false', { ecsExec: 'yes' }, /^ecsExec must be true or false/],
  ['an object', { minCapacity: { value: 2 } }, /^minCapacity must be a string, number or boolean/],
  ['a GitHub repository without its owner', { githubRepository: 'app' }, /^githubRepository must be a GitHub repository as owner\/name/],
  ['a GitHub repository as a URL', { githubRepository: 'https://github.com/octo/app' }, /^githubRepository must be a GitHub repository as owner\/name/],
  ['a GitHub owner with a leading hyphen', { githubRepository: '-octo/app' }, /^githubRepository must be/],
  ['a GitHub owner longer than 39 characters', { githubRepository: `${'o'.repeat(40)}/app` }, /^githubRepository must be/],
  ['a GitHub repository named ".."', { githubRepository: 'octo/..' }, /^githubRepository must be/],
  ['an OIDC provider for another issuer', { githubRepository: 'octo/app', githubOidcProviderArn: 'arn:aws:iam::123456789012:oidc-provider/gitlab.com' }, /^githubOidcProviderArn must be the ARN of an IAM OIDC provider for token\.actions\.githubusercontent\.com/],
  ['an OIDC provider without a GitHub repository', { githubOidcProviderArn: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com' }, /^githubOidcProviderArn needs githubRepository/],
];

for (const [what, values, message] of bad) {
  test(`rejected: ${what}`, () => {
    assert.throws(() => read(values), (error: Error) => error instanceof OptionError && message.test(error.message));
  });
}
