import { HttpError } from '../../shared/errors.ts';
import type { InternalToken } from '../../shared/internal-token.ts';
import { errorResponses, Health } from '../../shared/schemas.ts';
import type { App } from '../../shared/server.ts';

/**
 * The container health check, and what the frontend's readiness asks: the
 * process answers and can check callers, having read the internal token.
 */
export function healthRoute(app: App, token: InternalToken): void {
  app.get('/health', { schema: { response: { 200: Health, ...errorResponses } } }, async () => {
    if (token.current() === undefined) throw new HttpError(503, 'not_ready', 'Waiting for the internal token from Secrets Manager.');
    return { status: 'ok' };
  });
}
