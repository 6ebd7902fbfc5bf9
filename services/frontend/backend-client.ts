import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { HttpError } from '../shared/errors.ts';
import type { InternalToken } from '../shared/internal-token.ts';
import { REQUEST_ID_HEADER } from '../shared/request-id.ts';
import type { BackendHello } from '../shared/schemas.ts';
import { readBackendHello, readHealth } from './backend-answers.ts';
import { Call, UnusableBody } from './backend-dispatch.ts';

export interface BackendClientOptions {
  readonly origin: string;
  readonly connections: number;
  readonly maxPending: number;
  readonly connectTimeoutMs: number;
  readonly timeoutMs: number;
  readonly token: InternalToken;
}

/** A backend answer and how long the localhost hop took, in milliseconds. */
export interface Hop<T> {
  /** The backend's 200 body, checked against its schema. */
  readonly body: T;
  readonly ms: number;
}

// undici's error codes, grouped by what they tell the caller.
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED']);
const TOO_SLOW = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

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

/** The body read as its schema says (backend-answers.ts): an answer that breaks the contract is a 502, not a surprise for the caller. */
function parseAs<T>(text: string, read: (value: unknown) => T | undefined): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UnusableBody('is not JSON');
  }
  const answer = read(value);
  if (answer === undefined) throw new UnusableBody('does not match its schema');
  return answer;
}

/**
 * The frontend's one way to the backend: a long-lived pool of keep-alive
 * connections, and in front of it a queue of its own. undici's pool would
 * queue too, but a call abandoned at its deadline cannot be taken out of its
 * queue: it stays there, and when it reaches a connection its abort destroys
 * that connection, so a hung backend would see a storm of new ones. Here a
 * call goes to the pool only when a connection is free, and one abandoned
 * while it waits is dropped without touching a connection.
 */
export class BackendClient {
  readonly #pool: Pool;
  readonly #connections: number;
  readonly #timeoutMs: number;
  readonly #token: InternalToken;
  readonly #maxPending: number;
  /** Calls between #getJson's start and end: waiting, on a connection, or reading the token again. */
  #pending = 0;
  /** Calls the pool holds: at most one per connection. */
  #dispatched = 0;
  readonly #waiting: Call[] = [];
  readonly #release = () => {
    this.#dispatched -= 1;
    const next = this.#waiting.shift();
    if (next !== undefined) this.#dispatch(next);
  };

  constructor(options: BackendClientOptions) {
    this.#maxPending = options.maxPending;
    this.#connections = options.connections;
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
  async #getJson<T>(path: string, requestId: string, read: (value: unknown) => T | undefined): Promise<Hop<T>> {
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
      if (call !== undefined) this.#abandon(call, new Error(`no answer within ${this.#timeoutMs} ms`));
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
      return { body: parseAs(answer.body, read), ms: Math.round((performance.now() - started) * 1000) / 1000 };
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
    const call = new Call({ method: 'GET', path, headers: { [REQUEST_ID_HEADER]: requestId, authorization: `Bearer ${token}` } }, this.#release);
    if (this.#dispatched < this.#connections) this.#dispatch(call);
    else this.#waiting.push(call);
    return call;
  }

  #dispatch(call: Call): void {
    this.#dispatched += 1;
    this.#pool.dispatch(call.options, call);
  }

  #abandon(call: Call, reason: Error): void {
    const index = this.#waiting.indexOf(call);
    if (index !== -1) this.#waiting.splice(index, 1);
    call.abandon(reason);
  }

  hello(name: string, requestId: string): Promise<Hop<BackendHello>> {
    return this.#getJson(`/hello?name=${encodeURIComponent(name)}`, requestId, readBackendHello);
  }

  async health(requestId: string): Promise<void> {
    await this.#getJson('/health', requestId, readHealth);
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}
