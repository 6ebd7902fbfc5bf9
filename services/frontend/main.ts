import { runService } from '../shared/run.ts';
import { buildApp, SERVICE } from './app.ts';
import { loadFrontendConfig } from './config.ts';

export const entry = { name: SERVICE, loadConfig: loadFrontendConfig, buildApp };

// Only when run (`node services/frontend/main.ts`): importing this file loads
// the service without starting it, as the image's compile-cache step does.
if (import.meta.main) await runService(entry);
