// moto, the AWS emulator, in a throwaway container on a free loopback port.
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { docker, waitFor } from './compose.ts';

export const MOTO_IMAGE = 'motoserver/moto:5.1.1';

export interface Moto {
  /** http://127.0.0.1:PORT */
  readonly endpoint: string;
  /** The standard AWS environment pointing at this emulator, with its dummy credentials. */
  readonly env: Readonly<Record<string, string>>;
  /** Removes the container. */
  readonly stop: () => Promise<void>;
}

/** Starts moto, with extra `docker run` options; call stop() in an `after` hook. */
export async function startMoto(options: readonly string[] = []): Promise<Moto> {
  const id = (await docker(['run', '-d', '--rm', '-p', '127.0.0.1::5000', ...options, MOTO_IMAGE])).trim();
  const stop = async () => void (await docker(['rm', '-f', id]).catch(() => undefined));
  let endpoint: string;
  try {
    const port = (await docker(['port', id, '5000/tcp'])).trim().split(':').at(-1);
    endpoint = `http://127.0.0.1:${port}`;
    await waitFor('moto to answer', async () => ((await fetch(`${endpoint}/moto-api/`)).ok ? true : undefined), 30_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    endpoint,
    env: { AWS_ENDPOINT_URL: endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
    stop,
  };
}

export function secretsManager(moto: Moto): SecretsManagerClient {
  return new SecretsManagerClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
}
