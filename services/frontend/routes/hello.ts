import { errorResponses, FrontendHello, HelloQuery, type Identity } from '../../shared/schemas.ts';
import type { App } from '../../shared/server.ts';
import type { BackendClient } from '../backend-client.ts';

export function helloRoute(app: App, backend: BackendClient, identity: Identity): void {
  app.get(
    '/api/hello',
    { schema: { querystring: HelloQuery, response: { 200: FrontendHello, ...errorResponses } } },
    // The client checked the backend's answer against its schema; the
    // response schema's serializer writes only the fields it names, so
    // nothing the backend adds reaches the caller.
    async (request) => {
      const hop = await backend.hello(request.query.name, request.id);
      return { backend: hop.body, frontend: identity, hopMs: hop.ms };
    },
  );
}
