import { performance } from 'node:perf_hooks';
import { Pool, type Dispatcher } from 'undici';
import { HttpError } from '../shared/errors.ts';
import type { InternalToken } from '../shared/internal-token.ts';
import { REQUEST_ID_HEADER } from '../shared/request-id.ts';
import type { BackendHello } from '../shared/schemas.ts';

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
   * GET a path; resolves with the parsed JSON of a 200, throws an HttpError
   * otherwise. A 401 means the secret was rotated and the backend read the
   * new token first: read it too, and try once more.
   */
  async #getJson<T>(path: string, requestId: string): Promise<Hop<T>> {
    if (this.#pending >= this.#maxPending) {
      throw new HttpError(503, 'backend_overloaded', 'Too many calls are already waiting for the backend.');
    }
    this.#pending += 1;
    const started = performance.now();
    // undici's own timeouts tick once a second; this deadline is to the
    // millisecond, and covers the whole call, body and retry included.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.#timeoutMs);
    try {
      let res = await this.#send(path, requestId, deadline.signal);
      if (res.statusCode === 401) {
        await res.body.dump();
        await this.#token.refresh();
        res = await this.#send(path, requestId, deadline.signal);
      }
      if (res.statusCode !== 200) {
        await res.body.dump();
        throw unexpectedStatus(res.statusCode);
      }
      const body = (await res.body.json()) as T;
      return { body, ms: Math.round((performance.now() - started) * 1000) / 1000 };
    } catch (error) {
      throw toHttpError(error, deadline.signal.aborted);
    } finally {
      clearTimeout(timer);
      this.#pending -= 1;
    }
  }

  /** Calls in progress or waiting for a connection. */
  get pending(): number {
    return this.#pending;
  }

  #send(path: string, requestId: string, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
    const token = this.#token.current();
    if (token === undefined) throw new HttpError(503, 'not_ready', 'The frontend has not read its internal token yet.');
    return this.#pool.request({
      method: 'GET',
      path,
      headers: { [REQUEST_ID_HEADER]: requestId, authorization: `Bearer ${token}` },
      signal,
    });
  }

  hello(name: string, requestId: string): Promise<Hop<BackendHello>> {
    return this.#getJson(`/hello?name=${encodeURIComponent(name)}`, requestId);
  }

  async health(requestId: string): Promise<void> {
    await this.#getJson('/health', requestId);
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}
