import { randomUUID } from 'node:crypto';
import type { TestContext } from 'node:test';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { fakeBackend } from './fake-backend.ts';

/**
 * Secrets Manager's GetSecretValue over its real wire protocol (JSON 1.1,
 * X-Amz-Target), so the tests run the real SDK client against it. Set
 * `secrets` or `failure` to change what it answers.
 */
export async function fakeSecretsManager(t: TestContext) {
  const state = {
    secrets: new Map<string, string>(),
    failure: undefined as { status: number; type: string } | undefined,
    calls: 0,
  };
  const url = await fakeBackend(t, (req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      state.calls += 1;
      const reply = (status: number, payload: object) =>
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(payload));
      if (req.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') return reply(400, { __type: 'UnknownOperationException' });
      if (state.failure !== undefined) return reply(state.failure.status, { __type: state.failure.type, message: `injected ${state.failure.type}` });
      const { SecretId } = JSON.parse(body) as { SecretId: string };
      const secret = state.secrets.get(SecretId);
      if (secret === undefined) return reply(400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
      reply(200, {
        ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${SecretId}-AbCdEf`,
        Name: SecretId,
        SecretString: secret,
        VersionId: randomUUID(),
        VersionStages: ['AWSCURRENT'],
        CreatedDate: Date.now() / 1000,
      });
    });
  });
  const client = new SecretsManagerClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  t.after(() => client.destroy());
  return { state, client, url };
}
