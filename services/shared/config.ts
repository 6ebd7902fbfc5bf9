// The variables every service reads, as TypeBox schemas under their names;
// each service adds its own (see frontend/config.ts). A string with a pattern
// or a length states its rule in `title`; `description` says why.
import { Type, type TObject } from 'typebox';
import type { ConfigOf } from './load-config.ts';
import { LOG_LEVELS } from './logger.ts';
import { PROJECT_NAME } from './project.ts';
import { MIN_TOKEN_LENGTH } from './token-length.ts';

const isHttpUrl = (value: string) => {
  const url = URL.parse(value);
  return url !== null && (url.protocol === 'http:' || url.protocol === 'https:');
};

/** A string that parses as an http(s) URL. */
function httpUrl(options: { default?: string; description: string }) {
  return Type.Refine(Type.String(options), isHttpUrl, () => 'must be an http:// or https:// URL, such as http://localhost:8080');
}

/** An http(s) URL without a path, such as http://localhost:8080: the value is its origin. */
export function origin(options: { default: string; description: string }) {
  const withoutPath = (value: string) => {
    const url = URL.parse(value);
    return url !== null && url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '';
  };
  const rule = `must be an origin (scheme, host and port) without a path, such as ${options.default}`;
  return Type.Decode(Type.Refine(httpUrl(options), withoutPath, () => rule), (value) => new URL(value).origin);
}

/** An optional http(s) URL: the value has no trailing slash. */
function optionalHttpUrl(description: string) {
  return Type.Optional(Type.Decode(httpUrl({ description }), (value) => new URL(value).href.replace(/\/$/, '')));
}

/** The variables every service reads; `listen` is where it listens unless told otherwise. */
export function serviceEnv(listen: { host: string; port: number }) {
  return {
    HOST: Type.String({
      default: listen.host,
      pattern: '^[A-Za-z0-9.:_-]{1,253}$',
      title: 'a host name or IP address, such as 127.0.0.1 or 0.0.0.0',
      description: 'The address the service listens on.',
    }),
    PORT: Type.Integer({ default: listen.port, minimum: 0, maximum: 65_535, description: 'The port the service listens on.' }),
    LOG_LEVEL: Type.Union(
      LOG_LEVELS.map((level) => Type.Literal(level)),
      { default: 'info', description: 'The least severe level logged.' },
    ),
    LOG_FORMAT: Type.Union([Type.Literal('json'), Type.Literal('pretty')], {
      // A function: read when the config is loaded, not when this module is.
      default: () => (process.stdout.isTTY ? 'pretty' : 'json'),
      description: 'Pretty logs are for people at a terminal (the default there); anything else (awslogs, docker) gets JSON.',
    }),
    SHUTDOWN_TIMEOUT_MS: Type.Integer({
      default: 10_000,
      minimum: 100,
      maximum: 110_000,
      description: 'ECS waits stopTimeout (30 s by default) after SIGTERM, then sends SIGKILL: the drain must end well before that.',
    }),
    ECS_CONTAINER_METADATA_URI_V4: optionalHttpUrl('Set by ECS (Fargate platform 1.4.0+), absent elsewhere.'),
    SECRET_ID: Type.String({
      default: `${PROJECT_NAME}/internal-token`,
      pattern: '^[\\w/+=.@:-]{1,2048}$',
      title: 'a Secrets Manager secret name or ARN',
      description: "The internal token's secret in Secrets Manager, by name or ARN; the stack names it after itself, and ECS sets it.",
    }),
    SECRET_TTL_SECONDS: Type.Integer({ default: 300, minimum: 1, maximum: 86_400, description: 'How long the token read from the secret is used before it is read again.' }),
    INTERNAL_TOKEN: Type.Optional(
      Type.String({
        minLength: MIN_TOKEN_LENGTH,
        // Never repeated in an error (load-config.ts).
        writeOnly: true,
        title: `at least ${MIN_TOKEN_LENGTH} characters long`,
        description: 'Set it to skip Secrets Manager (`npm start` does); never set on AWS.',
      }),
    ),
  };
}

/** The key of each shared variable in the config object. */
export const SERVICE_KEYS = {
  HOST: 'host',
  PORT: 'port',
  LOG_LEVEL: 'logLevel',
  LOG_FORMAT: 'logFormat',
  SHUTDOWN_TIMEOUT_MS: 'shutdownTimeoutMs',
  ECS_CONTAINER_METADATA_URI_V4: 'metadataUri',
  SECRET_ID: 'secretId',
  SECRET_TTL_SECONDS: 'secretTtlSeconds',
  INTERNAL_TOKEN: 'internalToken',
} as const;

/** What every service's config holds. */
export type ServiceConfig = ConfigOf<TObject<ReturnType<typeof serviceEnv>>, typeof SERVICE_KEYS>;
