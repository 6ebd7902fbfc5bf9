// The CDK app (cdk.json: `node infra/app.ts`): one stack, checked by cdk-nag's
// AwsSolutions rules on every synth. A finding that is not acknowledged in the
// code, with its reason, fails `cdk synth` and `cdk deploy`.
import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { OptionError, readOptions, type ContextKey } from './options.ts';
import { FargateTaskStack } from './stack.ts';

export function createApp(props: AppProps = {}): { app: App; stack: FargateTaskStack } {
  const app = new App(props);
  const options = readOptions((key: ContextKey) => app.node.tryGetContext(key));
  const stack = new FargateTaskStack(app, options);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

if (import.meta.main) {
  try {
    createApp();
  } catch (error) {
    // A bad -c value: one line naming it, not a stack trace.
    if (!(error instanceof OptionError)) throw error;
    process.stderr.write(`infra/app.ts: ${error.message}\n`);
    process.exit(1);
  }
}
