import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net';
import type { TestContext } from 'node:test';

async function listen(t: TestContext, server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    return new Promise((resolve) => server.close(() => resolve(undefined)));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** An HTTP server standing in for a misbehaving backend. */
export function fakeBackend(t: TestContext, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  return listen(t, createServer(handler));
}

/** Accepts TCP connections and closes them at once: a backend that crashes on every request. */
export function resettingBackend(t: TestContext): Promise<string> {
  return listen(t, createTcpServer((socket) => socket.resetAndDestroy()));
}

/** An origin where nothing listens: the port was free a moment ago. */
export async function closedOrigin(): Promise<string> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}
