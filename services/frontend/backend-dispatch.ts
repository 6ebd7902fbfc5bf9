// One backend call on undici's dispatch API rather than pool.request() (as
// @fastify/reply-from calls). pool.request() was tried and measured, 2026-12-04:
// - A call abandoned at its deadline after it went to the pool but before it
//   had a connection (the pool was opening one) is aborted by its signal when
//   it gets one, which destroys that new connection; under a hung backend the
//   calls behind it do the same. test/frontend/backend-connections.test.ts:
//   75 and 107 new connections for a 1 s hang (bound 28). This handler lets
//   such a call run and aborts only a call that is on a connection: 8 and 11.
// - It costs more than the noise (a Readable body, an AbortSignal and its
//   listener, an async resource per call): `npm run bench -- --json --rounds 1
//   --seconds 5`, 4 runs of each interleaved, medians, this handler first:
//   frontend CPU 97 and 122 µs per request (per-run ratios 0.95-1.44, median
//   1.27); under the task's quota 2,736 and 1,979 req/s (ratios 0.62-0.93),
//   both processes 185 and 257 µs per request.
import type { Dispatcher } from 'undici';

// Our backend's bodies are a few hundred bytes; a body far beyond that is a
// fault, and is not kept in memory while it arrives.
const MAX_BODY_BYTES = 1024 * 1024;

export class UnusableBody extends Error {
  constructor(reason: string) {
    super(`the backend's body ${reason}`);
    this.name = 'UnusableBody';
  }
}

export interface CallResult {
  readonly status: number;
  /** The body of a 200; other statuses' bodies are read and dropped. */
  readonly body: string;
}

/** One backend call: its status and, for a 200, its body, read as the bytes arrive. */
export class Call implements Dispatcher.DispatchHandler {
  readonly options: Dispatcher.DispatchOptions;
  readonly #answer = Promise.withResolvers<CallResult>();
  readonly #settled: () => void;
  #controller: Dispatcher.DispatchController | undefined;
  #status = 0;
  #chunks: Buffer[] = [];
  #bytes = 0;

  /** `settled` runs once, when undici is done with the call: its connection is free again. */
  constructor(options: Dispatcher.DispatchOptions, settled: () => void) {
    this.options = options;
    this.#settled = settled;
  }

  get answer(): Promise<CallResult> {
    return this.#answer.promise;
  }

  /** Fails the call; one on a connection is aborted, which closes that connection. */
  abandon(reason: Error): void {
    this.#controller?.abort(reason);
    this.#answer.reject(reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    this.#status = statusCode;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#status !== 200) return;
    this.#bytes += chunk.length;
    if (this.#bytes > MAX_BODY_BYTES) controller.abort(new UnusableBody(`is larger than ${MAX_BODY_BYTES} bytes`));
    else this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    const chunks = this.#chunks;
    const body = chunks.length === 1 ? chunks[0]!.toString() : Buffer.concat(chunks).toString();
    this.#answer.resolve({ status: this.#status, body });
    this.#settled();
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, error: Error): void {
    this.#answer.reject(error);
    this.#settled();
  }
}
