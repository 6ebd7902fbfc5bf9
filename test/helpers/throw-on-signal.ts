// Preloaded (--import) into a service process by a test: after SIGUSR2, the
// next answer to finish throws an error no code catches, as a bug in a request
// callback would, just after that request's access line. Nothing in services/
// knows about it.
import { subscribe } from 'node:diagnostics_channel';

process.once('SIGUSR2', () => {
  // A subscriber's error is rethrown on the next tick, as an uncaught exception.
  subscribe('http.server.response.finish', () => {
    throw new Error('thrown after SIGUSR2 by throw-on-signal.ts');
  });
});
