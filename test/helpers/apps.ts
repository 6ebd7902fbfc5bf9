import type { TestContext } from 'node:test';
import { buildApp as buildBackendApp } from '../../services/backend/app.ts';
import { loadBackendConfig } from '../../services/backend/config.ts';
import { buildApp as buildFrontendApp } from '../../services/frontend/app.ts';
import { loadFrontendConfig } from '../../services/frontend/config.ts';
import type { Env } from '../../services/shared/load-config.ts';
import { captureLogs } from './logs.ts';

// Each app is built from a literal environment, exactly as main.ts would read
// it, and closed when the test ends. Unless a test says otherwise, both share
// a fixed internal token, as `npm start` gives them one.
export const TEST_TOKEN = 'test-internal-token-0123456789';
const withToken = (env: Env): Env => ({ INTERNAL_TOKEN: TEST_TOKEN, ...env });

export async function backendApp(t: TestContext, env: Env = {}) {
  const { logger, lines } = captureLogs('backend');
  const app = buildBackendApp(loadBackendConfig(withToken(env)), { logger });
  t.after(() => app.close());
  await app.ready();
  return { app, logs: lines };
}

/** A backend listening on a free loopback port, for a frontend to call. */
export async function listeningBackend(t: TestContext, env: Env = {}) {
  const backend = await backendApp(t, env);
  const url = await backend.app.listen({ host: '127.0.0.1', port: 0 });
  return { ...backend, url };
}

/** Both apps as in the task: the backend listening on loopback, the frontend calling it there. */
export async function taskApps(t: TestContext, env: Env = {}) {
  const backend = await listeningBackend(t, env);
  const frontend = await frontendApp(t, { ...env, BACKEND_URL: backend.url });
  return { backend, frontend };
}

export async function frontendApp(t: TestContext, env: Env) {
  const { logger, lines } = captureLogs('frontend');
  const app = buildFrontendApp(loadFrontendConfig(withToken(env)), { logger });
  t.after(() => app.close());
  await app.ready();
  return { app, logs: lines };
}
