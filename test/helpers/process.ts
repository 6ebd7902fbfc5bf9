import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { TestContext } from 'node:test';
import { TEST_TOKEN } from './apps.ts';
import type { LogLine } from './logs.ts';

export interface ServiceProcess {
  readonly child: ChildProcess;
  /** Where it listens, from its own "Server listening at" log line. */
  readonly url: string;
  /** Its stdout, parsed as JSON log lines, as they arrive. */
  readonly logs: LogLine[];
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>;
  stderr(): string;
}

const ROOT = new URL('../../', import.meta.url);

/** Runs services/<name>/main.ts as a real process on a free port, as the container does. */
export async function startService(t: TestContext, name: 'backend' | 'frontend', env: Record<string, string> = {}): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [`services/${name}/main.ts`], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', LOG_FORMAT: 'json', INTERNAL_TOKEN: TEST_TOKEN, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const logs: LogLine[] = [];
  const listening = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as LogLine;
      logs.push(entry);
      const url = /^Server listening at (http:\/\/127\.0\.0\.1:\d+)$/.exec(String(entry.msg))?.[1];
      if (url !== undefined) resolve(url);
    });
    void exited.then((code) => reject(new Error(`${name} exited with ${code} before listening: ${stderr}`)));
  });
  return { child, url: await listening, logs, exited, stderr: () => stderr };
}
