import { HttpError } from '../../shared/errors.ts';
import { errorResponses, Health } from '../../shared/schemas.ts';
import type { App } from '../../shared/server.ts';
import type { BackendClient } from '../backend-client.ts';

export function healthRoutes(app: App, backend: BackendClient): void {
  // Liveness: the process answers. Restarting it would not fix a missing backend.
  app.get('/health/live', { schema: { response: { 200: Health } } }, async () => ({ status: 'ok' }));

  // Readiness: this task can serve /api/hello, so the backend answers too.
  // While the process drains, Fastify answers 503 before this handler runs.
  app.get('/health/ready', { schema: { response: { 200: Health, ...errorResponses } } }, async (request) => {
    try {
      await backend.health(request.id);
    } catch (error) {
      throw new HttpError(503, 'not_ready', `Not ready: ${(error as Error).message}`, { cause: error });
    }
    return { status: 'ready' };
  });
}
