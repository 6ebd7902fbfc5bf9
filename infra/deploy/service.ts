// Wait for the ECS service to run the new revision, as many tasks as it wants.
import { DescribeServicesCommand, type ECSClient, type Service } from '@aws-sdk/client-ecs';
import { DeployError } from './errors.ts';
import { formatDuration, pollUntil } from './poll.ts';

export interface ServiceTarget {
  readonly cluster: string;
  readonly service: string;
  readonly taskDefinitionArn: string;
}

/**
 * Stable, as `aws ecs wait services-stable` means it: one deployment left and
 * as many tasks running as desired, here also on the expected revision.
 * Throws when ECS gave up on the revision (the circuit breaker rolled back).
 */
export async function waitForService(ecs: ECSClient, target: ServiceTarget, options: { timeoutMs: number; say: (line: string) => void }): Promise<Service> {
  let last = '';
  const stable = await pollUntil(
    async () => {
      const { services = [], failures = [] } = await ecs.send(new DescribeServicesCommand({ cluster: target.cluster, services: [target.service] }));
      const service = services[0];
      if (service === undefined) {
        throw new DeployError(`ECS has no service ${target.service} in the cluster ${target.cluster} (${failures[0]?.reason ?? 'no reason given'})`);
      }
      const deployments = service.deployments ?? [];
      const failed = deployments.find((deployment) => deployment.rolloutState === 'FAILED');
      if (failed !== undefined) {
        throw new DeployError(`ECS stopped the deployment of ${failed.taskDefinition}: ${failed.rolloutStateReason ?? 'no reason given'}`);
      }
      if (service.taskDefinition !== target.taskDefinitionArn) {
        throw new DeployError(
          `the service runs ${service.taskDefinition}, not ${target.taskDefinitionArn}: the deployment was rolled back ` +
            `(aws ecs describe-services --cluster ${target.cluster} --services ${target.service} shows its events)`,
        );
      }
      const progress = `${service.runningCount} of ${service.desiredCount} tasks running, ${deployments.length} deployment(s)`;
      if (progress !== last) options.say(progress);
      last = progress;
      return deployments.length === 1 && service.runningCount === service.desiredCount ? service : undefined;
    },
    { timeoutMs: options.timeoutMs, intervalMs: 10_000 },
  );
  if (stable === undefined) {
    throw new DeployError(
      `the service ${target.service} was not stable after ${formatDuration(options.timeoutMs)} (${last}). ECS carries on; ` +
        `"aws ecs describe-services --cluster ${target.cluster} --services ${target.service}" shows why tasks do not start or stay healthy`,
    );
  }
  return stable;
}

/**
 * The task count the service has now, or undefined before it exists.
 * CloudFormation sends the template's DesiredCount with every update of the
 * service, which would undo what auto scaling has done; passing the live count
 * as the parameter keeps it.
 */
export async function liveDesiredCount(ecs: ECSClient, outputs: Readonly<Record<string, string>>): Promise<number | undefined> {
  const { ClusterName: cluster, ServiceName: service } = outputs;
  if (!cluster || !service) return undefined;
  const { services = [] } = await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
  return services[0]?.status === 'ACTIVE' ? services[0].desiredCount : undefined;
}
