import { serviceSettings } from '../shared/config.ts';
import { loadConfig, type ConfigOf, type Env } from '../shared/env.ts';

export const backendSettings = {
  // Loopback only: in the task, the frontend is the one caller, through the
  // shared network namespace. Nothing outside the task can reach 127.0.0.1.
  ...serviceSettings({ host: '127.0.0.1', port: 8080 }),
} as const;

export type BackendConfig = ConfigOf<typeof backendSettings>;

export function loadBackendConfig(env: Env): BackendConfig {
  return loadConfig(backendSettings, env);
}
