import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The header that carries the request id from the frontend to the backend, and back to the caller. */
export const REQUEST_ID_HEADER = 'x-request-id';

// An id we pass on must be safe to log and to put in a header as it is:
// a forged value (newlines, 10 kB) is replaced, not trusted.
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
// The ALB's trace header: "Root=1-67891233-abcdef012345678912345678;Sampled=1".
const AMZN_TRACE_ROOT = /(?:^|;)\s*Root=(1-[0-9a-f]{8}-[0-9a-f]{24})\s*(?:;|$)/i;

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * At the edge (the frontend) nobody is trusted: every request gets a new
 * UUID. Not the load balancer's trace id: the ALB keeps a valid Root that
 * the client sent, so a client could choose it, and reuse it.
 */
export function edgeRequestId(): string {
  return randomUUID();
}

/**
 * The Root of the ALB's X-Amzn-Trace-Id, logged beside our request id so that
 * ALB access logs and X-Ray can be matched with ours. The client may have
 * chosen it: it correlates, it does not identify.
 */
export function amznTraceId(req: IncomingMessage): string | undefined {
  const trace = header(req, 'x-amzn-trace-id');
  return trace === undefined || trace.length > 256 ? undefined : AMZN_TRACE_ROOT.exec(trace)?.[1];
}

/** Behind the edge (the backend), the id the frontend forwarded, when well-formed. */
export function forwardedRequestId(req: IncomingMessage): string {
  const id = header(req, REQUEST_ID_HEADER);
  return id !== undefined && SAFE_ID.test(id) ? id : randomUUID();
}
