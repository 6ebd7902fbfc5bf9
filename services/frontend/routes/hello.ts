import { Type } from 'typebox';
import { errorResponses, FrontendHello, HelloQuery, type Identity } from '../../shared/schemas.ts';
import type { App } from '../../shared/server.ts';
import type { BackendClient } from '../backend-client.ts';

// The 200 answer's schema, typed as the JSON text the handler sends.
const FrontendHelloJson = Type.Unsafe<string>(FrontendHello);

export function helloRoute(app: App, backend: BackendClient, identity: Identity): void {
  // The answer is written here as JSON text: the backend's body goes in as it
  // came (the client checked that it is a JSON object) instead of being parsed
  // and serialised again, and our identity is serialised once. Fastify sends
  // a string with a JSON content type as it is.
  const frontend = JSON.stringify(identity);
  app.get(
    '/api/hello',
    { schema: { querystring: HelloQuery, response: { 200: FrontendHelloJson, ...errorResponses } } },
    async (request, reply) => {
      const hop = await backend.hello(request.query.name, request.id);
      return reply.type('application/json; charset=utf-8').send(`{"backend":${hop.json},"frontend":${frontend},"hopMs":${hop.ms}}`);
    },
  );
}
