// Piped into `node` inside the frontend container (`docker compose exec`):
// reads the secret as the services do, with the SDK and the container's own
// environment (SECRET_ID, the emulator's endpoint, and the task role's
// credentials from ECS's endpoint in the task: the container holds no keys).
// Prints its versions and token, as JSON, to the test that asked: never log it.
import { GetSecretValueCommand, ListSecretVersionIdsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const secretId = process.env.SECRET_ID;
if (secretId === undefined) throw new Error('SECRET_ID is not set in this container');
const client = new SecretsManagerClient({});
const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
const { Versions = [] } = await client.send(new ListSecretVersionIdsCommand({ SecretId: secretId }));
const { token } = JSON.parse(SecretString ?? '{}') as { token?: unknown };
console.log(JSON.stringify({ versions: Versions.map((version) => version.VersionId).sort(), token }));
