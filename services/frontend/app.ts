import { getHeapStatistics } from 'node:v8';
import underPressure from '@fastify/under-pressure';
import { errorBody } from '../shared/errors.ts';
import { localIdentity } from '../shared/identity.ts';
import { appToken } from '../shared/internal-token.ts';
import { createLogger } from '../shared/logger.ts';
import { edgeRequestId } from '../shared/request-id.ts';
import type { Deps } from '../shared/run.ts';
import { createServer } from '../shared/server.ts';
import { BackendClient } from './backend-client.ts';
import type { FrontendConfig } from './config.ts';
import { healthRoutes } from './routes/health.ts';
import { helloRoute } from './routes/hello.ts';
import { pageRoutes } from './routes/page.ts';
import { SECURITY_HEADERS } from './security-headers.ts';

export const SERVICE = 'frontend';

/** The frontend's HTTP app, without listening: main.ts and the tests decide where it runs. */
export function buildApp(config: FrontendConfig, deps: Partial<Deps> = {}) {
  const identity = deps.identity ?? localIdentity(SERVICE);
  const app = createServer({
    logger: deps.logger ?? createLogger({ service: SERVICE, level: 'silent' }),
    requestId: edgeRequestId,
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

  // Overloaded, answer 503 at once: a fast "try another task" is better for
  // the caller than a slow answer, and it gives the process room to recover.
  void app.register(underPressure, {
    maxEventLoopDelay: config.maxEventLoopDelayMs,
    // Before the out-of-memory kill: three quarters of what the process may
    // use, the container's memory (cgroup) or V8's heap limit, whichever is
    // lower (in a 256 MiB container V8's limit is 259 MiB). The heap, not RSS:
    // RSS rarely shrinks after a burst, so a bound on it would go on shedding
    // long after the pressure has passed.
    maxHeapUsedBytes: Math.round(0.75 * Math.min(getHeapStatistics().heap_size_limit, process.constrainedMemory())),
    pressureHandler: (request, reply, type) => {
      // Health checks still answer: an overloaded task is not a dead one.
      if (request.url.startsWith('/health/')) return;
      void reply
        .code(503)
        .header('retry-after', '1')
        .send(errorBody(503, 'overloaded', `The frontend is overloaded (${type}); retry shortly.`));
    },
  });

  healthRoutes(app, backend);
  helloRoute(app, backend, identity);
  pageRoutes(app, identity);
  return app;
}
