import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BackendEnv, loadBackendConfig } from '../../services/backend/config.ts';
import { FrontendEnv, loadFrontendConfig } from '../../services/frontend/config.ts';
import { ConfigError, defaultOf } from '../../services/shared/load-config.ts';
import { PROJECT_NAME } from '../../services/shared/project.ts';

function configError(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a ConfigError');
}

test('defaults: the backend on loopback only, the frontend on every interface', () => {
  const backend = loadBackendConfig({});
  assert.equal(backend.host, '127.0.0.1');
  assert.equal(backend.port, 8080);
  const frontend = loadFrontendConfig({});
  assert.equal(frontend.host, '0.0.0.0');
  assert.equal(frontend.port, 3000);
  assert.equal(frontend.backendUrl, 'http://localhost:8080');
  assert.equal(frontend.logLevel, 'info');
  assert.ok(frontend.keepAliveTimeoutMs > 60_000, "longer than the ALB's 60 s idle timeout");
});

test('values come from the environment and the result is frozen', () => {
  const config = loadFrontendConfig({ PORT: '4000', BACKEND_URL: 'http://127.0.0.1:9000/', LOG_LEVEL: 'debug' });
  assert.equal(config.port, 4000);
  assert.equal(config.backendUrl, 'http://127.0.0.1:9000');
  assert.equal(config.logLevel, 'debug');
  assert.ok(Object.isFrozen(config));
  assert.throws(() => {
    (config as { port: number }).port = 1;
  }, TypeError);
});

test('an empty variable counts as unset', () => {
  assert.equal(loadBackendConfig({ PORT: '', HOST: '  ' }).port, 8080);
});

test('URLs are normalised: the backend to its origin, the metadata endpoint without a trailing slash', () => {
  const config = loadFrontendConfig({ BACKEND_URL: 'HTTP://LocalHost:8080/', ECS_CONTAINER_METADATA_URI_V4: 'http://169.254.170.2/v4/abc/' });
  assert.equal(config.backendUrl, 'http://localhost:8080');
  assert.equal(config.metadataUri, 'http://169.254.170.2/v4/abc');
  assert.equal(loadFrontendConfig({}).metadataUri, undefined);
});

test("the secret's default is named after the project; LOG_FORMAT's follows the terminal", () => {
  const config = loadBackendConfig({});
  assert.equal(config.secretId, `${PROJECT_NAME}/internal-token`);
  assert.equal(config.logFormat, process.stdout.isTTY ? 'pretty' : 'json');
  assert.equal(config.internalToken, undefined);
});

test('a bad value names the variable, the rule and the value', () => {
  const cases: Array<[Record<string, string>, string, RegExp]> = [
    [{ PORT: 'abc' }, 'PORT', /^PORT must be an integer from 0 to 65535 \(got "abc"\)$/],
    [{ PORT: '70000' }, 'PORT', /^PORT must be an integer/],
    [{ PORT: '3000.5' }, 'PORT', /^PORT must be an integer/],
    [{ PORT: '1e3' }, 'PORT', /^PORT must be an integer/],
    [{ PORT: 'true' }, 'PORT', /^PORT must be an integer/],
    [{ BACKEND_URL: 'localhost:8080' }, 'BACKEND_URL', /^BACKEND_URL must be an http:\/\/ or https:\/\/ URL/],
    [{ BACKEND_URL: 'not a url' }, 'BACKEND_URL', /^BACKEND_URL must be an http/],
    [{ BACKEND_URL: 'http://localhost:8080/api' }, 'BACKEND_URL', /^BACKEND_URL must be an origin/],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /^LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/],
    [{ LOG_FORMAT: 'xml' }, 'LOG_FORMAT', /^LOG_FORMAT must be one of json, pretty \(got "xml"\)$/],
    [{ SECRET_ID: 'a secret' }, 'SECRET_ID', /^SECRET_ID must be a Secrets Manager secret name or ARN \(got "a secret"\)$/],
    [{ ECS_CONTAINER_METADATA_URI_V4: 'ftp://x' }, 'ECS_CONTAINER_METADATA_URI_V4', /^ECS_CONTAINER_METADATA_URI_V4 must be an http:\/\/ or https:\/\/ URL/],
    [{ HOST: 'a host' }, 'HOST', /^HOST must be a host name or IP address/],
    [{ BACKEND_TIMEOUT_MS: '0' }, 'BACKEND_TIMEOUT_MS', /^BACKEND_TIMEOUT_MS must be an integer from 10 to 60000/],
  ];
  for (const [env, variable, message] of cases) {
    const error = configError(() => loadFrontendConfig(env));
    assert.equal(error.variable, variable);
    assert.match(error.message, message);
  }
});

test('a secret value is never repeated in the error', () => {
  const error = configError(() => loadBackendConfig({ INTERNAL_TOKEN: 'hunter2' }));
  assert.equal(error.message, 'INTERNAL_TOKEN must be at least 16 characters long');
});

test('each service publishes the names of the variables it reads', () => {
  assert.deepEqual(Object.keys(BackendEnv.properties).sort(), [
    'ECS_CONTAINER_METADATA_URI_V4', 'HOST', 'INTERNAL_TOKEN', 'LOG_FORMAT', 'LOG_LEVEL', 'PORT', 'SECRET_ID', 'SECRET_TTL_SECONDS', 'SHUTDOWN_TIMEOUT_MS',
  ].sort());
});

test('a default read from the schema is the one the service uses', () => {
  const config = loadFrontendConfig({});
  assert.equal(defaultOf(FrontendEnv, 'BACKEND_CONNECTIONS'), config.backendConnections);
  assert.equal(defaultOf(FrontendEnv, 'PORT'), config.port);
  assert.equal(defaultOf(BackendEnv, 'PORT'), loadBackendConfig({}).port);
});
