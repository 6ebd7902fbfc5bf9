// -c githubRepository=owner/name: the role GitHub Actions deploys with and the
// repositories it pushes to. Off by default; on, only that repository's main
// branch may assume the role, and the role may do what the workflow needs
// (.github/workflows/ci.yml) and nothing else.
import { Validations } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createApp } from '../../infra/app.ts';
import { OptionError } from '../../infra/options.ts';
import { cliContext, synthesizeTemplate } from '../helpers/synth.ts';
import { changes, template } from '../helpers/synthesized.ts';

const REPOSITORY = 'octo-org/app.web';
const PROVIDER_ARN = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
const on = { githubRepository: REPOSITORY };
const withProvider = { githubRepository: REPOSITORY, githubOidcProviderArn: PROVIDER_ARN };

const bootstrapRole = (kind: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/cdk-hnb659fds-${kind}-role-\${AWS::AccountId}-\${AWS::Region}` });

/** The logical id of the one role a web identity may assume. */
function deployRole(t: Template): string {
  const roles = Object.keys(t.findResources('AWS::IAM::Role', { Properties: { AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRoleWithWebIdentity' }] } } }));
  assert.equal(roles.length, 1, roles.join(', '));
  return roles[0]!;
}

/** The logical ids of the two repositories, each checked to be the one its output names. */
function repositories(t: Template): { frontend: string; backend: string } {
  const idOf = (name: string) => {
    const ids = Object.keys(t.findResources('AWS::ECR::Repository', { Metadata: { 'aws:cdk:path': Match.stringLikeRegexp(`/GitHubDeploy/${name}Repository/`) } }));
    assert.equal(ids.length, 1, name);
    t.hasOutput(`${name}RepositoryUri`, { Value: { 'Fn::Join': ['', Match.arrayWith([{ Ref: ids[0]! }])] } });
    return ids[0]!;
  };
  return { frontend: idOf('Frontend'), backend: idOf('Backend') };
}

test('off by default: no OIDC provider, no role for GitHub, no repositories, no outputs for them', () => {
  const t = template();
  t.resourceCountIs('AWS::IAM::OIDCProvider', 0);
  t.resourceCountIs('AWS::ECR::Repository', 0);
  assert.deepEqual(t.findResources('AWS::IAM::Role', { Properties: { AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRoleWithWebIdentity' }] } } }), {});
  assert.deepEqual(Object.keys(t.findOutputs('*')).filter((key) => /GitHub|Repository/.test(key)), []);
});

test('githubRepository adds the provider, the role, its policy and two repositories, with their outputs, and changes nothing else', () => {
  assert.deepEqual(changes(on), {
    added: ['GitHubDeploy/BackendRepository', 'GitHubDeploy/FrontendRepository', 'GitHubDeploy/OidcProvider', 'GitHubDeploy/Role', 'GitHubDeploy/Role/DefaultPolicy'],
    removed: [],
    changed: [],
    outputs: ['GitHubDeployRoleArn', 'FrontendRepositoryUri', 'BackendRepositoryUri'],
  });
});

test("the stack creates GitHub's OIDC provider, for the audience configure-aws-credentials asks for", () => {
  const t = template(on);
  t.resourceCountIs('AWS::IAM::OIDCProvider', 1);
  t.hasResourceProperties('AWS::IAM::OIDCProvider', Match.objectEquals({ Url: 'https://token.actions.githubusercontent.com', ClientIdList: ['sts.amazonaws.com'] }));
});

test("only the repository's main branch may assume the role, through the provider: audience and subject, StringEquals", () => {
  for (const [context, provider] of [
    [on, { Ref: Object.keys(template(on).findResources('AWS::IAM::OIDCProvider'))[0] }],
    [withProvider, PROVIDER_ARN],
  ] as const) {
    const t = template(context);
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectEquals({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRoleWithWebIdentity',
            Principal: { Federated: provider },
            Condition: {
              StringEquals: {
                'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
                'token.actions.githubusercontent.com:sub': `repo:${REPOSITORY}:ref:refs/heads/main`,
              },
            },
          },
        ],
      }),
    });
    // No managed policy, no inline policy, no boundary: the role's grants are its one policy (below).
    assert.deepEqual(Object.keys(t.findResources('AWS::IAM::Role')[deployRole(t)]!.Properties).sort(), ['AssumeRolePolicyDocument', 'Description']);
  }
});

test('githubOidcProviderArn: the role trusts that provider, and the stack creates none', () => {
  const t = template(withProvider);
  t.resourceCountIs('AWS::IAM::OIDCProvider', 0);
  deployRole(t);
});

test("the role may assume CDK's deploy, file-publishing and lookup roles, push to the two repositories, and read this stack; nothing else", () => {
  const t = template(on);
  const { frontend, backend } = repositories(t);
  const policies = t.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: deployRole(t) }] } });
  assert.equal(Object.keys(policies).length, 1);
  t.hasResourceProperties('AWS::IAM::Policy', {
    Roles: [{ Ref: deployRole(t) }],
    PolicyDocument: Match.objectEquals({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: [bootstrapRole('deploy'), bootstrapRole('file-publishing'), bootstrapRole('lookup')] },
        {
          Effect: 'Allow',
          Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:CompleteLayerUpload', 'ecr:InitiateLayerUpload', 'ecr:PutImage', 'ecr:UploadLayerPart'],
          Resource: [{ 'Fn::GetAtt': [backend, 'Arn'] }, { 'Fn::GetAtt': [frontend, 'Arn'] }],
        },
        // Account-wide: the token has no resource.
        { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
        { Effect: 'Allow', Action: 'cloudformation:DescribeStacks', Resource: { Ref: 'AWS::StackId' } },
      ],
    }),
  });
});

test("a bootstrap qualifier in cdk.json's context names the bootstrap roles", () => {
  const found = JSON.stringify(synthesizeTemplate({ ...on, '@aws-cdk/core:bootstrapQualifier': 'custom123' }));
  assert.match(found, /role\/cdk-custom123-deploy-role-/);
  assert.doesNotMatch(found, /hnb659fds-(deploy|file-publishing|lookup)-role/);
});

test('the repositories scan on push, keep tags immutable, expire all but the last 20 images, and outlive the stack', () => {
  const t = template(on);
  t.resourceCountIs('AWS::ECR::Repository', 2);
  const lifecycle = {
    rules: [{ rulePriority: 1, description: 'Keep the last 20 images', selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 20 }, action: { type: 'expire' } }],
  };
  for (const id of Object.values(repositories(t))) {
    const resource = t.findResources('AWS::ECR::Repository')[id]!;
    assert.deepEqual(
      { ...resource.Properties, LifecyclePolicy: JSON.parse(resource.Properties.LifecyclePolicy.LifecyclePolicyText) },
      { ImageScanningConfiguration: { ScanOnPush: true }, ImageTagMutability: 'IMMUTABLE', LifecyclePolicy: lifecycle },
    );
    assert.equal(resource.DeletionPolicy, 'Retain');
  }
});

test("the role's ARN is an output, for the repository variable AWS_DEPLOY_ROLE_ARN", () => {
  const t = template(on);
  t.hasOutput('GitHubDeployRoleArn', { Value: { 'Fn::GetAtt': [deployRole(t), 'Arn'] } });
});

test('cdk-nag passes; its one acknowledgement here is GetAuthorizationToken on *, with the reason', () => {
  const { app, stack } = createApp({ context: { ...cliContext(on), 'aws:cdk:disable-asset-staging': true } });
  assert.doesNotThrow(() => app.synth());
  const acknowledged: string[] = [];
  const visit = (construct: IConstruct) => {
    for (const entry of construct.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)) {
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        assert.ok(reason.split(' ').length >= 6, `${construct.node.path}: ${id}: ${reason}`);
        acknowledged.push(`${construct.node.path.replace(/^[^/]+\//, '')} ${id}`);
      }
    }
    construct.node.children.forEach(visit);
  };
  visit(stack.node.findChild('GitHubDeploy'));
  assert.deepEqual(acknowledged, ['GitHubDeploy/Role AwsSolutions::AwsSolutions-IAM5[Resource::*]']);
});

const bad: ReadonlyArray<[string, Record<string, string>, RegExp]> = [
  ['a repository without its owner', { githubRepository: 'app' }, /^githubRepository must be a GitHub repository as owner\/name/],
  ['a repository URL', { githubRepository: 'https://github.com/octo/app' }, /^githubRepository must be a GitHub repository as owner\/name/],
  ['a provider for another issuer', { ...on, githubOidcProviderArn: 'arn:aws:iam::123456789012:oidc-provider/gitlab.com' }, /^githubOidcProviderArn must be the ARN of an IAM OIDC provider for token\.actions\.githubusercontent\.com/],
  ['a provider without a repository', { githubOidcProviderArn: PROVIDER_ARN }, /^githubOidcProviderArn needs githubRepository/],
];

for (const [what, context, message] of bad) {
  test(`rejected before anything is synthesized: ${what}`, () => {
    assert.throws(() => synthesizeTemplate(context), (error: Error) => error instanceof OptionError && message.test(error.message));
  });
}
