import type { FastifyRequest } from 'fastify';
import { HttpError } from '../shared/errors.ts';
import type { InternalToken } from '../shared/internal-token.ts';

const BEARER = /^Bearer ([^\s]+)$/;

/**
 * Only a caller holding the internal token (the frontend) gets an answer.
 * A token we do not know may be a new one the frontend read first: we read
 * the secret again (one fetch at a time, at most once a second) before
 * saying no, so a rotation never fails a request.
 */
export function requireToken(token: InternalToken) {
  return async (request: FastifyRequest): Promise<void> => {
    if (token.current() === undefined) {
      throw new HttpError(503, 'not_ready', 'The backend has not read its internal token yet.');
    }
    const presented = BEARER.exec(request.headers.authorization ?? '')?.[1];
    if (presented === undefined) {
      throw new HttpError(401, 'unauthorized', 'This route needs an "Authorization: Bearer <token>" header.');
    }
    if (token.accepts(presented)) return;
    await token.refresh();
    if (token.accepts(presented)) return;
    request.log.warn('rejected a request with an unknown internal token');
    throw new HttpError(401, 'unauthorized', 'The bearer token is not valid.');
  };
}
