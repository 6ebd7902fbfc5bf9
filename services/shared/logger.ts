import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/** The levels LOG_LEVEL may name: pino's, and `silent` for none. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

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
 * Lines are written to stdout in batches of this many bytes (some 18 access
 * lines), and at least once a second: each write into Docker's log pipe
 * wakes its reader, and under the task's CPU quota one write per line cost
 * some 45 µs of CPU per request more than these batches
 * (docs/performance.md). A SIGKILL or an out-of-memory kill loses at most
 * this much, or a second of lines; every other exit writes it out first.
 */
export const LOG_BATCH_BYTES = 4096;
export const LOG_FLUSH_MS = 1000;

let stdout: ReturnType<typeof pino.destination> | undefined;

/** One batch for the whole process, however many loggers write to it. */
function batchedStdout(): DestinationStream {
  if (stdout !== undefined) return stdout;
  // Synchronous writes, so a batch never waits behind the event loop. pino's
  // own exit hook only covers `sync: false`: this one writes the rest out on
  // process.exit (after SIGTERM's drain, a fatal error).
  const destination = pino.destination({ dest: 1, sync: true, minLength: LOG_BATCH_BYTES, periodicFlush: LOG_FLUSH_MS });
  process.once('exit', () => destination.flushSync());
  return (stdout = destination);
}

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
    stream ?? batchedStdout(),
  );
}

/** The same logger, printed for a person at a terminal (pino-pretty is a dev dependency). */
export async function createPrettyLogger(options: LoggerOptions): Promise<Logger> {
  const { default: pretty } = await import('pino-pretty');
  return createLogger(options, pretty({ colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' }));
}
