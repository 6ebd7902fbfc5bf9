import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

// Our security headers do not depend on the request, so helmet computes them
// once, at start-up. (@fastify/helmet runs helmet's middleware anew on every
// request, for per-route options and CSP nonces we do not use; its cost is
// in docs/performance.md.)

/** The headers helmet sets for these options, read from a response that only records them. */
function headersOf(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error !== undefined) throw error;
  });
  return headers;
}

/**
 * On every answer, HTML and JSON. The page needs nothing beyond its own
 * origin, so the CSP allows nothing else.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze(
  headersOf({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        // The task may be served over plain HTTP (an ALB without a certificate).
        upgradeInsecureRequests: null,
      },
    },
  }),
);
