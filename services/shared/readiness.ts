import { failureOf } from './errors.ts';
import type { Logger } from './logger.ts';

/**
 * Logs each change of readiness once, with its cause. Load balancer probes
 * are not logged (server.ts), so without this a task failing its health
 * checks would say nothing about why; logging every probe would say it every
 * few seconds.
 */
export class ReadinessLog {
  readonly #log: Logger;
  #ready: boolean | undefined;

  constructor(log: Logger) {
    this.#log = log;
  }

  ready(): void {
    if (this.#ready === true) return;
    this.#log.info('ready');
    this.#ready = true;
  }

  notReady(cause: unknown): void {
    if (this.#ready === false) return;
    this.#log.warn({ cause: failureOf(cause) }, 'not ready');
    this.#ready = false;
  }
}
