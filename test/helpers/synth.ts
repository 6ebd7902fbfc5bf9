// The app synthesized in-process, as `npx cdk synth` does it: with cdk.json's
// context (feature flags) under the given values. For the rendering, the
// checks and the tests; cdk-nag runs here too.
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../infra/app.ts';

/** A CloudFormation template, as synthesized. */
export interface CfnTemplate {
  readonly Resources: Readonly<Record<string, { readonly Type: string; readonly Properties?: Readonly<Record<string, unknown>> }>>;
  readonly [section: string]: unknown;
}

const CDK_JSON = new URL('../../cdk.json', import.meta.url);

/** The context `npx cdk synth` gives the app: cdk.json's, with `context` on top (as -c does). */
export function cliContext(context: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  const { context: fromFile = {} } = JSON.parse(readFileSync(CDK_JSON, 'utf8')) as { context?: Record<string, unknown> };
  return { ...fromFile, ...context };
}

/** Synthesizes the stack and returns its template; throws on an option error or an unacknowledged cdk-nag finding. */
export function synthesizeTemplate(context: Readonly<Record<string, unknown>> = {}): CfnTemplate {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-synth-'));
  try {
    // The images are fingerprinted but not copied: nothing here builds them.
    // Path metadata names each resource's construct, as the CLI's templates do.
    const settings = { 'aws:cdk:disable-asset-staging': true, 'aws:cdk:enable-path-metadata': true };
    const { app, stack } = createApp({ outdir, context: { ...cliContext(context), ...settings } });
    return app.synth().getStackByName(stack.stackName).template as CfnTemplate;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
