import { runService } from '../shared/run.ts';
import { buildApp, SERVICE } from './app.ts';
import { loadFrontendConfig } from './config.ts';

await runService({ name: SERVICE, loadConfig: loadFrontendConfig, buildApp });
