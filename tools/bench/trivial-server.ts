// The generator's ceiling when nginx is not installed: a bare node:http
// server answering a fixed body, the cheapest answer Node gives. It
// saturates before wrk does, so the ceiling it shows is a lower bound of
// wrk's: nginx (`return 200`) is the better yardstick. Run by bench.ts:
//   PORT=... node tools/bench/trivial-server.ts
import { createServer } from 'node:http';
import { TRIVIAL_BODY } from './nginx.ts';

const body = Buffer.from(TRIVIAL_BODY);
const headers = { 'content-type': 'application/json', 'content-length': String(body.length) };
const server = createServer((_req, res) => {
  res.writeHead(200, headers).end(body);
});
server.keepAliveTimeout = 65_000;
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
});
server.listen(Number(process.env.PORT), '127.0.0.1');
