// The ECS service: the task behind the load balancer's target group, rolled
// out new-before-old, rolled back by the circuit breaker or the deployment
// alarms, scaled on CPU and on requests per task.
import { Duration, Validations } from 'aws-cdk-lib';
import { Peer, Port, SecurityGroup, type IVpc, type SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { FargateService, PropagatedTagSource, type ICluster } from 'aws-cdk-lib/aws-ecs';
import type { ApplicationTargetGroup } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { FRONTEND_PORT, type Task } from './task.ts';

export interface ServiceProps {
  readonly cluster: ICluster;
  readonly vpc: IVpc;
  readonly task: Task;
  readonly subnets: SubnetSelection;
  /** Tasks in public subnets need a public IP to reach the AWS APIs. */
  readonly assignPublicIp: boolean;
  readonly targetGroup: ApplicationTargetGroup;
  readonly enableExecuteCommand: boolean;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly requestsPerTarget: number;
}

export class Service extends Construct {
  readonly service: FargateService;

  constructor(scope: Construct, id: string, props: ServiceProps) {
    super(scope, id);

    // Ingress comes from the load balancer only (CDK adds that rule when the
    // service joins the target group). The backend's 8080 is open to nothing:
    // it listens on the task's loopback and is in no port mapping.
    const securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'The tasks: the frontend port from the load balancer only; HTTPS out to AWS APIs',
      allowAllOutbound: false,
    });
    securityGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(443), 'AWS APIs: ECR, CloudWatch Logs, Secrets Manager');

    this.service = new FargateService(this, 'Service', {
      cluster: props.cluster,
      taskDefinition: props.task.definition,
      vpcSubnets: props.subnets,
      securityGroups: [securityGroup],
      assignPublicIp: props.assignPublicIp,
      // No desiredCount: auto scaling owns the task count, so a deploy never
      // resets it (nor fails on a service scaled to 0). A new service starts with 1
      // and auto scaling raises it to minCapacity.
      // Start the new tasks before stopping the old: capacity never drops.
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      // Tasks of a new revision that keep failing stop the deployment and bring
      // back the last revision that ran; `cdk deploy` then fails.
      circuitBreaker: { enable: true, rollback: true },
      // The frontend waits for a healthy backend (10 s start period), has its own
      // 15 s, then needs two passing checks 10 s apart: 60 s covers it.
      healthCheckGracePeriod: Duration.seconds(60),
      enableExecuteCommand: props.enableExecuteCommand,
      propagateTags: PropagatedTagSource.SERVICE,
      enableECSManagedTags: true,
    });
    if (props.enableExecuteCommand) {
      // CDK gives the task role the four ssmmessages actions ECS Exec uses.
      Validations.of(props.task.definition.taskRole).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason: 'ECS Exec: the ssmmessages actions have no resource to scope',
      });
    }
    this.service
      .loadBalancerTarget({ containerName: props.task.frontend.containerName, containerPort: FRONTEND_PORT })
      .attachToApplicationTargetGroup(props.targetGroup);

    // Add tasks quickly, remove them slowly. The requests per task per minute
    // default to 70% of what one task sustains (docs/performance.md, capacity).
    const scaling = this.service.autoScaleTaskCount({ minCapacity: props.minCapacity, maxCapacity: props.maxCapacity });
    const cooldowns = { scaleOutCooldown: Duration.seconds(60), scaleInCooldown: Duration.seconds(300) };
    scaling.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: 60, ...cooldowns });
    scaling.scaleOnRequestCount('Requests', { targetGroup: props.targetGroup, requestsPerTarget: props.requestsPerTarget, ...cooldowns });
  }
}
