// The internet-facing Application Load Balancer, its listeners and the target
// group the tasks join. HTTP only, or HTTPS with HTTP redirected to it.
import { Duration, Validations } from 'aws-cdk-lib';
import { SecurityGroup, type IVpc, type SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import {
  ApplicationLoadBalancer,
  ApplicationProtocol,
  ApplicationTargetGroup,
  ListenerAction,
  ListenerCertificate,
  Protocol,
  SslPolicy,
  TargetType,
} from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { FRONTEND_PORT } from './task.ts';

export interface LoadBalancerProps {
  readonly vpc: IVpc;
  readonly subnets: SubnetSelection;
  readonly https: { readonly certificateArn: string; readonly domainName: string } | undefined;
}

export class LoadBalancer extends Construct {
  readonly alb: ApplicationLoadBalancer;
  readonly targetGroup: ApplicationTargetGroup;
  /** Where users open the service. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: LoadBalancerProps) {
    super(scope, id);

    // No egress of its own: CDK adds the one rule it needs, to the tasks on 3000.
    const securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'The load balancer: its listeners from anywhere, to the tasks on the frontend port only',
      allowAllOutbound: false,
    });
    Validations.of(securityGroup).acknowledge({ id: 'AwsSolutions::AwsSolutions-EC23', reason: 'An internet-facing load balancer: 80 and 443 are open to anyone by design' });

    this.alb = new ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      internetFacing: true,
      securityGroup,
      // The frontend keeps idle connections 65 s (KEEP_ALIVE_TIMEOUT_MS), longer
      // than this, so the load balancer never reuses one the task has closed.
      idleTimeout: Duration.seconds(60),
      dropInvalidHeaderFields: true,
    });
    Validations.of(this.alb).acknowledge({
      id: 'AwsSolutions::AwsSolutions-ELB2',
      reason: 'Access logs need an S3 bucket and its policy; the frontend logs every request itself. alb.logAccessLogs(bucket) turns them on',
    });

    this.targetGroup = new ApplicationTargetGroup(this, 'TargetGroup', {
      vpc: props.vpc,
      // awsvpc tasks register by IP address.
      targetType: TargetType.IP,
      protocol: ApplicationProtocol.HTTP,
      port: FRONTEND_PORT,
      healthCheck: {
        // Ready means the frontend and the backend behind it both answer.
        path: '/health/ready',
        protocol: Protocol.HTTP,
        // A new task takes traffic after two passes, 5 s apart; a failing one
        // leaves after three. The check gives up on the backend after 2 s.
        interval: Duration.seconds(5),
        timeout: Duration.seconds(3),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
        healthyHttpCodes: '200',
      },
      // Stopping a task: deregister, drain for this long, then SIGTERM with 30 s
      // (the containers' stopTimeout) to finish. The default 300 s would outlast
      // it; 20 s is longer than any request the frontend lets run.
      deregistrationDelay: Duration.seconds(20),
      // A new task's share of requests grows from nothing to a full one over
      // a minute: under a quarter vCPU, V8 compiling a cold task's hot code
      // stalls the task for seconds within its first 15,000 requests, and
      // fewer requests then meet the stall (docs/performance.md). Needs round
      // robin, the default.
      slowStart: Duration.seconds(60),
    });

    if (props.https === undefined) {
      this.alb.addListener('Http', { protocol: ApplicationProtocol.HTTP, port: 80, open: true, defaultTargetGroups: [this.targetGroup] });
      this.url = `http://${this.alb.loadBalancerDnsName}`;
      return;
    }
    this.alb.addListener('Https', {
      protocol: ApplicationProtocol.HTTPS,
      port: 443,
      open: true,
      sslPolicy: SslPolicy.RECOMMENDED_TLS,
      certificates: [ListenerCertificate.fromArn(props.https.certificateArn)],
      defaultTargetGroups: [this.targetGroup],
    });
    this.alb.addListener('Http', {
      protocol: ApplicationProtocol.HTTP,
      port: 80,
      open: true,
      defaultAction: ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
    });
    this.url = `https://${props.https.domainName}`;
  }
}
