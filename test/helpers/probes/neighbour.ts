// Piped into `node` in a throwaway container on the compose network: another
// workload next to the task, as another service in the same subnet would be.
// Prints what it can reach of the task named by argv[2], as JSON.
import { connect } from 'node:net';

const task = process.argv[2];
if (task === undefined) throw new Error('usage: node --input-type=module-typescript - TASK_HOST');

/** "open" when a TCP connection to host:port succeeds, else the error code (ECONNREFUSED, ...). */
function tcp(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 3_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve('open');
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('timeout');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

async function httpStatus(url: string): Promise<number | string> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    await res.arrayBuffer();
    return res.status;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return cause?.code ?? (error as Error).message;
  }
}

console.log(
  JSON.stringify({
    backendPort: await tcp(task, 8080),
    frontendHello: await httpStatus(`http://${task}:3000/api/hello?name=neighbour`),
  }),
);
