import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import closeWithGrace from 'close-with-grace';
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
 * What close-with-grace would also stop on, left to Node's defaults: only
 * SIGTERM (ECS, docker stop) and SIGINT (Ctrl-C) ask this process to stop.
 * Node's docs advise against JS listeners for SIGSEGV, SIGBUS, SIGFPE, SIGILL.
 */
const NOT_A_STOP: closeWithGrace.AllEvents[] = ['SIGHUP', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGSEGV', 'SIGUSR2', 'beforeExit'];

/**
 * The process around an app: config from the environment, the logger,
 * listen, and a graceful stop (close-with-grace, as fastify/demo) on SIGTERM
 * or SIGINT: new requests get 503 at once, in-flight ones finish, then the
 * process exits 0, or 1 if draining takes longer than SHUTDOWN_TIMEOUT_MS or
 * a second signal comes. An uncaught exception or unhandled rejection logs a
 * fatal line and exits 1 at once.
 */
export async function runService<C extends ServiceConfig>(entry: ServiceEntry<C>): Promise<void> {
  const config = loadOrExit(entry);
  const logger = await loggerFor(entry.name, config);

  let app: Listenable | undefined;
  const crashed = (err: unknown) => logger.fatal({ err }, 'uncaught exception; exiting');
  closeWithGrace(
    {
      delay: config.shutdownTimeoutMs,
      logger,
      skip: NOT_A_STOP,
      onTimeout: (timeoutMs) => logger.error({ timeoutMs }, 'requests still in flight at the shutdown deadline; exiting anyway'),
      onSecondSignal: (signal) => logger.error({ signal }, 'second signal while stopping; exiting at once'),
      onSecondError: crashed,
    },
    async ({ signal, err }) => {
      if (signal === undefined) {
        // An error (close-with-grace hands an unhandled rejection over the
        // same way): nothing to trust, so no drain. Exit here, the fatal line
        // last: the library would exit 0 after a falsy `throw undefined`.
        crashed(err);
        process.exit(1);
      }
      logger.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'stopping: refusing new requests, finishing in-flight ones');
      await app?.close();
      logger.info('stopped');
    },
  );

  const identity = await resolveIdentity(entry.name, config.metadataUri, logger);
  app = entry.buildApp(config, { logger, identity });

  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    logger.fatal({ err: error }, `could not listen on ${config.host}:${config.port}`);
    process.exit(1);
  }
}
