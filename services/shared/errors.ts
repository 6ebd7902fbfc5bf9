import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorBody } from './schemas.ts';

// Not `import ... from 'node:http'`: an ESM import of node:http reads every
// export, its lazy WebSocket getters included, and so loads Node's bundled
// copy of undici at start-up, for a table of reason phrases.
const { STATUS_CODES } = process.getBuiltinModule('node:http');

/** An error whose status, code and message are meant for the caller as they are. */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly code: string;

  constructor(statusCode: number, code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.code = code;
  }
}

export function errorBody(statusCode: number, code: string, message: string): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', code, message };
}

/** Why an answer failed, for the logs: the code behind it (undici's, the system's or ours) and its message. */
export interface Failure {
  readonly code?: string;
  readonly message: string;
}

/** The error's cause when it has one (the undici error behind our 503), else the error itself. */
export function failureOf(error: unknown): Failure {
  const root = (error as { cause?: unknown } | null)?.cause ?? error;
  const { code, message, name } = (root ?? {}) as { code?: unknown; message?: unknown; name?: unknown };
  const text = typeof message === 'string' && message !== '' ? message : String(name ?? root);
  return typeof code === 'string' ? { code, message: text } : { message: text };
}

interface ValidationIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
  parentSchema?: { description?: string };
}

// "name must be 1 to 64 characters: ..." rather than Ajv's "must match pattern ^[\p{L}...".
function validationMessage(context: string | undefined, issue: ValidationIssue): string {
  const field = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
  if (issue.keyword === 'required') return `${context ?? 'request'} needs the parameter "${String(issue.params.missingProperty)}"`;
  if (issue.keyword === 'additionalProperties') return `${context ?? 'request'} has an unknown parameter "${String(issue.params.additionalProperty)}"`;
  const rule = issue.parentSchema?.description;
  return `${field || context || 'request'} ${rule === undefined ? issue.message : `must be ${rule}`}`;
}

/** One JSON error shape for everything: validation, our own errors, Fastify's, and bugs. */
export function errorHandler(error: FastifyError | HttpError, request: FastifyRequest, reply: FastifyReply): void {
  if ('validation' in error && error.validation !== undefined) {
    const [first] = error.validation as unknown as ValidationIssue[];
    const message = first === undefined ? error.message : validationMessage(error.validationContext, first);
    void reply.code(400).send(errorBody(400, 'invalid_request', message));
    return;
  }
  const status = error.statusCode;
  if (status === undefined || status < 400 || status > 599) {
    // No status means a bug or an unexpected failure: the details go to the
    // log, never to the caller.
    request.log.error({ err: error }, 'unhandled error');
    void reply.code(500).send(errorBody(500, 'internal_error', 'The server could not handle this request; see its logs.'));
    return;
  }
  // Our own errors and Fastify's carry a status and a message meant for the caller.
  // Why a 5xx happened (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT, ...) goes to its access-log line.
  if (status >= 500) request.failure = failureOf(error);
  const code = error instanceof HttpError ? error.code : (error.code ?? 'bad_request').toLowerCase();
  void reply.code(status).send(errorBody(status, code, error.message));
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  void reply.code(404).send(errorBody(404, 'not_found', `There is no route ${request.method} ${request.url.split('?')[0]}`));
}
