import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import type { Answer } from './safe-answer.ts';

/** Opens a TCP connection to an http://host:port origin. */
export async function openSocket(origin: string): Promise<Socket> {
  const { hostname, port } = new URL(origin);
  const socket = connect(Number(port), hostname);
  await once(socket, 'connect');
  return socket;
}

/** Everything the server sends until it closes the connection, as text. */
export function readAll(socket: Socket): Promise<string> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve) => {
    socket.on('error', () => {}); // a reset ends the read like a close
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/** Parses the first HTTP/1.1 response in `text`: status, lower-case headers, and the body its Content-Length announces. */
export function parseResponse(text: string): Answer {
  const end = text.indexOf('\r\n\r\n');
  const [statusLine = '', ...lines] = text.slice(0, end === -1 ? text.length : end).split('\r\n');
  const status = /^HTTP\/1\.1 (\d{3}) /.exec(statusLine)?.[1];
  if (status === undefined) throw new Error(`not an HTTP response: ${JSON.stringify(text.slice(0, 200))}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = end === -1 ? '' : text.slice(end + 4);
  const length = headers['content-length'];
  return { status: Number(status), headers, body: length === undefined ? rest : Buffer.from(rest).subarray(0, Number(length)).toString('utf8') };
}

/**
 * Sends `request` as it is (no client library cleans it up) on a new
 * connection and returns the server's answer once it closes the connection:
 * send `Connection: close` unless the request is one the server must refuse.
 */
export async function rawRequest(origin: string, request: string | Buffer): Promise<Answer> {
  const socket = await openSocket(origin);
  const received = readAll(socket);
  socket.write(request);
  return parseResponse(await received);
}
