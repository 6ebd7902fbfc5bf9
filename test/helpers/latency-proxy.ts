import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import type { TestContext } from 'node:test';

export interface LatencyProxy {
  /** Where to send what was meant for the target. */
  readonly url: string;
  /** The most client connections that were open through the proxy at once. */
  readonly maxOpen: () => number;
}

/**
 * A TCP proxy to `target` (an http://host:port origin) that holds every chunk,
 * each way, for `delayMs` before passing it on: a slow network, or a backend
 * that is slow to answer, in front of a real one.
 */
export async function latencyProxy(t: TestContext, target: string, delayMs: number): Promise<LatencyProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const clients = new Set<Socket>();
  let maxOpen = 0;

  // Chunks, the end and the close all wait the same delay, so they keep their order.
  const later = (action: () => void) => setTimeout(action, delayMs);
  const pipe = (from: Socket, to: Socket) => {
    sockets.add(from);
    from.on('data', (chunk: Buffer) => later(() => to.write(chunk)));
    from.on('end', () => later(() => to.end()));
    from.on('close', () => {
      sockets.delete(from);
      later(() => to.destroy());
    });
    from.on('error', () => {}); // a reset reaches the other side as a close
  };

  const server = createServer((client) => {
    // A client counts as connected until the proxy learns it has gone (end or
    // error), not until Node emits 'close' later in the loop. Counted once
    // the events that arrived with this connection have been handled: a
    // client that closes a connection and opens another sends the FIN first,
    // but the proxy may be told of the new connection first in the same turn.
    clients.add(client);
    for (const event of ['end', 'error', 'close']) client.once(event, () => clients.delete(client));
    setImmediate(() => (maxOpen = Math.max(maxOpen, clients.size)));
    const upstream = connect(Number(port), hostname);
    pipe(client, upstream);
    pipe(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(() => resolve(undefined)));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, maxOpen: () => maxOpen };
}
