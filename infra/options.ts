// What a deploy can choose, read once from CDK context: `-c key=value` on the
// command line (always a string) or cdk.json's "context" (any JSON value).
// Every key is listed in CONTEXT_KEYS with its meaning; docs/deploy.md's
// Options table shows the same. A bad value names the key and what it should be.
import { PROJECT_NAME } from '../services/shared/project.ts';

export type TaskSubnets = 'private' | 'public';

export interface StackOptions {
  /** Names the stack and, after it, the task family, cluster, log group and secret. */
  readonly stackName: string;
  /** Prebuilt images to run; undefined: CDK builds both Dockerfiles and pushes them. */
  readonly images: { readonly frontend: string; readonly backend: string } | undefined;
  /** An existing VPC, or undefined to create one over two availability zones. */
  readonly existingVpc: ExistingVpc | undefined;
  readonly taskSubnets: TaskSubnets;
  /** HTTPS on 443 with HTTP redirected to it; undefined: HTTP on 80 only. */
  readonly https: { readonly certificateArn: string; readonly domainName: string } | undefined;
  /** A secret holding {"token": "..."} managed elsewhere; undefined: the stack generates one. */
  readonly existingSecretArn: string | undefined;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly requestsPerTarget: number;
  readonly logRetentionDays: number;
  readonly ecsExec: boolean;
  readonly graviton: boolean;
  /** A role GitHub Actions on this repository's main branch may deploy with; undefined: none. */
  readonly githubDeploy: GitHubDeployOptions | undefined;
}

export interface GitHubDeployOptions {
  /** owner/name, as GitHub spells it: the OIDC token's `sub` names it. */
  readonly repository: string;
  /** The account's existing token.actions.githubusercontent.com provider; undefined: the stack creates it. */
  readonly oidcProviderArn: string | undefined;
}

export interface ExistingVpc {
  readonly vpcId: string;
  readonly publicSubnetIds: readonly string[];
  /** Needed only when the tasks run in private subnets. */
  readonly privateSubnetIds: readonly string[];
}

// package.json's name, unless -c stackName says otherwise.
export const DEFAULT_STACK_NAME = PROJECT_NAME;

/** Every context key the app reads, with what it does (docs/deploy.md: "Options"). */
export const CONTEXT_KEYS = {
  stackName: `stack name, default ${DEFAULT_STACK_NAME}; lowercase letters, digits and "-"`,
  frontendImage: 'prebuilt frontend image URI (give backendImage too); default: build Dockerfile.frontend',
  backendImage: 'prebuilt backend image URI (give frontendImage too); default: build Dockerfile.backend',
  vpcId: 'deploy into this VPC instead of creating one (with publicSubnetIds, and privateSubnetIds for private tasks)',
  publicSubnetIds: "with vpcId: the load balancer's public subnets, comma-separated, two or more zones",
  privateSubnetIds: "with vpcId: the tasks' private subnets, comma-separated; they need a route to a NAT gateway",
  taskSubnets: 'private (default: private subnets behind a NAT gateway) or public (public IP, no NAT gateway)',
  certificateArn: 'ACM certificate in the stack\'s region: HTTPS on 443, HTTP redirected to it (needs domainName)',
  domainName: "the certificate's name, which you point at the load balancer; the ServiceUrl output uses it",
  existingSecretArn: 'full ARN of a secret holding {"token": "..."} (AWS managed key) instead of a generated one',
  minCapacity: 'fewest tasks auto scaling keeps, default 2',
  maxCapacity: 'most tasks auto scaling starts, default 6',
  requestsPerTarget: 'auto scaling goal in requests per task per minute, default 12600',
  logRetentionDays: 'days CloudWatch Logs keeps the logs, default 30',
  ecsExec: 'true: allow `aws ecs execute-command` (makes the root filesystems writable, see docs/deploy.md)',
  graviton: 'true: run on ARM64 (Graviton) and build the images for linux/arm64',
  githubRepository: "owner/name: a role this GitHub repository's main branch deploys with, and two image repositories (docs/deploy.md)",
  githubOidcProviderArn: "with githubRepository: the account's existing token.actions.githubusercontent.com OIDC provider; default: the stack creates it",
} as const;

export type ContextKey = keyof typeof CONTEXT_KEYS;

/** A context value that cannot be used: the message names the key. */
export class OptionError extends Error {
  override readonly name = 'OptionError';
}

// The retention periods CloudWatch Logs accepts.
const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

