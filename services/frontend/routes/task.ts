import { errorResponses, TaskUsage } from '../../shared/schemas.ts';
import type { App } from '../../shared/server.ts';
import type { TaskMetadata } from '../task-metadata.ts';

/** The task's size and each container's CPU and memory, for the status page: 503 where there is no endpoint (`npm start`). */
export function taskRoute(app: App, metadata: TaskMetadata): void {
  app.get('/api/task', { schema: { response: { 200: TaskUsage, ...errorResponses } } }, async (_request, reply) => {
    // Live numbers: no cache between the page and us; ours is task-metadata.ts's.
    void reply.header('cache-control', 'no-store');
    return metadata.read();
  });
}
