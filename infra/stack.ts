// The whole deployment, top to bottom: network, secret, logs, the task, the
// cluster, the load balancer, the service and its alarms, and (opt-in) what
// GitHub Actions deploys with. Every choice comes from StackOptions
// (options.ts); nothing is looked up, so it synthesizes offline.
import { CfnOutput, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { Cluster, CpuArchitecture, type ICluster } from 'aws-cdk-lib/aws-ecs';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { Alarms } from './alarms.ts';
import { GitHubDeploy } from './github-deploy.ts';
import { builtImages, prebuiltImages } from './images.ts';
import { LoadBalancer } from './load-balancer.ts';
import { Network } from './network.ts';
import type { StackOptions } from './options.ts';
import { Service } from './service.ts';
import { Task } from './task.ts';

export class FargateTaskStack extends Stack {
  constructor(scope: Construct, options: StackOptions, props: StackProps = {}) {
    const name = options.stackName;
    super(scope, name, { stackName: name, description: `${name}: a two-container Fargate task behind an Application Load Balancer`, ...props });

    const network = new Network(this, 'Network', { existingVpc: options.existingVpc, taskSubnets: options.taskSubnets });

    // The token the frontend sends to the backend. Secrets Manager generates it:
    // its value never appears in the template, the context or the deploy's output.
    const secret =
      options.existingSecretArn === undefined
        ? new Secret(this, 'InternalToken', {
            secretName: `${name}/internal-token`,
            description: 'Token the frontend presents to the backend; read at run time by both containers with the task role',
            generateSecretString: { secretStringTemplate: '{}', generateStringKey: 'token', passwordLength: 48, excludePunctuation: true },
          })
        : Secret.fromSecretCompleteArn(this, 'InternalToken', options.existingSecretArn);
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason: 'Rotation needs a rotation function of your own; the services re-read the token and accept the previous one meanwhile (docs/internal-token.md)',
    });

    // Deleted with the stack: a retained group of the same name would make the next deploy of this stack fail.
    const logGroup = new LogGroup(this, 'Logs', { logGroupName: `/ecs/${name}`, retention: options.logRetentionDays, removalPolicy: RemovalPolicy.DESTROY });

    const cpuArchitecture = options.graviton ? CpuArchitecture.ARM64 : CpuArchitecture.X86_64;
    const prebuilt = options.images === undefined ? undefined : prebuiltImages(this, options.images);
    const task = new Task(this, 'Task', {
      name,
      images: prebuilt?.images ?? builtImages(cpuArchitecture),
      logGroup,
      secretArn: secret.secretArn,
      cpuArchitecture,
      writableRootFilesystem: options.ecsExec,
    });
    prebuilt?.grantPull(task.definition);
    // Both services read the token with the SDK at run time (not `secrets`
    // injection), so the task role reads it, not the execution role.
    task.definition.addToTaskRolePolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }));

    // Named after the stack: `aws ecs list-services --cluster <stack name>`.
    const cluster = new Cluster(this, 'Cluster', { clusterName: name, vpc: network.vpc });
    Validations.of(cluster).acknowledge({
      id: 'AwsSolutions::AwsSolutions-ECS4',
      reason: "Container Insights is billed per metric; the alarms use the service's standard CPU and memory metrics",
    });

    const loadBalancer = new LoadBalancer(this, 'LoadBalancer', { vpc: network.vpc, subnets: network.loadBalancerSubnets, https: options.https });

    const { service } = new Service(this, 'Service', {
      // aws-cdk-lib's types predate exactOptionalPropertyTypes (tsconfig.json): a Cluster is an ICluster.
      cluster: cluster as ICluster,
      vpc: network.vpc,
      task,
      subnets: network.taskSubnets,
      assignPublicIp: options.taskSubnets === 'public',
      targetGroup: loadBalancer.targetGroup,
      enableExecuteCommand: options.ecsExec,
      minCapacity: options.minCapacity,
      maxCapacity: options.maxCapacity,
      requestsPerTarget: options.requestsPerTarget,
    });

    new Alarms(this, 'Alarms', { name, service, targetGroup: loadBalancer.targetGroup });

    // -c githubRepository=owner/name: a role that repository's main branch
    // assumes through GitHub's OIDC provider, and the image repositories its
    // workflow pushes to (.github/workflows/ci.yml).
    const githubDeploy = options.githubDeploy === undefined ? undefined : new GitHubDeploy(this, 'GitHubDeploy', options.githubDeploy);

    new CfnOutput(this, 'ServiceUrl', { description: 'Where the service answers', value: loadBalancer.url });
    new CfnOutput(this, 'LoadBalancerDnsName', { description: "Point your domain's CNAME or alias record here", value: loadBalancer.alb.loadBalancerDnsName });
    new CfnOutput(this, 'ClusterName', { value: cluster.clusterName });
    new CfnOutput(this, 'ServiceName', { value: service.serviceName });
    new CfnOutput(this, 'LogGroupName', { value: logGroup.logGroupName });
    new CfnOutput(this, 'SecretArn', { value: secret.secretArn });
    if (githubDeploy !== undefined) {
      // Read by the workflow by these keys (and the role ARN by you, once).
      new CfnOutput(this, 'GitHubDeployRoleArn', { description: 'The GitHub repository variable AWS_DEPLOY_ROLE_ARN', value: githubDeploy.role.roleArn });
      new CfnOutput(this, 'FrontendRepositoryUri', { description: 'Where GitHub Actions pushes the frontend image', value: githubDeploy.repositories.frontend.repositoryUri });
      new CfnOutput(this, 'BackendRepositoryUri', { description: 'Where GitHub Actions pushes the backend image', value: githubDeploy.repositories.backend.repositoryUri });
    }
  }
}
