// Typed, validated settings read from the environment once, at start-up.
// Each service declares its settings as a table (see backend/config.ts); the
// table is also how infra/ learns the variable names, so they cannot drift.

export type Env = Readonly<Record<string, string | undefined>>;

/** A bad environment variable: the message names it and says what is wrong. */
export class ConfigError extends Error {
  readonly variable: string;

  constructor(variable: string, reason: string) {
    super(`${variable} ${reason}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

export interface Setting<T> {
  /** The environment variable this setting is read from. */
  readonly variable: string;
  /** Secret settings never have their value repeated in an error. */
  readonly secret: boolean;
  /** Returns the value, or throws an Error whose message completes "VARIABLE ...". */
  readonly parse: (raw: string | undefined) => T;
}

export type Settings = Readonly<Record<string, Setting<unknown>>>;
export type ConfigOf<S extends Settings> = { readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

/** Reads every setting from `env` and returns them as one frozen object. */
export function loadConfig<S extends Settings>(settings: S, env: Env): ConfigOf<S> {
  const config: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(settings)) {
    // An empty variable means "not set", as it does for `FOO= cmd` and compose's `FOO:`.
    const raw = env[setting.variable]?.trim() || undefined;
    try {
      config[key] = setting.parse(raw);
    } catch (error) {
      const reason = (error as Error).message;
      throw new ConfigError(setting.variable, setting.secret || raw === undefined ? reason : `${reason} (got ${JSON.stringify(raw)})`);
    }
  }
  return Object.freeze(config) as ConfigOf<S>;
}

/** The environment variable names a settings table reads. */
export function variablesOf(settings: Settings): string[] {
  return Object.values(settings).map((setting) => setting.variable);
}

function setting<T>(variable: string, parse: (raw: string | undefined) => T, secret = false): Setting<T> {
  return { variable, parse, secret };
}

export function integer(variable: string, fallback: number, min: number, max: number): Setting<number> {
  return setting(variable, (raw) => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || value < min || value > max) {
      throw new Error(`must be an integer from ${min} to ${max}`);
    }
    return value;
  });
}

export function port(variable: string, fallback: number): Setting<number> {
  return integer(variable, fallback, 0, 65_535);
}

export function text(variable: string, fallback: string, pattern: RegExp, rule: string): Setting<string> {
  return setting(variable, (raw) => {
    if (raw === undefined) return fallback;
    if (!pattern.test(raw)) throw new Error(`must be ${rule}`);
    return raw;
  });
}

export function host(variable: string, fallback: string): Setting<string> {
  return text(variable, fallback, /^[A-Za-z0-9.:_-]{1,253}$/, 'a host name or IP address, such as 127.0.0.1 or 0.0.0.0');
}

export function oneOf<const T extends string>(variable: string, fallback: T, choices: readonly T[]): Setting<T> {
  return setting(variable, (raw) => {
    if (raw === undefined) return fallback;
    if (!(choices as readonly string[]).includes(raw)) throw new Error(`must be one of ${choices.join(', ')}`);
    return raw as T;
  });
}

function parseHttpUrl(raw: string): URL {
  const url = URL.parse(raw);
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new Error('must be an http:// or https:// URL, such as http://localhost:8080');
  }
  return url;
}

/** An http(s) URL without a path: an origin such as http://localhost:8080. */
export function origin(variable: string, fallback: string): Setting<string> {
  return setting(variable, (raw) => {
    const url = parseHttpUrl(raw ?? fallback);
    if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '') {
      throw new Error(`must be an origin (scheme, host and port) without a path, such as ${fallback}`);
    }
    return url.origin;
  });
}

/** An optional http(s) URL, such as the ECS task metadata endpoint when ECS sets it. */
export function optionalUrl(variable: string): Setting<string | undefined> {
  return setting(variable, (raw) => (raw === undefined ? undefined : parseHttpUrl(raw).href.replace(/\/$/, '')));
}

/** An optional secret: its value never appears in an error message. */
export function optionalSecret(variable: string, minLength: number): Setting<string | undefined> {
  return setting(
    variable,
    (raw) => {
      if (raw !== undefined && raw.length < minLength) throw new Error(`must be at least ${minLength} characters long`);
      return raw;
    },
    true,
  );
}
