import { Type } from 'typebox';
import { origin, SERVICE_KEYS, serviceEnv } from '../shared/config.ts';
import { loadConfig, type ConfigOf, type Env } from '../shared/load-config.ts';

/** The frontend's environment: what it reads, with each default and rule. */
export const FrontendEnv = Type.Object({
  ...serviceEnv({ host: '0.0.0.0', port: 3000 }),
  BACKEND_URL: origin({
    default: 'http://localhost:8080',
    description: "The backend shares the task's network namespace: localhost is the task.",
  }),
  BACKEND_CONNECTIONS: Type.Integer({
    default: 64,
    minimum: 1,
    maximum: 1024,
    description:
      'Connections to the backend, opened as calls need them and closed after 4 s idle. As many as the calls in flight under load: ' +
      "a call queued inside the pool costs more CPU than one waiting in the backend's socket.",
  }),
  BACKEND_MAX_PENDING: Type.Integer({
    default: 256,
    minimum: 1,
    maximum: 100_000,
    description:
      'Calls to the backend, in flight or waiting for a free connection: beyond these a new one is refused at once (503) ' +
      'rather than queued without bound behind a slow backend.',
  }),
  BACKEND_CONNECT_TIMEOUT_MS: Type.Integer({
    default: 1_000,
    minimum: 10,
    maximum: 60_000,
    description: 'Connecting over loopback takes microseconds; a slow connect means the backend is stuck.',
  }),
  BACKEND_TIMEOUT_MS: Type.Integer({
    default: 2_000,
    minimum: 10,
    maximum: 60_000,
    description: 'Time allowed for a backend call, from sending it to the last byte of the answer: past it, a 504.',
  }),
  MAX_EVENT_LOOP_DELAY_MS: Type.Integer({
    default: 200,
    minimum: 10,
    maximum: 60_000,
    description:
      'Past this the frontend sheds load with 503 rather than slowing every caller down (health routes excepted). ' +
      'It also sheds near its heap limit.',
  }),
  KEEP_ALIVE_TIMEOUT_MS: Type.Integer({
    default: 65_000,
    minimum: 1_000,
    maximum: 4_000_000,
    description:
      "The ALB's idle timeout is 60 s: keep connections open longer, or the ALB may send a request on a connection " +
      'we are closing (a 502 for the caller).',
  }),
});

const FRONTEND_KEYS = {
  ...SERVICE_KEYS,
  BACKEND_URL: 'backendUrl',
  BACKEND_CONNECTIONS: 'backendConnections',
  BACKEND_MAX_PENDING: 'backendMaxPending',
  BACKEND_CONNECT_TIMEOUT_MS: 'backendConnectTimeoutMs',
  BACKEND_TIMEOUT_MS: 'backendTimeoutMs',
  MAX_EVENT_LOOP_DELAY_MS: 'maxEventLoopDelayMs',
  KEEP_ALIVE_TIMEOUT_MS: 'keepAliveTimeoutMs',
} as const;

export type FrontendConfig = ConfigOf<typeof FrontendEnv, typeof FRONTEND_KEYS>;

export function loadFrontendConfig(env: Env): FrontendConfig {
  return loadConfig(FrontendEnv, FRONTEND_KEYS, env);
}
