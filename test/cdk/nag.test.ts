import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../lib/app.js';
import { NO_BUNDLING, synthApp } from './synth.js';

// cdk-nag 3 runs as CDK validation plugins (not Aspects + Annotations as in v2): an unacknowledged
// finding, warning or error, fails `app.synth()` (and so `Template.fromStack` in every other test),
// and acknowledgements live in construct metadata as { 'Annotation::<rule id>': reason }.

function acknowledgements(root: IConstruct): Array<{ path: string; id: string; reason: string }> {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, unknown>).map(([id, reason]) => ({
          path: c.node.path,
          id,
          reason: typeof reason === 'string' ? reason : '',
        })),
      ),
  );
}

describe('cdk-nag', () => {
  it.each([
    ['defaults', {}],
    [
      'every option',
      {
        regions: 'us-east-1,eu-west-1',
        alertEmails: 'a@example.com,b@example.com',
        slackWorkspaceId: 'T0123ABCD',
        slackChannelId: 'C0123ABCD',
        schedule: 'cron(0 6 * * ? *)',
      },
    ],
    // These two add the IvsChatAuditorMember stack, checked with the rest of the app.
    ['listed member accounts', { accounts: '111111111111,222222222222', regions: 'us-east-1,eu-west-1' }],
    ['organization', { accounts: 'organization', organizationId: 'o-a1b2c3d4e5', memberRoleName: 'reader' }],
    [
      'remediation applied, organization without id, change events forwarded from another region',
      {
        accounts: 'organization',
        remediation: 'apply',
        remediationTag: 'team=chat',
        auditorRegion: 'eu-west-1',
      },
    ],
    ['no change events', { changeEvents: 'false', accounts: '111111111111' }],
    [
      'functions in a VPC',
      { vpcId: 'vpc-0a1b2c3d4e5f60718', subnetIds: 'subnet-0a1b2c3d4e5f60718', logRetentionDays: '3653' },
    ],
  ])('AwsSolutions and Serverless report nothing unacknowledged (%s)', (_name, context) => {
    // synthApp synthesizes, so it would already have thrown on an unacknowledged finding.
    const { app } = synthApp(context);
    for (const pack of [new AwsSolutionsChecks(), new ServerlessChecks()]) {
      const report = pack.validateScope(app);
      expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources[0]?.constructPath}`)).toEqual(
        [],
      );
    }
  });

  it('reports nothing unacknowledged for a stack with a concrete account and region (as cdk synth with credentials)', () => {
    const saved = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
    process.env.CDK_DEFAULT_ACCOUNT = '123456789012';
    process.env.CDK_DEFAULT_REGION = 'eu-west-1';
    try {
      // Pseudo parameters become literals in resource ARNs, and so in cdk-nag's finding ids.
      const { app, stack } = synthApp({ accounts: '111111111111' });
      expect(stack.region).toBe('eu-west-1');
      for (const pack of [new AwsSolutionsChecks(), new ServerlessChecks()]) {
        expect(pack.validateScope(app).violations.map((v) => v.ruleName)).toEqual([]);
      }
    } finally {
      for (const [key, value] of [
        ['CDK_DEFAULT_ACCOUNT', saved.account],
        ['CDK_DEFAULT_REGION', saved.region],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it('gives every acknowledgement a written reason', () => {
    const { app } = synthApp({
      regions: 'us-east-1',
      slackWorkspaceId: 'T0123ABCD',
      slackChannelId: 'C0123ABCD',
    });
    const acks = acknowledgements(app);
    expect(acks.map((a) => a.id)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:ivschat:us-east-1:.*:room\/\*\]/,
        ),
        expect.stringMatching(/AwsSolutions-IAM5\[Resource::\*\]/),
      ]),
    );
    for (const ack of acks) expect(ack.reason.length, `${ack.path} ${ack.id}`).toBeGreaterThan(30);
  });

  it('is wired into the app: a new wildcard permission fails synth', () => {
    const { app, stack } = buildApp({ context: NO_BUNDLING });
    stack.auditor.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
    expect(() => app.synth()).toThrow(/Validation failed|AwsSolutions-IAM5\[Action::s3:\*\]/);
  });
});
