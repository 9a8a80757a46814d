/**
 * The synthesized templates the redesign must not change (issue 23): an upgrade that renamed a logical
 * id would replace the state table or the topic. `npx tsx test/cdk/template-baseline.ts --write`
 * records them; `templates-unchanged.test.ts` compares every synth against the record.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App, Stack } from 'aws-cdk-lib';
import { buildApp } from '../../lib/app.js';
import { NO_BUNDLING } from './synth.js';

export const TEMPLATE_DIR = join(import.meta.dirname, 'templates');

/** Deployments that together switch every setting that adds or shapes a resource. */
export const BASELINE_CONTEXTS: Record<string, Record<string, unknown>> = {
  default: {},
  organization: {
    accounts: 'organization',
    organizationId: 'o-exampleorgid',
    regions: 'us-east-1,eu-west-1',
    alertEmails: 'sec@example.com,ops@example.com',
    slackWorkspaceId: 'T0EXAMPLE',
    slackChannelId: 'C0EXAMPLE',
    securityHub: true,
    eventBus: 'default',
    remediation: 'apply',
    iacDrift: true,
  },
  listed: {
    accounts: '111122223333,444455556666',
    regions: 'us-west-2',
    changeEvents: false,
    remediation: 'plan',
    schedule: 'cron(0 6 * * ? *)',
    logRetentionDays: 90,
    vpcId: 'vpc-0123456789abcdef0',
    subnetIds: 'subnet-0123456789abcdef0,subnet-0fedcba9876543210',
    memberTrustedPrincipals: 'arn:aws:iam::111122223333:role/ci-deployer',
  },
  member: { auditorAccountId: '111122223333', remediation: 'apply', securityHub: true },
  // The report bucket the stack creates, and the function's write grant on it.
  reports: { reportBucket: 'create' },
};

/** Asset hashes change with every source edit; nothing else may. */
function normalize(stack: Stack): string {
  const template = (stack.node.root as App).synth().getStackByName(stack.stackName).template;
  return `${JSON.stringify(template, null, 1).replace(/[0-9a-f]{64}/g, '<asset-hash>')}\n`;
}

/** Every stack the app makes for one baseline context, as normalized template text by stack name. */
export function synthesizedTemplates(context: Record<string, unknown>): Record<string, string> {
  const { stack, memberStack } = buildApp({ context: { ...NO_BUNDLING, ...context } });
  const out: Record<string, string> = { [stack.stackName]: normalize(stack) };
  if (memberStack) out[memberStack.stackName] = normalize(memberStack);
  return out;
}

export const templateFile = (name: string, stackName: string): string =>
  join(TEMPLATE_DIR, `${name}.${stackName}.json`);

export function recordedTemplate(name: string, stackName: string): string {
  return readFileSync(templateFile(name, stackName), 'utf8');
}

if (process.argv.includes('--write')) {
  mkdirSync(TEMPLATE_DIR, { recursive: true });
  for (const [name, context] of Object.entries(BASELINE_CONTEXTS)) {
    for (const [stackName, text] of Object.entries(synthesizedTemplates(context))) {
      writeFileSync(templateFile(name, stackName), text);
    }
  }
}
