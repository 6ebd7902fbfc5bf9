import type { InternalToken } from '../../shared/internal-token.ts';
import { BackendHello, errorResponses, HelloQuery, type Identity } from '../../shared/schemas.ts';
import type { App } from '../../shared/server.ts';
import { requireToken } from '../auth.ts';

export function helloRoute(app: App, identity: Identity, token: InternalToken): void {
  app.get(
    '/hello',
    {
      onRequest: requireToken(token),
      schema: { querystring: HelloQuery, response: { 200: BackendHello, ...errorResponses } },
    },
    async (request) => ({ greeting: `Hello, ${request.query.name}!`, servedBy: identity }),
  );
}
