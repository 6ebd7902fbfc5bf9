// How soon a new task can take traffic, from the settings alone: the task
// definition's start order and health checks, and the target group's check.
// It bounds scale-out and every deployment, and health-check timing, not the
// app's start-up, dominates it.
import type { ContainerDefinition, RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import type { CfnTemplate } from '../../test/helpers/synth.ts';
import { taskDefinitionOf } from './render.ts';

export interface TargetGroupCheck {
  readonly intervalSeconds: number;
  readonly healthyThreshold: number;
}

export interface TimeToServe {
  /** Seconds after the first container starts that the last essential one starts: the task is then RUNNING and registered. */
  readonly registeredAfter: number;
  /** The load balancer's first check passes at once, the next ones one interval apart. */
  readonly earliest: number;
  /** The first check comes up to one interval after registration. */
  readonly latest: number;
}

// ECS's default when a health check gives no interval.
const DEFAULT_INTERVAL = 30;

/**
 * A container waiting for another to be HEALTHY waits at least one of its
 * health-check intervals: Docker runs the first check one interval after
 * the start (a start period only forgives failures). START waits for
 * nothing more than the start. Not counted: image pulls, ECS's own
 * scheduling and registration latency, the app's start-up time (under a
 * second here, test/process/compile-cache.test.ts).
 */
export function timeToServe(task: RegisterTaskDefinitionCommandInput, check: TargetGroupCheck): TimeToServe {
  const containers = new Map((task.containerDefinitions ?? []).map((container) => [container.name, container]));
  const startOf = (container: ContainerDefinition, seen: readonly string[] = []): number => {
    if (seen.includes(String(container.name))) throw new Error(`dependsOn cycle: ${[...seen, container.name].join(' -> ')}`);
    let start = 0;
    for (const { containerName, condition } of container.dependsOn ?? []) {
      const target = containers.get(containerName);
      if (target === undefined) throw new Error(`${container.name} depends on ${containerName}, which is not in the task`);
      const wait = condition === 'HEALTHY' ? (target.healthCheck?.interval ?? DEFAULT_INTERVAL) : 0;
      start = Math.max(start, startOf(target, [...seen, String(container.name)]) + wait);
    }
    return start;
  };
  const registeredAfter = Math.max(0, ...[...containers.values()].filter((c) => c.essential !== false).map((c) => startOf(c)));
  const earliest = registeredAfter + (check.healthyThreshold - 1) * check.intervalSeconds;
  return { registeredAfter, earliest, latest: earliest + check.intervalSeconds };
}

/** The same, for a synthesized template: its task definition and its target group's health check. */
export function templateTimeToServe(template: CfnTemplate): TimeToServe {
  const groups = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::ElasticLoadBalancingV2::TargetGroup');
  if (groups.length !== 1) throw new Error(`expected one target group in the template, found ${groups.length}`);
  const { HealthCheckIntervalSeconds, HealthyThresholdCount } = groups[0]!.Properties as { HealthCheckIntervalSeconds?: number; HealthyThresholdCount?: number };
  // The target group's defaults for HTTP targets.
  return timeToServe(taskDefinitionOf(template), { intervalSeconds: HealthCheckIntervalSeconds ?? 30, healthyThreshold: HealthyThresholdCount ?? 5 });
}
