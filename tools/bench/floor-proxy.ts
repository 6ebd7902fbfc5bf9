// The floor of the approach: what any Node process in front of the backend
// costs at least. A bare node:http server that passes each request to the
// backend through one undici Pool, with the bearer token the backend asks
// for, and sends the answer back. No framework, no logging, no validation,
// no request id: our frontend does all of these, and its throughput as a
// fraction of this one's is what its own code costs. Run by bench.ts:
//   PORT=... BACKEND_URL=... BACKEND_CONNECTIONS=... INTERNAL_TOKEN=... node tools/bench/floor-proxy.ts
import { createServer, type ServerResponse } from 'node:http';
import { Pool, type Dispatcher } from 'undici';

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    process.stderr.write(`floor-proxy: ${name} must be set\n`);
    process.exit(1);
  }
  return value;
}

const port = Number(required('PORT'));
const authorization = `Bearer ${required('INTERNAL_TOKEN')}`;
// The frontend's pool, connection for connection (services/frontend/backend-client.ts).
const pool = new Pool(required('BACKEND_URL'), {
  connections: Number(required('BACKEND_CONNECTIONS')),
  keepAliveTimeout: 4_000,
  keepAliveMaxTimeout: 4_000,
});
const PREFIX = '/api/hello';
const HEALTH = Buffer.from('{"status":"ok"}');

// pool.dispatch with a handler of its own, as our frontend calls the pool:
// of the three ways tried (pool.stream piped into the response, pool.request
// and body.bytes(), this) the one with the least CPU per request.
class Pass implements Dispatcher.DispatchHandler {
  readonly #res: ServerResponse;
  #status = 502;
  #type: string | string[] | undefined;
  readonly #chunks: Buffer[] = [];

  constructor(res: ServerResponse) {
    this.#res = res;
  }

  // Required: undici takes a handler without it for one of its older API.
  onRequestStart(): void {}

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    this.#status = statusCode;
    this.#type = headers['content-type'];
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    const body = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
    if (this.#type !== undefined) this.#res.setHeader('content-type', this.#type);
    this.#res.setHeader('content-length', body.length);
    this.#res.writeHead(this.#status).end(body);
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, error: Error): void {
    process.stderr.write(`floor-proxy: ${error.message}\n`);
    this.#res.writeHead(502).end();
  }
}

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  if (url === '/health') {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': HEALTH.length }).end(HEALTH);
    return;
  }
  if (req.method !== 'GET' || !(url === PREFIX || url.startsWith(`${PREFIX}?`))) {
    res.writeHead(404).end();
    return;
  }
  pool.dispatch({ method: 'GET', path: `/hello${url.slice(PREFIX.length)}`, headers: { authorization } }, new Pass(res));
});
// Longer than any run, as our frontend's: wrk keeps its connections open.
server.keepAliveTimeout = 65_000;

process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void pool.close().then(() => process.exit(0));
});
server.listen(port, '127.0.0.1');
