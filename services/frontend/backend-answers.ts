// What the frontend takes from the backend's answers: exactly the fields of
// their schemas (services/shared/schemas.ts), copied into a new object, so a
// field the backend adds never reaches a caller; undefined for an answer that
// breaks its schema. Written out rather than compiled with typebox/compile,
// which added about 100 ms and 9 MB to the frontend's start-up
// (docs/design.md); test/frontend/backend-answers.test.ts holds these
// readers to the schemas.
import type { BackendHello, Identity } from '../shared/schemas.ts';

type Fields = Readonly<Record<string, unknown>>;

function fields(value: unknown): Fields | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : undefined;
}

const optionalText = (value: unknown): value is string | undefined => value === undefined || typeof value === 'string';

export function readIdentity(value: unknown): Identity | undefined {
  const f = fields(value);
  if (f === undefined) return undefined;
  const { service, hostname, pid, taskArn, availabilityZone } = f;
  if (typeof service !== 'string' || typeof hostname !== 'string' || typeof pid !== 'number' || !Number.isInteger(pid)) return undefined;
  if (!optionalText(taskArn) || !optionalText(availabilityZone)) return undefined;
  return {
    service,
    hostname,
    pid,
    ...(taskArn === undefined ? {} : { taskArn }),
    ...(availabilityZone === undefined ? {} : { availabilityZone }),
  };
}

export function readBackendHello(value: unknown): BackendHello | undefined {
  const f = fields(value);
  const servedBy = readIdentity(f?.servedBy);
  if (f === undefined || typeof f.greeting !== 'string' || servedBy === undefined) return undefined;
  return { greeting: f.greeting, servedBy };
}

export function readHealth(value: unknown): { status: string } | undefined {
  const status = fields(value)?.status;
  return typeof status === 'string' ? { status } : undefined;
}
