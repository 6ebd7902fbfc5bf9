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
 * At the edge (the frontend) nobody is trusted: the id is the ALB's trace root
 * when the load balancer set one, so ALB access logs match ours, else a new UUID.
 */
export function edgeRequestId(req: IncomingMessage): string {
  const trace = header(req, 'x-amzn-trace-id');
  const root = trace === undefined || trace.length > 256 ? undefined : AMZN_TRACE_ROOT.exec(trace)?.[1];
  return root ?? randomUUID();
}

/** Behind the edge (the backend), the id the frontend forwarded, when well-formed. */
export function forwardedRequestId(req: IncomingMessage): string {
  const id = header(req, REQUEST_ID_HEADER);
  return id !== undefined && SAFE_ID.test(id) ? id : randomUUID();
}
