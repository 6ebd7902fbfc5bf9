// Piped into `node` inside an app container (`docker compose exec`): ECS's
// endpoints as the container finds them, through its own environment, and
// the credentials the AWS SDK's default chain picks up there. Prints JSON
// with no secret in it: the test that asked may print it when it fails.
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const metadata = process.env.ECS_CONTAINER_METADATA_URI_V4;
const relative = process.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
if (metadata === undefined || relative === undefined) throw new Error('ECS_CONTAINER_METADATA_URI_V4 or AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is not set');

async function get(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: await res.json() };
}

// Docker's first sample of a container comes a second or two after it is first asked for.
async function stats(): Promise<Record<string, any>> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const { body } = await get(`${metadata}/task/stats`);
    const complete = Object.values(body).every((doc: any) => doc !== null && doc.preread !== '0001-01-01T00:00:00Z');
    if (complete || Date.now() > deadline) return body;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const self = await get(metadata);
const task = await get(`${metadata}/task`);
const credentials = await get(`http://169.254.170.2${relative}`);
const sdk = await new SecretsManagerClient({}).config.credentials();
const taskStats = await stats();

console.log(
  JSON.stringify({
    env: {
      metadata,
      relative,
      keys: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'].filter((name) => name in process.env),
    },
    self: { status: self.status, ...self.body },
    task: { status: task.status, ...task.body },
    credentials: {
      status: credentials.status,
      fields: Object.keys(credentials.body).sort(),
      accessKeyId: credentials.body.AccessKeyId,
      expiration: credentials.body.Expiration,
      roleArn: credentials.body.RoleArn,
      secretAndToken: typeof credentials.body.SecretAccessKey === 'string' && credentials.body.SecretAccessKey.length > 0 && typeof credentials.body.Token === 'string' && credentials.body.Token.length > 0,
    },
    // The SDK's default chain, with no key in the environment, reads the same credentials.
    sdk: { sameKeys: sdk.accessKeyId === credentials.body.AccessKeyId && sdk.secretAccessKey === credentials.body.SecretAccessKey && sdk.sessionToken === credentials.body.Token },
    stats: Object.fromEntries(
      Object.entries(taskStats).map(([id, doc]) => [id, doc === null ? null : { cpu: typeof doc.cpu_stats?.cpu_usage?.total_usage === 'number', memory: typeof doc.memory_stats?.usage === 'number', previous: doc.preread !== '0001-01-01T00:00:00Z' }]),
    ),
  }),
);
