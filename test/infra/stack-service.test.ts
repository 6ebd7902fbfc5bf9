// The service, its load balancer, its scaling and its alarms, in the synthesized stack.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onlyOf, resourcesOf, synthesized } from '../helpers/synthesized.ts';

const service = onlyOf('AWS::ECS::Service').Properties!;
const targetGroup = onlyOf('AWS::ElasticLoadBalancingV2::TargetGroup');
const attribute = (key: string) => (targetGroup.Properties!.TargetGroupAttributes as Array<{ Key: string; Value: string }>).find((a) => a.Key === key)?.Value;

test('the target group registers the tasks by IP and checks GET /health/ready on 3000, expecting 200', () => {
  const { TargetType, Protocol, Port, HealthCheckPath, HealthCheckProtocol, Matcher } = targetGroup.Properties!;
  assert.deepEqual({ TargetType, Protocol, Port, HealthCheckPath, HealthCheckProtocol, Matcher }, {
    TargetType: 'ip',
    Protocol: 'HTTP',
    Port: 3000,
    HealthCheckPath: '/health/ready',
    HealthCheckProtocol: 'HTTP',
    Matcher: { HttpCode: '200' },
  });
  assert.deepEqual(service.LoadBalancers, [{ ContainerName: 'frontend', ContainerPort: 3000, TargetGroupArn: { Ref: targetGroup.id } }]);
});

test('draining ends before ECS stops the containers: the deregistration delay is below every stopTimeout', () => {
  const delay = Number(attribute('deregistration_delay.timeout_seconds'));
  const containers = onlyOf('AWS::ECS::TaskDefinition').Properties!.ContainerDefinitions as Array<{ Name: string; StopTimeout?: number }>;
  for (const { Name, StopTimeout } of containers) assert.ok(delay < (StopTimeout ?? 30), `${Name}: deregistration delay ${delay} s >= stopTimeout ${StopTimeout} s`);
});

test('a new task gets a share of requests that grows over 60 s (slow start), which round robin allows', () => {
  assert.equal(attribute('slow_start.duration_seconds'), '60');
  assert.notEqual(attribute('load_balancing.algorithm.type'), 'least_outstanding_requests');
});

test('the HTTP listener forwards to the target group', () => {
  const [listener, ...others] = resourcesOf('AWS::ElasticLoadBalancingV2::Listener');
  assert.deepEqual(others, []);
  assert.deepEqual([listener!.Properties!.Port, listener!.Properties!.Protocol, listener!.Properties!.DefaultActions], [80, 'HTTP', [{ Type: 'forward', TargetGroupArn: { Ref: targetGroup.id } }]]);
});

test('a deployment starts new tasks before stopping old ones, and the circuit breaker rolls a failing one back', () => {
  const { MinimumHealthyPercent, MaximumPercent, DeploymentCircuitBreaker } = service.DeploymentConfiguration;
  assert.deepEqual({ MinimumHealthyPercent, MaximumPercent, DeploymentCircuitBreaker }, {
    MinimumHealthyPercent: 100,
    MaximumPercent: 200,
    DeploymentCircuitBreaker: { Enable: true, Rollback: true },
  });
  assert.equal(service.LaunchType, 'FARGATE');
  assert.ok(service.HealthCheckGracePeriodSeconds >= 30, 'new tasks get time to pass their first checks');
});

test('the deployment alarms are the stack\'s five alarms, and tripping one rolls the deployment back', () => {
  const alarms = resourcesOf('AWS::CloudWatch::Alarm').map((alarm) => alarm.Properties!.AlarmName);
  assert.equal(alarms.length, 5);
  assert.deepEqual(service.DeploymentConfiguration.Alarms, { AlarmNames: alarms, Enable: true, Rollback: true });
});

test('the alarms watch the target 5xx rate, p99 response time, unhealthy targets, service CPU and memory', () => {
  const watched = resourcesOf('AWS::CloudWatch::Alarm').map(({ Properties: alarm }) => {
    const metrics = alarm!.Metrics ? alarm!.Metrics.filter((m: { MetricStat?: unknown }) => m.MetricStat).map((m: any) => m.MetricStat.Metric.MetricName) : [alarm!.MetricName];
    return [alarm!.AlarmName, alarm!.ExtendedStatistic ?? alarm!.Statistic ?? 'expression', ...metrics, alarm!.Threshold];
  });
  assert.deepEqual(watched, [
    ['fargate-task-reference-target-5xx-rate', 'expression', 'HTTPCode_Target_5XX_Count', 'RequestCount', 5],
    ['fargate-task-reference-target-p99-response-time', 'p99', 'TargetResponseTime', 1],
    ['fargate-task-reference-unhealthy-targets', 'Maximum', 'UnHealthyHostCount', 1],
    ['fargate-task-reference-service-cpu', 'Average', 'CPUUtilization', 90],
    ['fargate-task-reference-service-memory', 'Average', 'MemoryUtilization', 90],
  ]);
});

test('auto scaling owns the task count: the service sets none, so a deploy never resets it', () => {
  assert.equal(service.DesiredCount, undefined);
  const { MinCapacity, MaxCapacity } = onlyOf('AWS::ApplicationAutoScaling::ScalableTarget').Properties!;
  assert.deepEqual([MinCapacity, MaxCapacity], [2, 6]);
});

test('auto scaling tracks CPU at 60% and requests per task at 12600 a minute', () => {
  const policies = resourcesOf('AWS::ApplicationAutoScaling::ScalingPolicy').map(({ Properties: policy }) => {
    const { PredefinedMetricSpecification, TargetValue } = policy!.TargetTrackingScalingPolicyConfiguration;
    return [PredefinedMetricSpecification.PredefinedMetricType, TargetValue];
  });
  assert.deepEqual(policies.sort(), [
    ['ALBRequestCountPerTarget', 12_600],
    ['ECSServiceAverageCPUUtilization', 60],
  ]);
});

test('the cluster, log group, secret and alarms are named after the stack; the logs keep 30 days', () => {
  assert.equal(onlyOf('AWS::ECS::Cluster').Properties!.ClusterName, 'fargate-task-reference');
  assert.deepEqual(onlyOf('AWS::Logs::LogGroup').Properties, { LogGroupName: '/ecs/fargate-task-reference', RetentionInDays: 30 });
  assert.equal(onlyOf('AWS::SecretsManager::Secret').Properties!.Name, 'fargate-task-reference/internal-token');
});

test('the secret is generated by Secrets Manager: its value is in no template', () => {
  const { GenerateSecretString, SecretString } = onlyOf('AWS::SecretsManager::Secret').Properties!;
  assert.equal(SecretString, undefined);
  assert.deepEqual(GenerateSecretString, { ExcludePunctuation: true, GenerateStringKey: 'token', PasswordLength: 48, SecretStringTemplate: '{}' });
});

test('the outputs say where the service answers and what to look at', () => {
  const outputs = synthesized().Outputs as Record<string, { Value: unknown }>;
  assert.deepEqual(Object.keys(outputs).sort(), ['ClusterName', 'LoadBalancerDnsName', 'LogGroupName', 'SecretArn', 'ServiceName', 'ServiceUrl']);
  const loadBalancer = onlyOf('AWS::ElasticLoadBalancingV2::LoadBalancer').id;
  assert.deepEqual(outputs.ServiceUrl!.Value, { 'Fn::Join': ['', ['http://', { 'Fn::GetAtt': [loadBalancer, 'DNSName'] }]] });
});
