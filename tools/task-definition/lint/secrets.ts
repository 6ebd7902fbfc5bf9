// Secrets ECS injects into the environment at container start, from Secrets
// Manager or SSM Parameter Store. A malformed reference fails only when a
// task starts, so it is worth catching before the deploy.
import { describeValue } from './describe.ts';
import { childPath, hasPlaceholder, objectsIn } from './json.ts';
import { eachContainer, type Rule } from './task.ts';

const PARTITION = 'aws(?:-[a-z]+)*';
const REGION = '[a-z]{2}(?:-[a-z]+)+-\\d+';
const ACCOUNT = '\\d{12}';

// The full secret ARN, optionally followed by :json-key:version-stage:version-id,
// where an empty field keeps its colon (`...:secret:db-AbCdEf:password::`).
const SECRET_ARN = new RegExp(`^arn:${PARTITION}:secretsmanager:${REGION}:${ACCOUNT}:secret:[\\w/+=.@-]+(?::[^:]*:[^:]*:[^:]*)?$`);
const PARAMETER_ARN = new RegExp(`^arn:${PARTITION}:ssm:${REGION}:${ACCOUNT}:parameter/[\\w./-]+$`);
// A parameter in the task's own region may be named instead of given by ARN.
const PARAMETER_NAME = /^[\w./-]{1,2048}$/;

// What to write instead, by what the value looks like. The value itself is
// never shown: people paste the secret in place of its reference.
function advice(valueFrom: unknown): string {
  if (typeof valueFrom !== 'string') return "is missing; set it to the secret's full ARN or the parameter's name or ARN";
  if (valueFrom.startsWith('arn:') && valueFrom.includes(':secretsmanager:')) {
    return 'is not a valid Secrets Manager secret ARN; write arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME, optionally followed by :JSON_KEY:VERSION_STAGE:VERSION_ID with every colon kept when a field is empty';
  }
  if (valueFrom.startsWith('arn:') && valueFrom.includes(':ssm:')) {
    return 'is not a valid SSM parameter ARN; write arn:aws:ssm:REGION:ACCOUNT:parameter/NAME';
  }
  return "is neither a Secrets Manager secret ARN nor an SSM parameter ARN or name; use the secret's full ARN or the parameter's name or ARN";
}

export const secretRules: readonly Rule[] = [
  {
    id: 'secret-value-from',
    check: eachContainer(function* (container) {
      for (const secret of objectsIn(container.def, 'secrets', container.path)) {
        const { name, valueFrom } = secret.value;
        if (hasPlaceholder(valueFrom)) continue;
        if (typeof valueFrom === 'string' && [SECRET_ARN, PARAMETER_ARN, PARAMETER_NAME].some((format) => format.test(valueFrom))) continue;
        // The name is the environment variable the secret lands in, not the secret itself.
        const which = typeof name === 'string' ? `the secret ${describeValue(name)} of ${container.label}` : `a secret of ${container.label}`;
        yield { path: childPath(secret.path, 'valueFrom'), message: `The valueFrom of ${which} ${advice(valueFrom)}.` };
      }
    }),
  },
];
