import { Health } from '../../shared/schemas.ts';
import type { App } from '../../shared/server.ts';

/** The container health check: the process answers HTTP. */
export function healthRoute(app: App): void {
  app.get('/health', { schema: { response: { 200: Health } } }, async () => ({ status: 'ok' }));
}
