import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ServiceConfig } from './config.ts';
import { resolveIdentity } from './identity.ts';
import { ConfigError, type Env } from './load-config.ts';
import { createLogger, createPrettyLogger, type Logger } from './logger.ts';
import type { Identity } from './schemas.ts';

/** What an app gets from outside; tests pass their own, main.ts the real ones. */
export interface Deps {
  readonly logger: Logger;
  readonly identity: Identity;
  /** A Secrets Manager client; by default one from the standard AWS environment. */
  readonly secretsClient?: SecretsManagerClient;
}

/** What runService needs of an app: Fastify's listen and close. */
export interface Listenable {
  listen(options: { host: string; port: number }): Promise<string>;
  close(): Promise<unknown>;
}

/** What main.ts hands runService: the service's name, its config loader and its app factory. */
export interface ServiceEntry<C extends ServiceConfig> {
  readonly name: string;
  readonly loadConfig: (env: Env) => C;
  readonly buildApp: (config: C, deps: Deps) => Listenable;
}

function loadOrExit<C extends ServiceConfig>(entry: ServiceEntry<C>): C {
  try {
    return entry.loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // One line a person can act on, no stack trace.
    process.stderr.write(`${entry.name}: configuration error: ${error.message}\n`);
    process.exit(1);
  }
}

async function loggerFor(name: string, config: ServiceConfig): Promise<Logger> {
  const options = { service: name, level: config.logLevel };
  if (config.logFormat === 'json') return createLogger(options);
  try {
    return await createPrettyLogger(options);
  } catch {
    const logger = createLogger(options);
    logger.warn('LOG_FORMAT=pretty needs the pino-pretty dev dependency; logging JSON');
    return logger;
  }
}

/**
 * The process around an app: config from the environment, the logger,
 * listen, and a graceful stop on SIGTERM (ECS, docker stop) or SIGINT (Ctrl-C):
 * new requests get 503 at once, in-flight ones finish, then the process exits 0,
 * or 1 if draining takes longer than SHUTDOWN_TIMEOUT_MS.
 */
export async function runService<C extends ServiceConfig>(entry: ServiceEntry<C>): Promise<void> {
  const config = loadOrExit(entry);
  const logger = await loggerFor(entry.name, config);

  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception; exiting');
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled promise rejection; exiting');
    process.exit(1);
  });

  const identity = await resolveIdentity(entry.name, config.metadataUri, logger);
  const app = entry.buildApp(config, { logger, identity });

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'stopping: refusing new requests, finishing in-flight ones');
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'requests still in flight at the shutdown deadline; exiting anyway');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    await app.close();
    clearTimeout(deadline);
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);

  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    logger.fatal({ err: error }, `could not listen on ${config.host}:${config.port}`);
    process.exit(1);
  }
}
