// `npm run deploy`: from a clone to the task running behind a load balancer,
// in five steps, each announced; re-running it updates in place. The AWS
// settings are the SDK's usual environment (AWS_REGION, AWS_PROFILE or keys,
// AWS_ENDPOINT_URL), so the same command runs against moto in the e2e test.
// `npm run deploy -- --help` lists the flags; the README explains the steps.
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { parseDeployArgs, USAGE, UsageError, type DeployOptions } from './deploy/args.ts';
import { DeployError, describeError } from './deploy/errors.ts';
import { buildAndPush, dockerPlatform, imageTag } from './deploy/images.ts';
import { liveDesiredCount, waitForService } from './deploy/service.ts';
import { applyStack, describeStack, outputsOf, readTemplate } from './deploy/stack.ts';
import { readTaskDefinition, registerTaskDefinition, renderTaskDefinition } from './deploy/task-definition.ts';
import { smoke } from './smoke.ts';
import { containers } from './task.ts';

const ROOT = new URL('../', import.meta.url);
// Creating the stack's network and load balancer takes minutes; a service
// update waits for new tasks to pass their health checks, and a failing one
// for the circuit breaker and CloudFormation's rollback on top.
const STACK_TIMEOUT_MS = 45 * 60_000;
// CloudFormation has already waited for the service; this is a last look.
const SERVICE_TIMEOUT_MS = 15 * 60_000;
const SMOKE_READY_TIMEOUT_MS = 2 * 60_000;
const STEPS = 5;

const say = (line: string) => process.stdout.write(`${line}\n`);
const detail = (line: string) => say(`      ${line}`);

let currentStep = 'the start (reading infra/stack.yaml and infra/task-definition.json)';
async function step<T>(number: number, title: string, run: () => Promise<T>): Promise<T> {
  currentStep = `[${number}/${STEPS}] ${title}`;
  say(currentStep);
  return run();
}

/** A stack output the deploy cannot go on without. */
function output(outputs: Readonly<Record<string, string>>, key: string): string {
  const value = outputs[key];
  if (value === undefined || value === '') throw new DeployError(`the stack has no output ${key}: was it deployed from infra/stack.yaml?`);
  return value;
}

function dockerfileOf(container: string): string {
  const found = containers.find((candidate) => candidate.definition.name === container);
  if (found === undefined) throw new DeployError(`the task has no container named ${container}`);
  return found.dockerfile;
}

async function deploy(options: DeployOptions): Promise<void> {
  const cf = new CloudFormationClient({});
  const ecr = new ECRClient({});
  const ecs = new ECSClient({});
  const template = readTemplate(new URL('infra/stack.yaml', ROOT));
  const taskTemplate = readTaskDefinition(ROOT);
  const stackOptions = { name: options.stack, template, timeoutMs: STACK_TIMEOUT_MS, say: detail };

  // A stack update that touches the service sets its task count to DesiredCount:
  // unless --desired-count says otherwise, that is the count it has now.
  const keepTaskCount = async (): Promise<Record<string, string>> => {
    if ('DesiredCount' in options.parameters) return {};
    const existing = await describeStack(cf, options.stack);
    const count = existing === undefined ? undefined : await liveDesiredCount(ecs, outputsOf(existing));
    return count === undefined ? {} : { DesiredCount: String(count) };
  };

  const outputs = await step(1, `Stack ${options.stack}: create or update it, and wait`, async () => {
    detail(`region ${await cf.config.region()}`);
    // The service keeps its task definition here: step 4 is what changes it.
    const stack = await applyStack(cf, { ...stackOptions, parameters: { ...(await keepTaskCount()), ...options.parameters }, wait: true });
    return outputsOf(stack);
  });

  const images = await step(2, 'Images: build both and push them to ECR', async () => {
    if (options.images !== undefined) {
      detail('skipped: deploying the images given by --image-frontend and --image-backend');
      return options.images;
    }
    return buildAndPush(
      ecr,
      {
        frontend: { dockerfile: dockerfileOf('frontend'), repository: output(outputs, 'FrontendRepositoryUri') },
        backend: { dockerfile: dockerfileOf('backend'), repository: output(outputs, 'BackendRepositoryUri') },
      },
      { root: ROOT, platform: dockerPlatform(taskTemplate.runtimePlatform?.cpuArchitecture), tag: await imageTag(ROOT), say: detail },
    );
  });

  const taskDefinitionArn = await step(3, 'Task definition: fill in this stack\'s values, lint, register', async () => {
    const definition = renderTaskDefinition(taskTemplate, {
      FRONTEND_IMAGE: images.frontend,
      BACKEND_IMAGE: images.backend,
      EXECUTION_ROLE_ARN: output(outputs, 'ExecutionRoleArn'),
      TASK_ROLE_ARN: output(outputs, 'TaskRoleArn'),
      LOG_GROUP: output(outputs, 'LogGroupName'),
      REGION: output(outputs, 'Region'),
      SECRET_ARN: output(outputs, 'SecretArn'),
    });
    detail('the linter found no problem');
    const arn = await registerTaskDefinition(ecs, definition);
    detail(`registered ${arn}`);
    return arn;
  });

  const revision = taskDefinitionArn.split('/').pop();
  await step(4, `Service: roll it to ${revision}${options.wait ? ' and wait until it is stable' : ''}`, async () => {
    const parameters = { ...(await keepTaskCount()), TaskDefinitionArn: taskDefinitionArn };
    const stack = await applyStack(cf, { ...stackOptions, parameters, wait: options.wait });
    if (!options.wait) {
      detail(`not waiting (--no-wait): "aws cloudformation wait stack-update-complete --stack-name ${options.stack}" waits for it`);
      return;
    }
    const after = outputsOf(stack);
    const target = { cluster: output(after, 'ClusterName'), service: output(after, 'ServiceName'), taskDefinitionArn };
    await waitForService(ecs, target, { timeoutMs: SERVICE_TIMEOUT_MS, say: detail });
    detail(`stable: ${target.service} runs ${revision}`);
  });

  await step(5, 'The service', async () => {
    const url = output(outputs, 'ServiceUrl');
    detail(`open ${url}/`);
    detail(`or: curl "${url}/api/hello?name=you"`);
    if (options.smoke) {
      detail(`smoke checks against ${url}:`);
      if (!(await smoke(url, { readyTimeoutMs: SMOKE_READY_TIMEOUT_MS, say: (line) => detail(`  ${line}`) }))) {
        throw new DeployError('a smoke check failed (see above)');
      }
    }
  });
}

let parsed;
try {
  parsed = parseDeployArgs(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`deploy: ${error.message}\n(npm run deploy -- --help lists the flags)\n`);
  process.exit(2);
}
if (parsed.help) {
  say(USAGE);
} else {
  try {
    await deploy(parsed);
  } catch (error) {
    // The step and the cause in one line; a stack trace would only bury them.
    process.stderr.write(`deploy failed at ${currentStep}: ${describeError(error)}\n`);
    process.exit(1);
  }
}
