// A peer for the benchmark: what many would write instead of our frontend.
// A plain Fastify app with @fastify/reply-from in front of the same backend,
// adding the bearer token the backend asks for. No logger, no validation, no
// security headers: the lightest proxy Fastify offers. Run by bench.ts:
//   PORT=... BACKEND_URL=... INTERNAL_TOKEN=... node tools/bench/reply-from-proxy.ts
import replyFrom from '@fastify/reply-from';
import { fastify } from 'fastify';

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    process.stderr.write(`reply-from-proxy: ${name} must be set\n`);
    process.exit(1);
  }
  return value;
}

const port = Number(required('PORT'));
const backendUrl = required('BACKEND_URL');
const authorization = `Bearer ${required('INTERNAL_TOKEN')}`;

const app = fastify();
await app.register(replyFrom, { base: backendUrl });

// The query string travels with the request: reply-from keeps it.
app.get('/api/hello', (_request, reply) => reply.from('/hello', { rewriteRequestHeaders: (_req, headers) => ({ ...headers, authorization }) }));
app.get('/health', async () => ({ status: 'ok' }));

process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
await app.listen({ host: '127.0.0.1', port });
