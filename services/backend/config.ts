import { Type } from 'typebox';
import { SERVICE_KEYS, serviceEnv } from '../shared/config.ts';
import { loadConfig, type ConfigOf, type Env } from '../shared/load-config.ts';

/** The backend's environment: what it reads, with each default and rule. */
export const BackendEnv = Type.Object({
  // Loopback only: in the task, the frontend is the one caller, through the
  // shared network namespace. Nothing outside the task can reach 127.0.0.1.
  ...serviceEnv({ host: '127.0.0.1', port: 8080 }),
});

export type BackendConfig = ConfigOf<typeof BackendEnv, typeof SERVICE_KEYS>;

export function loadBackendConfig(env: Env): BackendConfig {
  return loadConfig(BackendEnv, SERVICE_KEYS, env);
}
