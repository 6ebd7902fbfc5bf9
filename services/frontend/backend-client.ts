import { performance } from 'node:perf_hooks';
import { Pool, type Dispatcher } from 'undici';
import { HttpError } from '../shared/errors.ts';
import type { InternalToken } from '../shared/internal-token.ts';
import { REQUEST_ID_HEADER } from '../shared/request-id.ts';

export interface BackendClientOptions {
  readonly origin: string;
  readonly connections: number;
  readonly maxPending: number;
  readonly connectTimeoutMs: number;
  readonly timeoutMs: number;
  readonly token: InternalToken;
}

/** A backend answer and how long the localhost hop took, in milliseconds. */
export interface Hop {
  /** The backend's 200 body: JSON text, checked to be an object, passed on as it came. */
  readonly json: string;
  readonly ms: number;
}

// undici's error codes, grouped by what they tell the caller.
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED']);
const TOO_SLOW = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

// Our backend's bodies are a few hundred bytes; a body far beyond that is a
// fault, and is not kept in memory while it arrives.
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Maps a failed call to what the caller of the frontend sees: 503 when the
 * backend cannot be reached (down, refusing, restarting, draining), 504 when
 * it is too slow, 502 when it answers something we cannot use.
 */
function toHttpError(error: unknown, timedOut: boolean): HttpError {
  if (error instanceof HttpError) return error;
  const code = (error as { code?: unknown }).code;
  if (timedOut || (typeof code === 'string' && TOO_SLOW.has(code))) {
    return new HttpError(504, 'backend_timeout', 'The backend did not answer in time.', { cause: error });
  }
  if (typeof code === 'string' && UNREACHABLE.has(code)) {
    return new HttpError(503, 'backend_unavailable', 'The backend cannot be reached.', { cause: error });
  }
  return new HttpError(502, 'backend_error', 'The backend sent an answer the frontend cannot use.', { cause: error });
}

function unexpectedStatus(status: number): HttpError {
  if (status === 503) return new HttpError(503, 'backend_unavailable', 'The backend is not accepting requests (starting or stopping).');
  if (status === 401) return new HttpError(502, 'backend_rejected_token', 'The backend rejected the internal token, even after reading it again.');
  return new HttpError(502, 'backend_error', `The backend answered with status ${status}.`);
}

class UnusableBody extends Error {
  constructor(reason: string) {
    super(`the backend's body ${reason}`);
    this.name = 'UnusableBody';
  }
}

/**
 * The body is passed on without being serialised again; parsing it here is
 * the honest check that it is a JSON object, which a look at its first and
 * last characters would not be. For our backend's answers it is about 2% of
 * the frontend's CPU time per request.
 */
function jsonObject(text: string): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UnusableBody('is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UnusableBody('is not a JSON object');
  return text;
}

interface Answer {
  readonly status: number;
  /** The body of a 200; other statuses' bodies are read and dropped. */
  readonly body: string;
}

/**
 * One backend call on undici's dispatch API: the status and the body's bytes,
 * without the per-call machinery of pool.request() that this client does not
 * need (a Readable stream for the body, an AbortSignal and its listener, an
 * async resource), which each request paid in CPU time and garbage.
 */
class Call implements Dispatcher.DispatchHandler {
  readonly #answer = Promise.withResolvers<Answer>();
  #controller: Dispatcher.DispatchController | undefined;
  #abandoned: Error | undefined;
  #status = 0;
  #chunks: Buffer[] = [];
  #bytes = 0;

  constructor(pool: Pool, options: Dispatcher.DispatchOptions) {
    pool.dispatch(options, this);
  }

  get answer(): Promise<Answer> {
    return this.#answer.promise;
  }

  /**
   * Fails the call now, even while it waits in the pool's queue; undici
   * drops it as soon as it is on a connection.
   */
  abandon(reason: Error): void {
    this.#abandoned = reason;
    this.#controller?.abort(reason);
    this.#answer.reject(reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#abandoned !== undefined) controller.abort(this.#abandoned);
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
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, error: Error): void {
    this.#answer.reject(error);
  }
}

/** The frontend's one way to the backend: a long-lived pool of keep-alive connections. */
export class BackendClient {
  readonly #pool: Pool;
  readonly #timeoutMs: number;
  readonly #token: InternalToken;
  readonly #maxPending: number;
  #pending = 0;

  constructor(options: BackendClientOptions) {
    this.#maxPending = options.maxPending;
    this.#timeoutMs = options.timeoutMs;
    this.#token = options.token;
    this.#pool = new Pool(options.origin, {
      connections: options.connections,
      connectTimeout: options.connectTimeoutMs,
      // A safety net behind the per-request deadline below.
      headersTimeout: options.timeoutMs + 1_000,
      bodyTimeout: options.timeoutMs + 1_000,
      // Shorter than the backend's keep-alive timeout, so we never reuse a
      // connection the backend is about to close.
      keepAliveTimeout: 4_000,
      keepAliveMaxTimeout: 4_000,
    });
  }

  /**
   * GET a path; resolves with the JSON object of a 200, throws an HttpError
   * otherwise. A 401 means the secret was rotated and the backend read the
   * new token first: read it too, and try once more.
   */
  async #getJson(path: string, requestId: string): Promise<Hop> {
    if (this.#pending >= this.#maxPending) {
      throw new HttpError(503, 'backend_overloaded', 'Too many calls are already waiting for the backend.');
    }
    this.#pending += 1;
    const started = performance.now();
    // undici's own timeouts tick once a second; this deadline is to the
    // millisecond, and covers the whole call, body and retry included.
    let call: Call | undefined;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      call?.abandon(new Error(`no answer within ${this.#timeoutMs} ms`));
    }, this.#timeoutMs);
    try {
      call = this.#call(path, requestId);
      let answer = await call.answer;
      if (answer.status === 401) {
        await this.#token.refresh();
        if (timedOut) throw new Error('the deadline passed while reading the token again');
        call = this.#call(path, requestId);
        answer = await call.answer;
      }
      if (answer.status !== 200) throw unexpectedStatus(answer.status);
      return { json: jsonObject(answer.body), ms: Math.round((performance.now() - started) * 1000) / 1000 };
    } catch (error) {
      throw toHttpError(error, timedOut);
    } finally {
      clearTimeout(timer);
      this.#pending -= 1;
    }
  }

  #call(path: string, requestId: string): Call {
    const token = this.#token.current();
    if (token === undefined) throw new HttpError(503, 'not_ready', 'The frontend has not read its internal token yet.');
    return new Call(this.#pool, { method: 'GET', path, headers: { [REQUEST_ID_HEADER]: requestId, authorization: `Bearer ${token}` } });
  }

  hello(name: string, requestId: string): Promise<Hop> {
    return this.#getJson(`/hello?name=${encodeURIComponent(name)}`, requestId);
  }

  async health(requestId: string): Promise<void> {
    await this.#getJson('/health', requestId);
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}
