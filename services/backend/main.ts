import { runService } from '../shared/run.ts';
import { buildApp, SERVICE } from './app.ts';
import { loadBackendConfig } from './config.ts';

await runService({ name: SERVICE, loadConfig: loadBackendConfig, buildApp });