const STACK_NAME = /^[a-z][a-z0-9-]{0,62}$/;
const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/;
// A complete ARN ends in the six random characters Secrets Manager appends to the name.
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+-[A-Za-z0-9]{6}$/;
// GitHub: an owner is letters, digits and single hyphens; a repository name letters, digits, ".", "_" and "-".
const GITHUB_REPOSITORY = /^(?=[^/]{1,39}\/)[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*\/(?!\.{1,2}$)[A-Za-z0-9._-]{1,100}$/;
// An account has at most one provider per URL, and the role trusts only GitHub's.
const GITHUB_OIDC_PROVIDER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/;
const DOMAIN_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/** Reads and checks every option; `context` returns the raw value of a key (undefined when unset). */
export function readOptions(context: (key: ContextKey) => unknown): StackOptions {
  const text = (key: ContextKey): string | undefined => {
    const value = context(key);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new OptionError(`${key} must be a string, number or boolean (got ${JSON.stringify(value)})`);
    }
    return String(value).trim() === '' ? undefined : String(value).trim();
  };
  const matching = (key: ContextKey, pattern: RegExp, what: string): string | undefined => {
    const value = text(key);
    if (value !== undefined && !pattern.test(value)) throw new OptionError(`${key} must be ${what} (got ${JSON.stringify(value)})`);
    return value;
  };
  const wholeNumber = (key: ContextKey, fallback: number): number => {
    const value = text(key);
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value) || Number(value) < 1) throw new OptionError(`${key} must be a whole number of at least 1 (got ${JSON.stringify(value)})`);
    return Number(value);
  };
  const flag = (key: ContextKey): boolean => {
    const value = text(key);
    if (value === undefined || value === 'false') return false;
    if (value === 'true') return true;
    throw new OptionError(`${key} must be true or false (got ${JSON.stringify(value)})`);
  };
  const subnets = (key: ContextKey): string[] => {
    const value = text(key);
    if (value === undefined) return [];
    const ids = value.split(',').map((id) => id.trim());
    const bad = ids.find((id) => !SUBNET_ID.test(id));
    if (bad !== undefined) throw new OptionError(`${key} must be subnet IDs separated by commas (got ${JSON.stringify(bad)})`);
    if (ids.length < 2) throw new OptionError(`${key} must list two or more subnets in different availability zones (a load balancer needs two)`);
    return ids;
  };

  const stackName = matching('stackName', STACK_NAME, 'lowercase letters, digits and "-", starting with a letter, at most 63 characters') ?? DEFAULT_STACK_NAME;

  const frontend = text('frontendImage');
  const backend = text('backendImage');
  if ((frontend === undefined) !== (backend === undefined)) {
    throw new OptionError('give both frontendImage and backendImage, or neither to build both images from their Dockerfiles');
  }

  const taskSubnets = text('taskSubnets') ?? 'private';
  if (taskSubnets !== 'private' && taskSubnets !== 'public') throw new OptionError(`taskSubnets must be private or public (got ${JSON.stringify(taskSubnets)})`);

  const vpcId = matching('vpcId', VPC_ID, 'a VPC ID such as vpc-0123456789abcdef0');
  const publicSubnetIds = subnets('publicSubnetIds');
  const privateSubnetIds = subnets('privateSubnetIds');
  if (vpcId === undefined && (publicSubnetIds.length > 0 || privateSubnetIds.length > 0)) {
    throw new OptionError('publicSubnetIds and privateSubnetIds need vpcId: without it the stack creates its own VPC and subnets');
  }
  if (vpcId !== undefined && publicSubnetIds.length === 0) throw new OptionError("vpcId needs publicSubnetIds: the load balancer's subnets");
  if (vpcId !== undefined && taskSubnets === 'private' && privateSubnetIds.length === 0) {
    throw new OptionError("vpcId with taskSubnets private needs privateSubnetIds: the tasks' subnets");
  }

  // A certificate covers names, not the load balancer's generated one: without
  // the name, the printed https:// URL would fail the browser's name check.
  const certificateArn = matching('certificateArn', CERTIFICATE_ARN, 'an ACM certificate ARN');
  const domainName = matching('domainName', DOMAIN_NAME, 'a DNS name such as app.example.com');
  if ((certificateArn === undefined) !== (domainName === undefined)) {
    throw new OptionError('give certificateArn and domainName together: the certificate must cover the name users open');
  }

  const minCapacity = wholeNumber('minCapacity', 2);
  const maxCapacity = wholeNumber('maxCapacity', 6);
  if (maxCapacity < minCapacity) throw new OptionError(`maxCapacity ${maxCapacity} is below minCapacity ${minCapacity}`);

  const githubRepository = matching('githubRepository', GITHUB_REPOSITORY, 'a GitHub repository as owner/name, such as octo-org/app');
  const oidcProviderArn = matching('githubOidcProviderArn', GITHUB_OIDC_PROVIDER_ARN, 'the ARN of an IAM OIDC provider for token.actions.githubusercontent.com');
  if (oidcProviderArn !== undefined && githubRepository === undefined) {
    throw new OptionError('githubOidcProviderArn needs githubRepository: the provider is only used by the deploy role for that repository');
  }

  const logRetentionDays = wholeNumber('logRetentionDays', 30);
  if (!RETENTION_DAYS.includes(logRetentionDays)) throw new OptionError(`logRetentionDays must be one of ${RETENTION_DAYS.join(', ')} (got ${logRetentionDays})`);

  return {
    stackName,
    images: frontend !== undefined && backend !== undefined ? { frontend, backend } : undefined,
    existingVpc: vpcId === undefined ? undefined : { vpcId, publicSubnetIds, privateSubnetIds },
    taskSubnets,
    https: certificateArn !== undefined && domainName !== undefined ? { certificateArn, domainName } : undefined,
    existingSecretArn: matching('existingSecretArn', SECRET_ARN, 'the complete ARN of a secret, ending in its six-character suffix (-AbCdEf)'),
    minCapacity,
    maxCapacity,
    requestsPerTarget: wholeNumber('requestsPerTarget', 12_600),
    logRetentionDays,
    ecsExec: flag('ecsExec'),
    graviton: flag('graviton'),
    githubDeploy: githubRepository === undefined ? undefined : { repository: githubRepository, oidcProviderArn },
  };
}
