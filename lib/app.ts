import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { type ContextKey, readConfig } from './config.js';
import { IvsChatAuditorStack, type IvsChatAuditorStackProps } from './ivschat-auditor-stack.js';
import { IvsChatAuditorMemberStack, MEMBER_STACK_NAME } from './member-stack.js';

export const STACK_NAME = 'IvsChatAuditor';

/**
 * Builds the CDK app: validated context → the auditor stack, plus the member stack when several
 * accounts are involved, all checked by the cdk-nag packs.
 * Shared by `bin/app.ts` and the tests, so both synthesize exactly the same thing.
 */
export function buildApp(
  appProps: AppProps = {},
  auditor?: IvsChatAuditorStackProps['auditor'],
): { app: App; stack: IvsChatAuditorStack; memberStack?: IvsChatAuditorMemberStack } {
  const app = new App(appProps);
  const config = readConfig(
    (key: ContextKey) => app.node.tryGetContext(key),
    Object.keys(app.node.getAllContext()),
  );
  const stack = new IvsChatAuditorStack(app, STACK_NAME, {
    config,
    ...(auditor ? { auditor } : {}),
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  // Only when other accounts are audited, or a member-stack setting says a member account (or one of
  // the auditor account's other regions) deploys it: a single-account app keeps one stack, so a plain
  // `cdk deploy` still needs no stack name.
  const memberStack =
    config.accounts.length > 0 ||
    config.auditorAccountId ||
    config.auditorRegion ||
    config.memberTrustedPrincipals.length > 0
      ? new IvsChatAuditorMemberStack(app, MEMBER_STACK_NAME, {
          ...(config.auditorAccountId ? { auditorAccountId: config.auditorAccountId } : {}),
          memberRoleName: config.memberRoleName,
          trustedPrincipals: config.memberTrustedPrincipals,
          ...(config.organizationId ? { organizationId: config.organizationId } : {}),
          securityHub: config.securityHub,
          iacDrift: config.iacDrift,
          remediation: config.remediation,
          remediationTag: config.remediationTag,
          changeEvents: config.changeEvents,
          ...(config.auditorRegion ? { auditorRegion: config.auditorRegion } : {}),
        })
      : undefined;
  // cdk-nag 3 packs are CDK validation plugins: any unacknowledged finding stops synthesis.
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { verbose: true }),
    new ServerlessChecks(app, { verbose: true }),
  );
  return { app, stack, ...(memberStack ? { memberStack } : {}) };
}
