// The stack synthesized with given context values, once per set of values
// (a synth takes seconds), as a Template to assert on. The same path as
// `npx cdk synth`: cdk.json's context underneath, cdk-nag on.
import { Template } from 'aws-cdk-lib/assertions';
import { synthesizeTemplate, type CfnTemplate } from './synth.ts';

const cache = new Map<string, Template>();

export function template(context: Readonly<Record<string, string>> = {}): Template {
  const key = JSON.stringify(context);
  let synthesized = cache.get(key);
  if (synthesized === undefined) {
    synthesized = Template.fromJSON(synthesizeTemplate(context));
    cache.set(key, synthesized);
  }
  return synthesized;
}

type Resource = CfnTemplate['Resources'][string] & { readonly Metadata?: Readonly<Record<string, unknown>> };
const resourcesIn = (context: Readonly<Record<string, string>>) => (template(context).toJSON() as CfnTemplate).Resources as Readonly<Record<string, Resource>>;
const outputsIn = (context: Readonly<Record<string, string>>) => (template(context).toJSON() as CfnTemplate).Outputs as Readonly<Record<string, unknown>> | undefined;

/** A resource's construct path without the stack and the trailing /Resource: `Task/Definition`. */
function pathOf(resource: Resource, id: string): string {
  const path = String(resource.Metadata?.['aws:cdk:path'] ?? id);
  return path.split('/').slice(1).filter((part) => part !== 'Resource').join('/');
}

/** What context values change in the template: resources added, removed and changed, and outputs changed, by construct path. */
export function changes(context: Readonly<Record<string, string>>): { added: string[]; removed: string[]; changed: string[]; outputs: string[] } {
  const [before, after] = [resourcesIn({}), resourcesIn(context)];
  const outputs = [outputsIn({}), outputsIn(context)];
  return {
    added: Object.keys(after).filter((id) => !(id in before)).map((id) => pathOf(after[id]!, id)).sort(),
    removed: Object.keys(before).filter((id) => !(id in after)).map((id) => pathOf(before[id]!, id)).sort(),
    changed: Object.keys(after)
      .filter((id) => id in before && JSON.stringify(before[id]) !== JSON.stringify(after[id]))
      .map((id) => pathOf(after[id]!, id))
      .sort(),
    outputs: Object.keys({ ...outputs[0], ...outputs[1] }).filter((key) => JSON.stringify(outputs[0]?.[key]) !== JSON.stringify(outputs[1]?.[key])),
  };
}

/** Made-up values in the formats the options accept. */
export const EXAMPLE = {
  frontendImage: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/ci/frontend:1.4.2',
  backendImage: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/ci/backend:1.4.2',
  vpcId: 'vpc-0123456789abcdef0',
  publicSubnetIds: 'subnet-0123456789abcdef0,subnet-0123456789abcdef1',
  privateSubnetIds: 'subnet-0123456789abcdef2,subnet-0123456789abcdef3',
  certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/01234567-89ab-cdef-0123-456789abcdef',
  domainName: 'app.example.com',
  existingSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/internal-token-AbCdEf',
} as const;
