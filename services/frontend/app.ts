import { appToken } from '../shared/app-token.ts';
import { localIdentity } from '../shared/identity.ts';
import { createLogger } from '../shared/logger.ts';
import { amznTraceId, edgeRequestId } from '../shared/request-id.ts';
import type { Deps } from '../shared/run.ts';
import { createServer } from '../shared/server.ts';
import { BackendClient } from './backend-client.ts';
import type { FrontendConfig } from './config.ts';
import { shedLoad } from './overload.ts';
import { healthRoutes } from './routes/health.ts';
import { helloRoute } from './routes/hello.ts';
import { pageRoutes } from './routes/page.ts';
import { taskRoute } from './routes/task.ts';
import { SECURITY_HEADERS } from './security-headers.ts';
import { TaskMetadata } from './task-metadata.ts';

export const SERVICE = 'frontend';

/** The frontend's HTTP app, without listening: main.ts and the tests decide where it runs. */
export function buildApp(config: FrontendConfig, deps: Partial<Deps> = {}) {
  const identity = deps.identity ?? localIdentity(SERVICE);
  const app = createServer({
    logger: deps.logger ?? createLogger({ service: SERVICE, level: 'silent' }),
    requestId: edgeRequestId,
    traceId: amznTraceId,
    keepAliveTimeoutMs: config.keepAliveTimeoutMs,
    headers: SECURITY_HEADERS,
  });
  const backend = new BackendClient({
    origin: config.backendUrl,
    connections: config.backendConnections,
    maxPending: config.backendMaxPending,
    connectTimeoutMs: config.backendConnectTimeoutMs,
    timeoutMs: config.backendTimeoutMs,
    token: appToken(app, config, deps.secretsClient),
  });
  // Closed after the server has stopped and in-flight requests are done.
  app.addHook('onClose', () => backend.close());
  const metadata = new TaskMetadata({ uri: config.metadataUri });
  app.addHook('onClose', () => metadata.close());

  shedLoad(app, config.maxEventLoopDelayMs);
  healthRoutes(app, backend);
  helloRoute(app, backend, identity);
  taskRoute(app, metadata);
  pageRoutes(app, identity);
  return app;
}
