import { HttpError } from '../../shared/errors.ts';
import { ReadinessLog } from '../../shared/readiness.ts';
import { errorResponses, Health } from '../../shared/schemas.ts';
import type { App } from '../../shared/server.ts';
import type { BackendClient } from '../backend-client.ts';

export function healthRoutes(app: App, backend: BackendClient): void {
  // Liveness, the container's health check: the process answers. Restarting
  // it would not fix a missing or hung backend, so the backend is not asked.
  app.get('/health/live', { schema: { response: { 200: Health } } }, async () => ({ status: 'ok' }));

  // Readiness, the load balancer's check: this task can serve /api/hello, so
  // the backend answers too. While the process drains, the server answers
  // 503 before this handler runs.
  const readiness = new ReadinessLog(app.log);
  app.get('/health/ready', { schema: { response: { 200: Health, ...errorResponses } } }, async (request) => {
    try {
      await backend.health(request.id);
    } catch (error) {
      readiness.notReady(error);
      throw new HttpError(503, 'not_ready', `Not ready: ${(error as Error).message}`, { cause: error });
    }
    readiness.ready();
    return { status: 'ready' };
  });
}
