import { serviceSettings } from '../shared/config.ts';
import { integer, loadConfig, origin, type ConfigOf, type Env } from '../shared/env.ts';

export const frontendSettings = {
  ...serviceSettings({ host: '0.0.0.0', port: 3000 }),
  // The backend shares the task's network namespace: localhost is the task.
  backendUrl: origin('BACKEND_URL', 'http://localhost:8080'),
  // Connections to the backend, opened as calls need them and closed after
  // 4 s idle. As many as the calls in flight under load: a call queued
  // inside the pool costs more CPU than one waiting in the backend's socket.
  backendConnections: integer('BACKEND_CONNECTIONS', 64, 1, 1024),
  // Calls to the backend, in flight or waiting for a free connection: beyond
  // these a new one is refused at once (503) rather than queued without
  // bound behind a slow backend.
  backendMaxPending: integer('BACKEND_MAX_PENDING', 256, 1, 100_000),
  // Connecting over loopback takes microseconds; a slow connect means the backend is stuck.
  backendConnectTimeoutMs: integer('BACKEND_CONNECT_TIMEOUT_MS', 1_000, 10, 60_000),
  // Time allowed for a backend call, from sending it to the last byte of the answer: past it, a 504.
  backendTimeoutMs: integer('BACKEND_TIMEOUT_MS', 2_000, 10, 60_000),
  // Past this the frontend sheds load with 503 rather than slowing every
  // caller down (health routes excepted). It also sheds near its heap limit.
  maxEventLoopDelayMs: integer('MAX_EVENT_LOOP_DELAY_MS', 200, 10, 60_000),
  // The ALB's idle timeout is 60 s: keep connections open longer, or the ALB
  // may send a request on a connection we are closing (a 502 for the caller).
  keepAliveTimeoutMs: integer('KEEP_ALIVE_TIMEOUT_MS', 65_000, 1_000, 4_000_000),
} as const;

export type FrontendConfig = ConfigOf<typeof frontendSettings>;

export function loadFrontendConfig(env: Env): FrontendConfig {
  return loadConfig(frontendSettings, env);
}
