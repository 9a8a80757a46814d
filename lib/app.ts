import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { type ContextKey, readConfig } from './config.js';
import { IvsChatAuditorStack, type IvsChatAuditorStackProps } from './ivschat-auditor-stack.js';

export const STACK_NAME = 'IvsChatAuditor';

/**
 * Builds the CDK app: validated context → one stack, checked by the cdk-nag packs.
 * Shared by `bin/app.ts` and the tests, so both synthesize exactly the same thing.
 */
export function buildApp(
  appProps: AppProps = {},
  auditor?: IvsChatAuditorStackProps['auditor'],
): { app: App; stack: IvsChatAuditorStack } {
  const app = new App(appProps);
  const config = readConfig((key: ContextKey) => app.node.tryGetContext(key));
  const stack = new IvsChatAuditorStack(app, STACK_NAME, {
    config,
    ...(auditor ? { auditor } : {}),
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  // cdk-nag 3 packs are CDK validation plugins: any unacknowledged finding stops synthesis.
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { verbose: true }),
    new ServerlessChecks(app, { verbose: true }),
  );
  return { app, stack };
}
