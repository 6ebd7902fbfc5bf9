// The internal token tied to an app's lifecycle. Apart from internal-token.ts
// so that the token reader does not depend on the Fastify server.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { internalToken, type InternalToken, type TokenSettings } from './internal-token.ts';
import type { App } from './server.ts';

/** The app's token: read from when the app is ready, released when it closes. */
export function appToken(app: App, settings: TokenSettings, client?: SecretsManagerClient): InternalToken {
  const token = internalToken(settings, app.log, client);
  app.addHook('onReady', async () => token.start());
  app.addHook('onClose', async () => token.stop());
  return token;
}
