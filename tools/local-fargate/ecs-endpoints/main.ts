// `node tools/local-fargate/ecs-endpoints/main.ts`: ECS's endpoints, run by
// the compose task's namespace owner (docker-compose.yml, service `task`).
import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { ConfigError } from '../../../services/shared/load-config.ts';
import { buildEndpoints } from './app.ts';
import { loadEndpointsConfig, readTaskDefinition } from './config.ts';
import { TaskRoleCredentials } from './credentials.ts';
import { dockerOverSocket } from './docker.ts';

let settings, definition;
try {
  settings = loadEndpointsConfig(process.env);
  definition = readTaskDefinition(settings.taskDefinitionFile);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`ecs-endpoints: ${error.message}\n`);
  process.exit(1);
}

// A Fargate task id: 32 hex digits, new for every task (here: every start of the namespace owner).
const taskId = randomBytes(16).toString('hex');
const account = settings.roleArn.split(':')[4]!;
const addresses = Object.values(networkInterfaces()).flatMap((list) => list ?? []);
const sts = new STSClient({ region: settings.region });

const app = buildEndpoints(
  {
    project: settings.project,
    containers: definition.containers,
    credentialsId: settings.credentialsId,
    localAddresses: addresses.map((a) => a.address),
    logLevel: settings.logLevel,
    task: {
      cluster: `arn:aws:ecs:${settings.region}:${account}:cluster/${settings.project}`,
      taskArn: `arn:aws:ecs:${settings.region}:${account}:task/${settings.project}/${taskId}`,
      family: definition.family,
      // The rendered task definition has none: ECS numbers a family's revisions from 1 as they are registered.
      revision: '1',
      availabilityZone: `${settings.region}a`,
      limits: { cpu: settings.taskCpu ?? definition.cpu, memory: settings.taskMemory ?? definition.memory },
      address: addresses.find((a) => a.family === 'IPv4' && !a.internal)?.address ?? settings.host,
    },
  },
  {
    docker: dockerOverSocket(settings.dockerSocket),
    credentials: new TaskRoleCredentials({
      roleArn: settings.roleArn,
      sessionName: taskId,
      durationSeconds: settings.credentialsDurationSeconds,
      async assumeRole({ roleArn, sessionName, durationSeconds }) {
        const { Credentials: c } = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName, DurationSeconds: durationSeconds }));
        if (c?.AccessKeyId === undefined || c.SecretAccessKey === undefined || c.SessionToken === undefined || c.Expiration === undefined) {
          throw new Error('STS answered AssumeRole without credentials');
        }
        app.log.info({ roleArn, expiration: c.Expiration }, 'assumed the task role');
        return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
      },
    }),
  },
);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    app.log.info({ signal }, 'stopping');
    void app.close().then(() => process.exit(0));
  });
}

await app.listen({ host: settings.host, port: settings.port });
