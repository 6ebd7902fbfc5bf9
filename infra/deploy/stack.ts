// Create or update a CloudFormation stack and wait for it, saying what happens.
import {
  CreateStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
  type CloudFormationClient,
  type Parameter,
  type Stack,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { DeployError } from './errors.ts';
import { formatDuration, pollUntil } from './poll.ts';

export interface Template {
  readonly body: string;
  /** The parameters it declares, with their defaults: only these may be passed or kept. */
  readonly parameters: Readonly<Record<string, string | undefined>>;
}

export function readTemplate(file: URL): Template {
  const body = readFileSync(file, 'utf8');
  const declared = (parse(body) as { Parameters?: Record<string, { Default?: unknown }> } | null)?.Parameters ?? {};
  const parameters = Object.fromEntries(Object.entries(declared).map(([key, { Default }]) => [key, Default === undefined ? undefined : String(Default)]));
  return { body, parameters };
}

/** The stack, or undefined when there is none of that name. */
export async function describeStack(cf: CloudFormationClient, name: string): Promise<Stack | undefined> {
  try {
    const { Stacks } = await cf.send(new DescribeStacksCommand({ StackName: name }));
    return Stacks?.[0];
  } catch (error) {
    // CloudFormation's only way of saying "no such stack".
    if ((error as Error).name === 'ValidationError' && /does not exist/.test((error as Error).message)) return undefined;
    throw error;
  }
}

export function outputsOf(stack: Stack): Record<string, string> {
  return Object.fromEntries((stack.Outputs ?? []).flatMap((o) => (o.OutputKey && o.OutputValue !== undefined ? [[o.OutputKey, o.OutputValue]] : [])));
}

export function parametersOf(stack: Stack): Record<string, string> {
  return Object.fromEntries((stack.Parameters ?? []).flatMap((p) => (p.ParameterKey ? [[p.ParameterKey, p.ParameterValue ?? '']] : [])));
}

export interface ApplyOptions {
  readonly name: string;
  readonly template: Template;
  /** Parameters to set; every other one keeps its value (or its default, on creation). */
  readonly parameters: Readonly<Record<string, string>>;
  readonly wait: boolean;
  readonly timeoutMs: number;
  readonly say: (line: string) => void;
}

const BUSY = /_IN_PROGRESS$/;
const DONE = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE']);
// States CloudFormation accepts no update in: the stack can only be deleted.
const STUCK = new Set(['ROLLBACK_COMPLETE', 'ROLLBACK_FAILED', 'CREATE_FAILED', 'DELETE_FAILED']);

/**
 * Creates the stack, or updates it, and returns it: once CloudFormation is
 * done with `wait`, as soon as it has started without.
 */
export async function applyStack(cf: CloudFormationClient, options: ApplyOptions): Promise<Stack> {
  const { name, template, parameters, say } = options;
  const unknown = Object.keys(parameters).filter((key) => !(key in template.parameters));
  if (unknown.length > 0) throw new DeployError(`the template has no parameter ${unknown.join(', ')}`);

  const existing = await describeStack(cf, name);
  const common = { StackName: name, TemplateBody: template.body, Capabilities: ['CAPABILITY_IAM' as const] };
  const toParameters = (values: Readonly<Record<string, string | undefined>>): Parameter[] =>
    Object.keys(template.parameters).flatMap((key) => {
      const value = values[key];
      return value === undefined ? [] : [{ ParameterKey: key, ParameterValue: value }];
    });
  let stackId: string;
  let seen: Set<string>;

  if (existing === undefined) {
    say(`creating the stack ${name}`);
    const created = await cf.send(
      new CreateStackCommand({
        ...common,
        // Defaults included: every value is then one the stack was given, which is
        // what moto (the e2e test's emulator) needs to tell later changes apart.
        Parameters: toParameters({ ...template.parameters, ...parameters }),
        // A stack that fails to create is deleted, so the next deploy starts afresh;
        // its events stay readable by stack id, which is how failures are reported.
        OnFailure: 'DELETE',
      }),
    );
    stackId = created.StackId!;
    seen = new Set();
  } else {
    const status = existing.StackStatus ?? 'UNKNOWN';
    stackId = existing.StackId!;
    if (BUSY.test(status)) {
      throw new DeployError(`the stack ${name} is busy (${status}); wait until it is done, then deploy again`);
    }
    if (STUCK.has(status)) {
      throw new DeployError(
        `the stack ${name} is ${status}, which CloudFormation cannot update. ` +
          `Delete it (aws cloudformation delete-stack --stack-name ${name}), then deploy again`,
      );
    }
    seen = await eventIds(cf, stackId);
    // Parameters not given keep the stack's current values (what UsePreviousValue
    // does, which moto honours only for values given at creation); one new to
    // the template gets its default.
    const values = { ...template.parameters, ...parametersOf(existing), ...parameters };
    try {
      await cf.send(new UpdateStackCommand({ ...common, Parameters: toParameters(values) }));
    } catch (error) {
      if ((error as Error).name === 'ValidationError' && /No updates are to be performed/.test((error as Error).message)) {
        say(`the stack ${name} is up to date`);
        return existing;
      }
      throw error;
    }
    say(`updating the stack ${name}`);
  }

  if (!options.wait) {
    const started = await describeStack(cf, stackId);
    if (started === undefined) throw new DeployError(`the stack ${name} disappeared`);
    return started;
  }
  return waitForStack(cf, stackId, name, seen, options);
}

async function eventIds(cf: CloudFormationClient, stackId: string): Promise<Set<string>> {
  const { StackEvents = [] } = await cf.send(new DescribeStackEventsCommand({ StackName: stackId }));
  return new Set(StackEvents.flatMap((event) => (event.EventId ? [event.EventId] : [])));
}

function describeEvent(event: StackEvent): string {
  const reason = event.ResourceStatusReason ? `: ${event.ResourceStatusReason}` : '';
  return `${(event.ResourceStatus ?? '').padEnd(20)} ${event.LogicalResourceId} (${event.ResourceType})${reason}`;
}

/** Polls until the stack leaves *_IN_PROGRESS, printing each new event; throws unless it succeeded. */
async function waitForStack(cf: CloudFormationClient, stackId: string, name: string, seen: Set<string>, options: ApplyOptions): Promise<Stack> {
  const failures: StackEvent[] = [];
  const printNewEvents = async () => {
    const { StackEvents = [] } = await cf.send(new DescribeStackEventsCommand({ StackName: stackId }));
    // Newest first: print the unseen ones oldest first.
    for (const event of StackEvents.filter((e) => e.EventId && !seen.has(e.EventId)).reverse()) {
      seen.add(event.EventId!);
      options.say(`  ${describeEvent(event)}`);
      if (event.ResourceStatus?.endsWith('_FAILED')) failures.push(event);
    }
  };

  const stack = await pollUntil(
    async () => {
      const { Stacks } = await cf.send(new DescribeStacksCommand({ StackName: stackId }));
      await printNewEvents();
      const current = Stacks?.[0];
      return current?.StackStatus && !BUSY.test(current.StackStatus) ? current : undefined;
    },
    { timeoutMs: options.timeoutMs, intervalMs: 5_000 },
  );
  if (stack === undefined) {
    throw new DeployError(
      `the stack ${name} was still changing after ${formatDuration(options.timeoutMs)}. CloudFormation carries on: ` +
        `follow it with "aws cloudformation describe-stack-events --stack-name ${name}" and deploy again once it is done`,
    );
  }
  if (!DONE.has(stack.StackStatus!)) {
    // The first failure is the cause; the ones after it are CloudFormation cancelling the rest.
    const cause = failures.find((event) => event.ResourceStatusReason && !/cancelled/i.test(event.ResourceStatusReason)) ?? failures[0];
    throw new DeployError(
      `the stack ${name} ended ${stack.StackStatus}` +
        (cause ? `; the first failure: ${cause.LogicalResourceId} (${cause.ResourceType}): ${cause.ResourceStatusReason}` : `: ${stack.StackStatusReason ?? 'no reason given'}`),
    );
  }
  return stack;
}
