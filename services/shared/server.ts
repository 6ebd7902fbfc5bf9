import type { IncomingMessage } from 'node:http';
import { fastify, LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { errorBody, errorHandler, notFoundHandler, type Failure } from './errors.ts';
import type { Logger } from './logger.ts';
import { REQUEST_ID_HEADER } from './request-id.ts';

export interface ServerOptions {
  readonly logger: Logger;
  /** How this service names a request: see request-id.ts. */
  readonly requestId: (req: IncomingMessage) => string;
  /** How long an idle keep-alive connection stays open. */
  readonly keepAliveTimeoutMs: number;
  /** Headers every answer carries, computed once (the frontend's security headers). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The load balancer's trace id, logged beside our own request id (request-id.ts). */
  readonly traceId?: TraceId;
}

type TraceId = (req: IncomingMessage) => string | undefined;

declare module 'fastify' {
  interface FastifyRequest {
    /** Why a 5xx happened, for the access-log line: set by the error handler, and by load shedding (overload.ts). */
    failure: Failure | null;
  }
}

/**
 * One access-log line per request, written when the response is done: half
 * the log volume of Fastify's default pair, and the line has everything
 * (request id, method, url, status, duration, and for a 5xx its cause).
 * Health probes are not logged: each change of readiness is (readiness.ts).
 */
class AccessLog extends LogController {
  readonly #traceId: TraceId | undefined;

  constructor(traceId: TraceId | undefined) {
    super();
    this.#traceId = traceId;
  }

  override isLogDisabled(request: FastifyRequest): boolean {
    return request.url.startsWith('/health');
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    const line = {
      method: request.method,
      url: request.url,
      statusCode: reply.statusCode,
      responseTime: Math.round(reply.elapsedTime * 1000) / 1000,
      traceId: this.#traceId?.(request.raw),
      cause: request.failure ?? undefined,
    };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else if (reply.statusCode >= 500) reply.log.warn(line, 'request failed');
    else reply.log.info(line, 'request completed');
  }

  override routeNotFound(): void {}
}

/** A Fastify instance with the settings both services share. */
export function createServer(options: ServerOptions) {
  const app = fastify({
    loggerInstance: options.logger,
    logController: new AccessLog(options.traceId),
    genReqId: options.requestId,
    keepAliveTimeout: options.keepAliveTimeoutMs,
    // Slow clients are cut off: headers within 5 s, the whole request within
    // 10 s, checked every connectionsCheckingInterval. requestTimeout is
    // Fastify's own option: it overwrites the one given to Node in `http`.
    requestTimeout: 10_000,
    http: { headersTimeout: 5_000, connectionsCheckingInterval: 1_000 },
    // Neither service takes a request body.
    bodyLimit: 16 * 1024,
    routerOptions: { maxParamLength: 100 },
    // Validation errors carry their schema, so a 400 can quote the rule
    // (errors.ts). Our schemas are not checked against JSON Schema's
    // meta-schema at every start-up: TypeBox builds them, tsc checks them,
    // and Ajv's strict mode still rejects an unknown keyword.
    ajv: { customOptions: { verbose: true, validateSchema: false } },
    // Our own 503 while closing (below) has the JSON shape of every other error.
    return503OnClosing: false,
  }).withTypeProvider<TypeBoxTypeProvider>();

  // From SIGTERM on, every request gets a 503 at once, readiness included,
  // and every answer tells the client to close its connection: Node's
  // server.close() only closes connections idle at that moment, so one busy
  // with a request would stay open after its answer until the keep-alive
  // timeout (65 s on the frontend). The drain ends with the last answer, and
  // no client reuses a connection that is going away.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });

  // One hook for what every answer carries, errors and 404s included.
  const headers = options.headers ?? {};
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id).headers(headers);
    if (!closing) return done();
    void reply.code(503).send(errorBody(503, 'shutting_down', 'This task is shutting down; retry, and another one will answer.'));
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });
  app.decorateRequest('failure', null);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  return app;
}

export type App = ReturnType<typeof createServer>;
