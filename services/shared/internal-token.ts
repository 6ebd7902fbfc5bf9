// The token the frontend presents to the backend: defense in depth on top of
// the shared network namespace. Both containers read it from Secrets Manager
// at run time with the task role, so it never appears in the environment, the
// task definition or a log line. Locally (`npm start`) it comes from
// INTERNAL_TOKEN and no AWS call is made.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Logger } from './logger.ts';
import { SecretCache } from './secret-cache.ts';
import { MIN_TOKEN_LENGTH } from './token-length.ts';

export interface InternalToken {
  /** The token to send, or undefined while none has been read yet. */
  current(): string | undefined;
  /** True for the current token, and for the previous one during its grace period. */
  accepts(token: string): boolean;
  /** Reads the secret again now (rate-limited): for a token we do not know yet. */
  refresh(): Promise<void>;
  start(): void;
  stop(): void;
}

export interface TokenSettings {
  readonly secretId: string;
  readonly secretTtlSeconds: number;
  readonly internalToken: string | undefined;
}

/** The secret's JSON is {"token": "..."}; anything else is a clear error that never quotes the value. */
export function parseSecret(secretString: string | undefined): string {
  if (secretString === undefined) throw new SecretFormatError('it has no SecretString (a binary secret?)');
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    throw new SecretFormatError('it is not JSON; expected {"token": "..."}');
  }
  const token = (parsed as { token?: unknown } | null)?.token;
  if (typeof token !== 'string') throw new SecretFormatError('it has no string "token" field; expected {"token": "..."}');
  if (token.length < MIN_TOKEN_LENGTH) throw new SecretFormatError(`its token is shorter than ${MIN_TOKEN_LENGTH} characters`);
  return token;
}

export class SecretFormatError extends Error {
  constructor(reason: string) {
    super(`the secret is malformed: ${reason}`);
    this.name = 'SecretFormatError';
  }
}

// Hashing first gives timingSafeEqual two buffers of the same length, so
// neither the content nor the length of the token leaks through timing.
const digest = (token: string) => createHash('sha256').update(token).digest();
const same = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

function regionOf(secretId: string): string | undefined {
  return /^arn:aws[\w-]*:secretsmanager:([\w-]+):/.exec(secretId)?.[1];
}

// The AWS SDK is loaded on the first read, not with the app: with
// INTERNAL_TOKEN (npm start, tests, the bench) no process pays the start-up
// time and memory of a module it never calls.
const sdk = () => import('@aws-sdk/client-secrets-manager');

/**
 * A Secrets Manager client from the standard AWS environment: the task role
 * on Fargate, AWS_ENDPOINT_URL_SECRETS_MANAGER (moto) locally. A secret ARN
 * names its own region.
 */
export async function secretsManagerClient(secretId: string): Promise<SecretsManagerClient> {
  const { SecretsManagerClient } = await sdk();
  const region = regionOf(secretId);
  return new SecretsManagerClient({
    ...(region === undefined ? {} : { region }),
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000 },
  });
}

function reasonOf(error: unknown): string {
  const { name, message } = error as { name?: string; message?: string };
  return name === undefined || message?.startsWith(name) ? String(message) : `${name}: ${message}`;
}

/** INTERNAL_TOKEN when set (no AWS call), else the secret SECRET_ID, cached for SECRET_TTL_SECONDS. */
export function internalToken(settings: TokenSettings, log: Logger, client?: SecretsManagerClient): InternalToken {
  if (settings.internalToken !== undefined) return staticToken(settings.internalToken);

  const { secretId } = settings;
  let sm = client;
  const read = async () => {
    const { GetSecretValueCommand } = await sdk();
    sm ??= await secretsManagerClient(secretId);
    const answer = await sm.send(new GetSecretValueCommand({ SecretId: secretId }));
    return answer.SecretString;
  };
  const ttlMs = settings.secretTtlSeconds * 1000;
  const cache = new SecretCache<string>({
    load: async () => parseSecret(await read()),
    ttlMs,
    // The other container refreshes within its own TTL: until then it may
    // still send the token this one just replaced.
    graceMs: ttlMs,
    minForcedIntervalMs: 1_000,
    retry: { initialMs: 500, maxMs: 30_000 },
    onError: (error, attempt, hasValue) => {
      const reason = reasonOf(error);
      if (hasValue) log.warn({ secretId, reason, attempt }, 'could not refresh the internal token; still using the cached one');
      else log.error({ secretId, reason, attempt }, 'could not read the internal token; not ready, retrying');
    },
    onChange: (first) => log.info({ secretId }, first ? 'internal token loaded' : 'internal token rotated'),
  });
  return {
    current: () => cache.value,
    accepts: (token) => [cache.value, cache.previous].some((known) => known !== undefined && same(known, token)),
    refresh: () => cache.refresh({ force: true }),
    start: () => cache.start(),
    stop: () => cache.stop(),
  };
}

function staticToken(token: string): InternalToken {
  return {
    current: () => token,
    accepts: (candidate) => same(token, candidate),
    refresh: async () => {},
    start: () => {},
    stop: () => {},
  };
}
