// The task definition in the synthesized template: what each container may
// do, how it starts, stops and logs.
import { Match } from 'aws-cdk-lib/assertions';
import { test } from 'node:test';
import { PROJECT_NAME } from '../../services/shared/project.ts';
import { template } from '../helpers/synthesized.ts';

const t = template();
/** Asserts that the task definition has a container of this name with these properties (objectLike). */
const container = (Name: string, properties: object) =>
  t.hasResourceProperties('AWS::ECS::TaskDefinition', { ContainerDefinitions: Match.arrayWith([Match.objectLike({ Name, ...properties })]) });

test('the task is one Fargate task of 0.5 vCPU and 1024 MiB, family named after the stack', () => {
  t.resourceCountIs('AWS::ECS::TaskDefinition', 1);
  t.hasResourceProperties('AWS::ECS::TaskDefinition', {
    Family: PROJECT_NAME,
    NetworkMode: 'awsvpc',
    RequiresCompatibilities: ['FARGATE'],
    Cpu: '512',
    Memory: '1024',
    RuntimePlatform: Match.exact({ CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' }),
    ContainerDefinitions: [{ Name: 'backend' }, { Name: 'frontend' }],
  });
});

test('the backend has no port mapping; the frontend maps only 3000/tcp', () => {
  container('backend', { PortMappings: Match.absent() });
  container('frontend', { PortMappings: Match.exact([{ ContainerPort: 3000, Protocol: 'tcp' }]) });
});

for (const name of ['backend', 'frontend']) {
  test(`${name}: runs as 1000:1000 on a read-only root filesystem, no Linux capability, an init process`, () => {
    container(name, {
      User: '1000:1000',
      ReadonlyRootFilesystem: true,
      LinuxParameters: Match.exact({ Capabilities: { Drop: ['ALL'] }, InitProcessEnabled: true }),
      Essential: true,
    });
  });

  test(`${name}: restarted in place when it exits, if it ran for 60 s, rather than stopping the task`, () => {
    container(name, { RestartPolicy: Match.exact({ Enabled: true, RestartAttemptPeriod: 60 }) });
  });

  test(`${name}: checked every 5 s, ECS's shortest interval, giving up after 3 s`, () => {
    container(name, { HealthCheck: { Interval: 5, Timeout: 3, Retries: 3 } });
  });

  test(`${name}: half the task's CPU weight, 256 MiB, and 30 s between SIGTERM and SIGKILL`, () => {
    container(name, { Cpu: 256, Memory: 256, StopTimeout: 30 });
  });

  test(`${name}: logs to the stack's log group, streams prefixed with the stack name, never blocking on a full buffer`, () => {
    container(name, {
      LogConfiguration: {
        LogDriver: 'awslogs',
        Options: Match.exact({
          'awslogs-group': { Ref: t.getResourceId('AWS::Logs::LogGroup') },
          'awslogs-region': { Ref: 'AWS::Region' },
          'awslogs-stream-prefix': PROJECT_NAME,
          mode: 'non-blocking',
          'max-buffer-size': '4194304b',
        }),
      },
    });
  });

  test(`${name}: SECRET_ID names the stack's secret; the token itself is in no variable`, () => {
    container(name, {
      Environment: Match.arrayWith([{ Name: 'SECRET_ID', Value: { Ref: t.getResourceId('AWS::SecretsManager::Secret') } }]),
      Secrets: Match.absent(),
    });
  });
}

test('the backend is healthy once GET /health on 8080 answers; the frontend is alive once GET /health/live on 3000 does', () => {
  container('backend', { HealthCheck: { Command: ['CMD', 'bash', 'services/healthcheck.sh', '8080', '/health'] } });
  container('frontend', { HealthCheck: { Command: ['CMD', 'bash', 'services/healthcheck.sh', '3000', '/health/live'] } });
});

test('the frontend starts after the backend has started (it stops first), and reaches it on localhost', () => {
  container('frontend', {
    DependsOn: Match.exact([{ ContainerName: 'backend', Condition: 'START' }]),
    Environment: Match.arrayWith([{ Name: 'BACKEND_URL', Value: 'http://localhost:8080' }]),
  });
  container('backend', { DependsOn: Match.absent() });
});
