// What GitHub Actions deploys this stack with (opt-in: githubRepository): a
// role that only the repository's main branch can assume, through GitHub's
// OIDC provider, so no AWS key is stored anywhere; and the two ECR
// repositories the workflow pushes its images to (.github/workflows/ci.yml,
// docs/deploy.md: "Deploy from GitHub Actions").
import { DefaultStackSynthesizer, Fn, Stack, Validations } from 'aws-cdk-lib';
import { Repository, TagMutability } from 'aws-cdk-lib/aws-ecr';
import { OidcProviderNative, PolicyStatement, Role, WebIdentityPrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { GitHubDeployOptions } from './options.ts';
import type { ContainerName } from './task.ts';

/** GitHub's token issuer; the trust conditions' keys are named after it. */
const GITHUB_OIDC_ISSUER = 'token.actions.githubusercontent.com';
/** The audience configure-aws-credentials asks GitHub to put in the token. */
const GITHUB_OIDC_AUDIENCE = 'sts.amazonaws.com';
/** The only branch that may deploy. */
export const DEPLOY_BRANCH = 'main';

// A push to main adds one image per repository; a rollback needs only the
// previous one, so older images are expired rather than paid for forever.
const IMAGES_KEPT = 20;

export class GitHubDeploy extends Construct {
  readonly role: Role;
  readonly repositories: Readonly<Record<ContainerName, Repository>>;

  constructor(scope: Construct, id: string, props: GitHubDeployOptions) {
    super(scope, id);
    const stack = Stack.of(this);

    // An account has one provider per URL: a second stack, or one made by
    // hand, is passed as githubOidcProviderArn. No thumbprint: IAM trusts
    // GitHub's certificate authority itself.
    const providerArn =
      props.oidcProviderArn ?? new OidcProviderNative(this, 'OidcProvider', { url: `https://${GITHUB_OIDC_ISSUER}`, clientIds: [GITHUB_OIDC_AUDIENCE] }).oidcProviderArn;

    // The token's `sub` is repo:OWNER/NAME:ref:refs/heads/BRANCH for a job
    // without an `environment:` (with one it names the environment instead,
    // and this role refuses it). StringEquals: no pattern, no other branch,
    // no pull request, no fork.
    this.role = new Role(this, 'Role', {
      description: `GitHub Actions on ${props.repository}'s ${DEPLOY_BRANCH} branch deploys this stack with it`,
      assumedBy: new WebIdentityPrincipal(providerArn, {
        StringEquals: {
          [`${GITHUB_OIDC_ISSUER}:aud`]: GITHUB_OIDC_AUDIENCE,
          [`${GITHUB_OIDC_ISSUER}:sub`]: `repo:${props.repository}:ref:refs/heads/${DEPLOY_BRANCH}`,
        },
      }),
    });

    // `cdk deploy` works through CDK's bootstrap roles: the deploy role runs
    // the CloudFormation change (which creates the resources with the
    // bootstrap's execution role), the file-publishing role uploads the
    // template, and the lookup role lets the CLI read the deployed stack when
    // it diffs or explains a failure. Not the image-publishing role: CI
    // deploys prebuilt images and builds no asset.
    const qualifier = stack.synthesizer.bootstrapQualifier ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
    const bootstrapRole = (template: string) => Fn.sub(template.replace('${Qualifier}', qualifier));
    this.role.addToPolicy(
      new PolicyStatement({
        actions: ['sts:AssumeRole'],
        resources: [
          bootstrapRole(DefaultStackSynthesizer.DEFAULT_DEPLOY_ROLE_ARN),
          bootstrapRole(DefaultStackSynthesizer.DEFAULT_FILE_ASSET_PUBLISHING_ROLE_ARN),
          bootstrapRole(DefaultStackSynthesizer.DEFAULT_LOOKUP_ROLE_ARN),
        ],
      }),
    );

    // The workflow pushes to repositories of its own rather than to CDK's
    // asset repository: that one is CDK's to manage (`cdk gc` deletes the
    // images it finds unused), and pushing there would need the
    // image-publishing role, which may push every CDK app's images. These two hold only this stack's images, tagged with the
    // commit (immutable), and this role may push to nothing else. They are
    // kept when the stack is deleted (CDK's default): CloudFormation cannot
    // delete a repository that holds images, and emptying it first would take
    // a custom resource (a Lambda function) in the stack.
    const repository = (id: string) =>
      new Repository(this, id, {
        imageScanOnPush: true,
        imageTagMutability: TagMutability.IMMUTABLE,
        lifecycleRules: [{ description: `Keep the last ${IMAGES_KEPT} images`, maxImageCount: IMAGES_KEPT }],
      });
    this.repositories = { frontend: repository('FrontendRepository'), backend: repository('BackendRepository') };
    // What `docker push` calls (AWS's ECR guide, "IAM permissions for pushing an image").
    this.role.addToPolicy(
      new PolicyStatement({
        actions: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:CompleteLayerUpload', 'ecr:InitiateLayerUpload', 'ecr:PutImage', 'ecr:UploadLayerPart'],
        resources: [this.repositories.frontend.repositoryArn, this.repositories.backend.repositoryArn],
      }),
    );
    this.role.addToPolicy(new PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken has no resource to name: the docker login it gives pushes only where the statement above allows',
    });

    // The workflow reads the repositories before it pushes, and ServiceUrl after it deploys.
    this.role.addToPolicy(new PolicyStatement({ actions: ['cloudformation:DescribeStacks'], resources: [stack.stackId] }));
  }
}
