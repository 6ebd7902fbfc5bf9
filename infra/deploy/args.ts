// The deploy's command line: flags, their help, and what they mean for the deploy.
import { parseArgs } from 'node:util';

export const DEFAULT_STACK = 'fargate-task-reference';

// Flags that set a parameter of infra/stack.yaml. A flag left out keeps the
// stack's current value (its template default on the first deploy), so
// re-running with only the image flags never undoes an earlier choice. An
// empty value (`--certificate-arn ''`) clears a parameter; numbers (value N)
// must be whole numbers, and CloudFormation checks their ranges.
const STACK_PARAMETERS = {
  'vpc-id': { parameter: 'VpcId', value: 'ID', help: 'deploy into this VPC instead of creating one' },
  'public-subnet-ids': { parameter: 'PublicSubnetIds', value: 'A,B', help: "with --vpc-id: the load balancer's public subnets, two zones" },
  'private-subnet-ids': { parameter: 'PrivateSubnetIds', value: 'A,B', help: "with --vpc-id: the tasks' private subnets (a NAT route out)" },
  'task-subnets': { parameter: 'TaskSubnets', value: 'private|public', help: 'private behind a NAT gateway (default), or public: no NAT' },
  'certificate-arn': { parameter: 'CertificateArn', value: 'ARN', help: 'ACM certificate: serve HTTPS, redirect HTTP to it' },
  'domain-name': { parameter: 'DomainName', value: 'NAME', help: "the certificate's name, for the printed URL" },
  'desired-count': { parameter: 'DesiredCount', value: 'N', help: 'tasks to start with (default 2)' },
  'min-capacity': { parameter: 'MinCapacity', value: 'N', help: 'fewest tasks auto scaling keeps (default 2)' },
  'max-capacity': { parameter: 'MaxCapacity', value: 'N', help: 'most tasks auto scaling starts (default 6)' },
  'requests-per-target': { parameter: 'RequestsPerTarget', value: 'N', help: 'scaling goal: requests per task per minute (default 6200)' },
  'log-retention-days': { parameter: 'LogRetentionDays', value: 'N', help: 'days CloudWatch keeps the logs (default 30)' },
  'existing-secret-arn': { parameter: 'ExistingSecretArn', value: 'ARN', help: 'use this secret ({"token": ...}) instead of generating one' },
} as const;

type StackFlag = keyof typeof STACK_PARAMETERS;

const HELP: ReadonlyArray<readonly [flag: string, help: string]> = [
  ['--stack NAME', `stack name (default ${DEFAULT_STACK}); lowercase: it also names the ECR repositories`],
  ['--image-frontend URI', 'deploy this frontend image instead of building one'],
  ['--image-backend URI', 'deploy this backend image (give both image flags or neither)'],
  ['--no-wait', 'do not wait for the service to become stable'],
  ['--smoke', 'run the smoke checks (npm run smoke) against the service at the end'],
  ...Object.entries(STACK_PARAMETERS).map(([flag, { value, help }]) => [`--${flag} ${value}`, help] as const),
  ['--help', 'this text'],
];

export const USAGE = `Usage: npm run deploy -- [options]

Creates or updates the CloudFormation stack (infra/stack.yaml), builds and
pushes both images, registers the task definition and rolls the service to it.
AWS settings come from the usual environment: AWS_REGION, AWS_PROFILE or
credentials, AWS_ENDPOINT_URL.

${HELP.map(([flag, help]) => `  ${flag.padEnd(31)}${help}`).join('\n')}`;

export interface DeployOptions {
  readonly stack: string;
  /** Both given, or neither (then the deploy builds them). */
  readonly images: { readonly frontend: string; readonly backend: string } | undefined;
  readonly wait: boolean;
  readonly smoke: boolean;
  /** The stack parameters the flags set; the others keep their values. */
  readonly parameters: Readonly<Record<string, string>>;
}

/** A bad command line: the message says what is wrong in one line. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type ParsedArgs = { readonly help: true } | ({ readonly help: false } & DeployOptions);

const STACK_NAME = /^[a-z][a-z0-9-]{0,99}$/;

export function parseDeployArgs(argv: readonly string[]): ParsedArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        stack: { type: 'string', default: DEFAULT_STACK },
        'image-frontend': { type: 'string' },
        'image-backend': { type: 'string' },
        'no-wait': { type: 'boolean', default: false },
        smoke: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        ...Object.fromEntries(Object.keys(STACK_PARAMETERS).map((flag) => [flag, { type: 'string' as const }])),
      },
    }));
  } catch (error) {
    // Node goes on to explain `--` for arguments that start with a dash; the first sentence is the point.
    throw new UsageError((error as Error).message.split('. ')[0]!);
  }
  if (values.help) return { help: true };

  const { stack } = values;
  if (!STACK_NAME.test(stack)) {
    throw new UsageError(`--stack ${JSON.stringify(stack)}: use lowercase letters, digits and "-", starting with a letter (it also names the ECR repositories)`);
  }
  const frontend = values['image-frontend']?.trim();
  const backend = values['image-backend']?.trim();
  if ((frontend === undefined) !== (backend === undefined)) {
    throw new UsageError('give both --image-frontend and --image-backend, or neither to build and push both images');
  }
  if (frontend === '' || backend === '') throw new UsageError('--image-frontend and --image-backend need an image URI');
  const wait = !values['no-wait'];
  if (values.smoke && !wait) throw new UsageError('--smoke needs a stable service: it cannot be combined with --no-wait');

  const parameters: Record<string, string> = {};
  for (const flag of Object.keys(STACK_PARAMETERS) as StackFlag[]) {
    const value = (values as Record<string, unknown>)[flag];
    if (typeof value !== 'string') continue;
    const { parameter, value: kind } = STACK_PARAMETERS[flag];
    if (kind === 'N' && !/^\d+$/.test(value)) throw new UsageError(`--${flag} ${JSON.stringify(value)}: expected a whole number`);
    parameters[parameter] = value.trim();
  }

  return {
    help: false,
    stack,
    images: frontend !== undefined && backend !== undefined ? { frontend, backend } : undefined,
    wait,
    smoke: values.smoke,
    parameters,
  };
}
