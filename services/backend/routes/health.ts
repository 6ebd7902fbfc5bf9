import { HttpError } from '../../shared/errors.ts';
import type { InternalToken } from '../../shared/internal-token.ts';
import { ReadinessLog } from '../../shared/readiness.ts';
import { errorResponses, Health } from '../../shared/schemas.ts';
import type { App } from '../../shared/server.ts';

/**
 * The container health check, and what the frontend's readiness asks: the
 * process answers and can check callers, having read the internal token.
 * Without it the backend keeps reading the secret and stays unhealthy; on ECS
 * the task is replaced once the start period and three checks have passed.
 */
export function healthRoute(app: App, token: InternalToken): void {
  const readiness = new ReadinessLog(app.log);
  app.get('/health', { schema: { response: { 200: Health, ...errorResponses } } }, async () => {
    if (token.current() === undefined) {
      const error = new HttpError(503, 'not_ready', 'Waiting for the internal token from Secrets Manager.');
      readiness.notReady(error);
      throw error;
    }
    readiness.ready();
    return { status: 'ok' };
  });
}
