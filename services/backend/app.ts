import { appToken } from '../shared/app-token.ts';
import { localIdentity } from '../shared/identity.ts';
import { createLogger } from '../shared/logger.ts';
import { forwardedRequestId } from '../shared/request-id.ts';
import type { Deps } from '../shared/run.ts';
import { createServer } from '../shared/server.ts';
import type { BackendConfig } from './config.ts';
import { healthRoute } from './routes/health.ts';
import { helloRoute } from './routes/hello.ts';

export const SERVICE = 'backend';

/** The backend's HTTP app, without listening: main.ts and the tests decide where it runs. */
export function buildApp(config: BackendConfig, deps: Partial<Deps> = {}) {
  const app = createServer({
    logger: deps.logger ?? createLogger({ service: SERVICE, level: 'silent' }),
    requestId: forwardedRequestId,
    // Longer than the frontend pool's idle time, so the pool always closes first.
    keepAliveTimeoutMs: 10_000,
  });
  const token = appToken(app, config, deps.secretsClient);
  healthRoute(app, token);
  helloRoute(app, deps.identity ?? localIdentity(SERVICE), token);
  return app;
}
