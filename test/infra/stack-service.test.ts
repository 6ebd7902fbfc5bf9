// The service, its load balancer, its scaling and its alarms, in the synthesized stack.
import { Capture, Match } from 'aws-cdk-lib/assertions';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PROJECT_NAME } from '../../services/shared/project.ts';
import { template } from '../helpers/synthesized.ts';

const t = template();
const targetGroup = () => t.getResourceId('AWS::ElasticLoadBalancingV2::TargetGroup');
const attribute = (Key: string, Value: unknown) => ({ TargetGroupAttributes: Match.arrayWith([{ Key, Value }]) });

test('the target group registers the tasks by IP and checks GET /health/ready on 3000, expecting 200', () => {
  t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
    TargetType: 'ip',
    Protocol: 'HTTP',
    Port: 3000,
    HealthCheckPath: '/health/ready',
    HealthCheckProtocol: 'HTTP',
    Matcher: Match.exact({ HttpCode: '200' }),
  });
  t.resourceCountIs('AWS::ECS::Service', 1);
  t.hasResourceProperties('AWS::ECS::Service', { LoadBalancers: Match.exact([{ ContainerName: 'frontend', ContainerPort: 3000, TargetGroupArn: { Ref: targetGroup() } }]) });
});

test('draining ends before ECS stops the containers: the deregistration delay is below every stopTimeout', () => {
  const [delay, containers] = [new Capture(), new Capture()];
  t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', attribute('deregistration_delay.timeout_seconds', delay));
  t.hasResourceProperties('AWS::ECS::TaskDefinition', { ContainerDefinitions: containers });
  for (const { Name, StopTimeout } of containers.asArray() as Array<{ Name: string; StopTimeout?: number }>) {
    assert.ok(Number(delay.asString()) < (StopTimeout ?? 30), `${Name}: deregistration delay ${delay.asString()} s >= stopTimeout ${StopTimeout} s`);
  }
});

test('a new task gets a share of requests that grows over 60 s (slow start), which round robin allows', () => {
  t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', attribute('slow_start.duration_seconds', '60'));
  t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
    TargetGroupAttributes: Match.not(Match.arrayWith([{ Key: 'load_balancing.algorithm.type', Value: 'least_outstanding_requests' }])),
  });
});

test('the HTTP listener forwards to the target group', () => {
  t.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
  t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, Protocol: 'HTTP', DefaultActions: Match.exact([{ Type: 'forward', TargetGroupArn: { Ref: targetGroup() } }]) });
});

test('a deployment starts new tasks before stopping old ones, and the circuit breaker rolls a failing one back', () => {
  const gracePeriod = new Capture();
  t.hasResourceProperties('AWS::ECS::Service', {
    DeploymentConfiguration: { MinimumHealthyPercent: 100, MaximumPercent: 200, DeploymentCircuitBreaker: Match.exact({ Enable: true, Rollback: true }) },
    LaunchType: 'FARGATE',
    HealthCheckGracePeriodSeconds: gracePeriod,
  });
  assert.ok(gracePeriod.asNumber() >= 30, 'new tasks get time to pass their first checks');
});

test('the deployment alarms are the stack\'s five alarms, and tripping one rolls the deployment back', () => {
  const alarms = Object.values(t.findResources('AWS::CloudWatch::Alarm')).map((alarm) => alarm.Properties.AlarmName);
  t.resourceCountIs('AWS::CloudWatch::Alarm', 5);
  t.hasResourceProperties('AWS::ECS::Service', { DeploymentConfiguration: { Alarms: Match.exact({ AlarmNames: alarms, Enable: true, Rollback: true }) } });
});

test('the alarms watch the target 5xx rate, p99 response time, unhealthy targets, service CPU and memory', () => {
  const alarm = (name: string, properties: object) => t.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: `${PROJECT_NAME}-${name}`, ...properties });
  const metric = (MetricName: string) => ({ MetricStat: { Metric: { MetricName } } });
  t.resourceCountIs('AWS::CloudWatch::Alarm', 5);
  alarm('target-5xx-rate', {
    Statistic: Match.absent(),
    ExtendedStatistic: Match.absent(),
    // The expression, then the two metrics it divides.
    Metrics: [{ Expression: Match.anyValue(), MetricStat: Match.absent() }, metric('HTTPCode_Target_5XX_Count'), metric('RequestCount')],
    Threshold: 5,
  });
  alarm('target-p99-response-time', { ExtendedStatistic: 'p99', MetricName: 'TargetResponseTime', Threshold: 1 });
  alarm('unhealthy-targets', { Statistic: 'Maximum', MetricName: 'UnHealthyHostCount', Threshold: 1 });
  alarm('service-cpu', { Statistic: 'Average', MetricName: 'CPUUtilization', Threshold: 90 });
  alarm('service-memory', { Statistic: 'Average', MetricName: 'MemoryUtilization', Threshold: 90 });
});

test('auto scaling owns the task count: the service sets none, so a deploy never resets it', () => {
  t.hasResourceProperties('AWS::ECS::Service', { DesiredCount: Match.absent() });
  t.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 1);
  t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 6 });
});

test('auto scaling tracks CPU at 60% and requests per task at 12600 a minute', () => {
  const tracks = (PredefinedMetricType: string, TargetValue: number) =>
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', { TargetTrackingScalingPolicyConfiguration: { PredefinedMetricSpecification: { PredefinedMetricType }, TargetValue } });
  t.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 2);
  tracks('ALBRequestCountPerTarget', 12_600);
  tracks('ECSServiceAverageCPUUtilization', 60);
});

test('the cluster, log group, secret and alarms are named after the stack; the logs keep 30 days', () => {
  t.resourceCountIs('AWS::ECS::Cluster', 1);
  t.hasResourceProperties('AWS::ECS::Cluster', { ClusterName: PROJECT_NAME });
  t.resourceCountIs('AWS::Logs::LogGroup', 1);
  t.hasResourceProperties('AWS::Logs::LogGroup', Match.exact({ LogGroupName: `/ecs/${PROJECT_NAME}`, RetentionInDays: 30 }));
  t.resourceCountIs('AWS::SecretsManager::Secret', 1);
  t.hasResourceProperties('AWS::SecretsManager::Secret', { Name: `${PROJECT_NAME}/internal-token` });
});

test('the secret is generated by Secrets Manager: its value is in no template', () => {
  t.resourceCountIs('AWS::SecretsManager::Secret', 1);
  t.hasResourceProperties('AWS::SecretsManager::Secret', {
    SecretString: Match.absent(),
    GenerateSecretString: Match.exact({ ExcludePunctuation: true, GenerateStringKey: 'token', PasswordLength: 48, SecretStringTemplate: '{}' }),
  });
});

test('the outputs say where the service answers and what to look at', () => {
  assert.deepEqual(Object.keys(t.findOutputs('*')).sort(), ['ClusterName', 'LoadBalancerDnsName', 'LogGroupName', 'SecretArn', 'ServiceName', 'ServiceUrl']);
  const loadBalancer = t.getResourceId('AWS::ElasticLoadBalancingV2::LoadBalancer');
  t.hasOutput('ServiceUrl', { Value: Match.exact({ 'Fn::Join': ['', ['http://', { 'Fn::GetAtt': [loadBalancer, 'DNSName'] }]] }) });
});
