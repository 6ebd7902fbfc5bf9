import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../services/shared/logger.ts';

export type LogLine = Record<string, unknown>;

/** A real pino logger whose JSON lines the test can read back. */
export function captureLogs(service: string): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { logger: createLogger({ service, level: 'info' }, stream), lines };
}
