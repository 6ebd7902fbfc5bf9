// A service's configuration is one TypeBox object schema whose keys are the
// environment variables it reads (see frontend/config.ts), validated once at
// start-up. infra/ and the bench read names and defaults from the same schema.
import { IsInteger, IsUnion, type StaticDecode, type TLiteral, type TObject, type TSchemaOptions } from 'typebox';
import type { TLocalizedValidationError } from 'typebox/error';
import { Value } from 'typebox/value';

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

/** For each variable of a schema, its key in the config object. */
export type Keys<S extends TObject> = { readonly [V in keyof StaticDecode<S>]-?: string };

/** The config object: each variable's value under its key (undefined for an optional one unset). */
export type ConfigOf<S extends TObject, K extends Keys<S>> = {
  readonly [V in keyof StaticDecode<S> & keyof K as K[V]]: StaticDecode<S>[V];
};

// Only digits make an integer. Not Value.Convert: it reads "3000.5" as 3000,
// "1e3" as 1000 and "true" as 1.
const INTEGER = /^-?\d+$/;

/**
 * Reads the schema's variables from `env` and returns them as one frozen
 * object, or throws a ConfigError naming the first bad one. Every variable
 * has a default or is optional.
 */
export function loadConfig<S extends TObject, const K extends Keys<S>>(schema: S, keys: K, env: Env): ConfigOf<S, K> {
  const given: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  for (const [variable, type] of Object.entries(schema.properties)) {
    // An empty variable means "not set", as it does for `FOO= cmd` and compose's `FOO:`.
    const raw = env[variable]?.trim();
    if (!raw) continue;
    given[variable] = raw;
    values[variable] = IsInteger(type) && INTEGER.test(raw) ? Number(raw) : raw;
  }
  Value.Default(schema, values);
  if (!Value.Check(schema, values)) {
    const [error] = Value.Errors(schema, values);
    throw configError(schema, error!, given);
  }
  // Decoding normalises the URLs (config.ts).
  const decoded = Value.Decode(schema, values) as Record<string, unknown>;
  return Object.freeze(Object.fromEntries(Object.entries(keys).map(([variable, key]) => [key, decoded[variable]]))) as ConfigOf<S, K>;
}

function configError(schema: TObject, error: TLocalizedValidationError, given: Readonly<Record<string, string>>): ConfigError {
  const variable = error.instancePath.slice(1);
  const type = schema.properties[variable] as TSchemaOptions;
  const reason = ruleOf(type, error);
  const raw = given[variable];
  // writeOnly is JSON Schema's mark for a password: its value is never repeated.
  return new ConfigError(variable, type.writeOnly === true || raw === undefined ? reason : `${reason} (got ${JSON.stringify(raw)})`);
}

// The rule a bad value breaks, in words. A refinement (the URLs) states its
// own; the others are read from the schema, so the words follow the check.
function ruleOf(type: TSchemaOptions, error: TLocalizedValidationError): string {
  if (error.keyword === '~refine') return error.params.message;
  if (IsInteger(type)) {
    const { minimum, maximum } = type as { minimum?: number; maximum?: number };
    return `must be an integer from ${minimum} to ${maximum}`;
  }
  if (IsUnion(type)) return `must be one of ${type.anyOf.map((choice) => (choice as TLiteral).const).join(', ')}`;
  // A string with a pattern or a length says what it must be in its title.
  return `must be ${type.title}`;
}

/** The value a variable has when unset: infra and the bench read it here rather than repeat it. */
export function defaultOf<S extends TObject, V extends keyof StaticDecode<S> & string>(schema: S, variable: V): StaticDecode<S>[V] {
  return Value.Default(schema.properties[variable]!, undefined) as StaticDecode<S>[V];
}
