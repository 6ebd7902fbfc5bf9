import { host, integer, oneOf, optionalSecret, optionalUrl, port, text } from './env.ts';
import { MIN_TOKEN_LENGTH } from './internal-token.ts';
import { PROJECT_NAME } from './project.ts';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The settings every service reads; each service adds its own (see backend/config.ts). */
export function serviceSettings(defaults: { host: string; port: number }) {
  return {
    host: host('HOST', defaults.host),
    port: port('PORT', defaults.port),
    logLevel: oneOf('LOG_LEVEL', 'info', LOG_LEVELS),
    // Pretty logs are for people at a terminal; anything else (awslogs, docker) gets JSON.
    logFormat: oneOf('LOG_FORMAT', process.stdout.isTTY ? 'pretty' : 'json', ['json', 'pretty'] as const),
    // ECS waits stopTimeout (30 s by default) after SIGTERM, then sends SIGKILL:
    // the drain must end well before that.
    shutdownTimeoutMs: integer('SHUTDOWN_TIMEOUT_MS', 10_000, 100, 110_000),
    // Set by ECS (Fargate platform 1.4.0+), absent elsewhere.
    metadataUri: optionalUrl('ECS_CONTAINER_METADATA_URI_V4'),
    // The internal token's secret in Secrets Manager, by name or ARN; the stack
    // names it after itself, and ECS sets it.
    secretId: text('SECRET_ID', `${PROJECT_NAME}/internal-token`, /^[\w/+=.@:-]{1,2048}$/, 'a Secrets Manager secret name or ARN'),
    secretTtlSeconds: integer('SECRET_TTL_SECONDS', 300, 1, 86_400),
    // Set it to skip Secrets Manager (`npm start` does); never set on AWS.
    internalToken: optionalSecret('INTERNAL_TOKEN', MIN_TOKEN_LENGTH),
  } as const;
}
