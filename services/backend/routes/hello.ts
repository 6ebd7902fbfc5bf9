import { BackendHello, errorResponses, HelloQuery, type Identity } from '../../shared/schemas.ts';
import type { App } from '../../shared/server.ts';

export function helloRoute(app: App, identity: Identity): void {
  app.get(
    '/hello',
    { schema: { querystring: HelloQuery, response: { 200: BackendHello, ...errorResponses } } },
    async (request) => ({ greeting: `Hello, ${request.query.name}!`, servedBy: identity }),
  );
}
