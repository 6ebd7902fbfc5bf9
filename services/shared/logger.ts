import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config.ts';

export type { Logger } from 'pino';

export interface LoggerOptions {
  readonly service: string;
  readonly level: LogLevel;
}

// Headers and fields that may carry a credential. Our own log lines never
// include them, but a plugin or a future `log.info({ req })` might. Explicit
// paths only: pino's redactor re-parses a wildcard path ('*.token') for every
// field of every line (docs/performance.md).
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'token',
  'secret',
  'SecretString',
  'err.token',
  'err.SecretString',
];

/**
 * JSON lines on stdout, which is what awslogs ships to CloudWatch. `stream`
 * lets tests (and the pretty printer) take the lines instead.
 */
export function createLogger(options: LoggerOptions, stream?: DestinationStream): Logger {
  return pino(
    {
      level: options.level,
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT, censor: '[redacted]' },
    },
    stream ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** The same logger, printed for a person at a terminal (pino-pretty is a dev dependency). */
export async function createPrettyLogger(options: LoggerOptions): Promise<Logger> {
  const { default: pretty } = await import('pino-pretty');
  return createLogger(options, pretty({ colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' }));
}
