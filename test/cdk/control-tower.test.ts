import { CfnResource, type Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../lib/app.js';
import {
  type CfnTemplate,
  CONTROL_TOWER_RULES,
  type ControlId,
  CT_CLOUDWATCH_PR_2,
  CT_CLOUDWATCH_PR_3,
  CT_KMS_PR_3,
  CT_LAMBDA_PR_3,
  CT_SQS_PR_1,
  controlTowerViolations,
  type Rule,
} from './control-tower-rules.js';
import { NO_BUNDLING } from './synth.js';

const VPC = {
  vpcId: 'vpc-0a1b2c3d4e5f60718',
  subnetIds: 'subnet-0a1b2c3d4e5f60718,subnet-0f1e2d3c4b5a69788',
};

/** Every configuration the other cdk tests synthesize, by what it adds to the auditor stack. */
const CONFIGURATIONS: Array<[string, Record<string, unknown>]> = [
  ['defaults', {}],
  [
    'listed member accounts, two regions',
    { accounts: '111111111111,222222222222', regions: 'us-east-1,eu-west-1' },
  ],
  ['organization', { accounts: 'organization', organizationId: 'o-a1b2c3d4e5' }],
  ['no change events', { changeEvents: 'false' }],
  ['remediation applied', { remediation: 'apply', accounts: '111111111111' }],
  [
    'sinks and Slack',
    {
      securityHub: 'true',
      eventBus: 'default',
      slackWorkspaceId: 'T0123ABCD',
      slackChannelId: 'C0123ABCD',
      alertEmails: 'a@example.com',
    },
  ],
  ['vpc', VPC],
  ['vpc, organization, no change events', { ...VPC, accounts: 'organization', changeEvents: 'false' }],
];

/**
 * Control Tower findings the stack acknowledges, by control id: the logical ids of every resource
 * under a construct that acknowledges it (Validations.of(...).acknowledge), with the reasons given.
 */
function acknowledged(stack: Stack): Map<ControlId, { logicalIds: Set<string>; reasons: string[] }> {
  const found = new Map<ControlId, { logicalIds: Set<string>; reasons: string[] }>();
  for (const construct of stack.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [key, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        const id = key.replace(/^Annotation::/, '');
        if (!(id in CONTROL_TOWER_RULES)) continue;
        const acks = found.get(id as ControlId) ?? { logicalIds: new Set<string>(), reasons: [] };
        acks.reasons.push(String(reason));
        for (const child of construct.node.findAll())
          if (child instanceof CfnResource) acks.logicalIds.add(stack.getLogicalId(child));
        found.set(id as ControlId, acks);
      }
    }
  }
  return found;
}

function synth(context: Record<string, unknown>) {
  const { stack, memberStack } = buildApp({ context: { ...NO_BUNDLING, ...context } });
  return { stack, memberStack, template: Template.fromStack(stack).toJSON() as CfnTemplate };
}

describe('AWS Control Tower proactive controls', () => {
  it.each(CONFIGURATIONS)(
    'the auditor stack passes every one, or acknowledges it with a reason (%s)',
    (_name, context) => {
      const { stack, template } = synth(context);
      const acks = acknowledged(stack);
      const unacknowledged = controlTowerViolations(template).filter(
        (v) => !acks.get(v.control)?.logicalIds.has(v.logicalId),
      );
      expect(unacknowledged).toEqual([]);
      for (const { reasons } of acks.values())
        for (const reason of reasons) expect(reason.length).toBeGreaterThan(40);
    },
  );

  it('acknowledges only CT.LAMBDA.PR.3 (no VPC), and only while no vpc is set', () => {
    expect([...acknowledged(synth({}).stack).keys()]).toEqual(['CT.LAMBDA.PR.3']);
    expect([...acknowledged(synth(VPC).stack).keys()]).toEqual([]);
    // Without a VPC both functions (audit and change) are outside one.
    const failing = controlTowerViolations(synth({}).template).map((v) => v.control);
    expect(failing).toEqual(['CT.LAMBDA.PR.3', 'CT.LAMBDA.PR.3']);
  });

  it.each([
    ['listed member accounts', { accounts: '111111111111', auditorRegion: 'eu-west-1' }],
    [
      'a member account of an organization',
      { auditorAccountId: '111111111111', organizationId: 'o-a1b2c3d4e5', remediation: 'apply' },
    ],
  ])('the member stack passes every one (%s)', (_name, context) => {
    const { memberStack } = synth(context);
    if (!memberStack) throw new Error('no member stack');
    expect(controlTowerViolations(Template.fromStack(memberStack).toJSON() as CfnTemplate)).toEqual([]);
  });
});

/** A template of one resource `Subject` (plus `others`), as the rule scenarios describe them. */
const one = (Type: string, Properties: Record<string, unknown>, others: CfnTemplate['Resources'] = {}) => ({
  Resources: { Subject: { Type, Properties }, ...others },
});

const DENY_GRANTS = {
  Effect: 'Deny',
  Principal: '*',
  Action: 'kms:CreateGrant',
  Resource: '*',
  Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
};
const ROOT = {
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::111111111111:root' },
  Action: 'kms:*',
  Resource: '*',
};

describe('Control Tower rules, each on the scenarios of its specification', () => {
  it.each<[string, Rule, CfnTemplate, boolean]>([
    ['PR.2: no retention (never expire)', CT_CLOUDWATCH_PR_2, one('AWS::Logs::LogGroup', {}), true],
    ['PR.2: 365 days', CT_CLOUDWATCH_PR_2, one('AWS::Logs::LogGroup', { RetentionInDays: 365 }), true],
    ['PR.2: 180 days', CT_CLOUDWATCH_PR_2, one('AWS::Logs::LogGroup', { RetentionInDays: 180 }), false],
    [
      'PR.3: key of the template',
      CT_CLOUDWATCH_PR_3,
      one(
        'AWS::Logs::LogGroup',
        { KmsKeyId: { 'Fn::GetAtt': ['Key', 'Arn'] } },
        { Key: { Type: 'AWS::KMS::Key' } },
      ),
      true,
    ],
    [
      'PR.3: key ARN',
      CT_CLOUDWATCH_PR_3,
      one('AWS::Logs::LogGroup', { KmsKeyId: 'arn:aws:kms:us-east-1:111111111111:key/k' }),
      true,
    ],
    [
      'PR.3: reference to something else',
      CT_CLOUDWATCH_PR_3,
      one('AWS::Logs::LogGroup', { KmsKeyId: { Ref: 'Topic' } }, { Topic: { Type: 'AWS::SNS::Topic' } }),
      false,
    ],
    ['PR.3: no key', CT_CLOUDWATCH_PR_3, one('AWS::Logs::LogGroup', {}), false],
    [
      'KMS.PR.3: root and the deny',
      CT_KMS_PR_3,
      one('AWS::KMS::Key', { KeyPolicy: { Statement: [ROOT, DENY_GRANTS] } }),
      true,
    ],
    [
      'KMS.PR.3: AWS "*" principal',
      CT_KMS_PR_3,
      one('AWS::KMS::Key', { KeyPolicy: { Statement: [ROOT, { ...DENY_GRANTS, Principal: { AWS: '*' } }] } }),
      true,
    ],
    [
      'KMS.PR.3: root only (CDK default)',
      CT_KMS_PR_3,
      one('AWS::KMS::Key', { KeyPolicy: { Statement: [ROOT] } }),
      false,
    ],
    [
      'KMS.PR.3: one condition key only',
      CT_KMS_PR_3,
      one('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: [
            { ...DENY_GRANTS, Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false' } } },
          ],
        },
      }),
      false,
    ],
    [
      'KMS.PR.3: Bool instead of BoolIfExists',
      CT_KMS_PR_3,
      one('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: [{ ...DENY_GRANTS, Condition: { Bool: DENY_GRANTS.Condition.BoolIfExists } }],
        },
      }),
      false,
    ],
    ['KMS.PR.3: no policy', CT_KMS_PR_3, one('AWS::KMS::Key', {}), false],
    [
      'LAMBDA.PR.3: subnets and a security group',
      CT_LAMBDA_PR_3,
      one(
        'AWS::Lambda::Function',
        { VpcConfig: { SubnetIds: ['subnet-1'], SecurityGroupIds: [{ 'Fn::GetAtt': ['Sg', 'GroupId'] }] } },
        { Sg: { Type: 'AWS::EC2::SecurityGroup' } },
      ),
      true,
    ],
    [
      'LAMBDA.PR.3: no security group',
      CT_LAMBDA_PR_3,
      one('AWS::Lambda::Function', { VpcConfig: { SubnetIds: ['subnet-1'], SecurityGroupIds: [] } }),
      false,
    ],
    ['LAMBDA.PR.3: no VpcConfig', CT_LAMBDA_PR_3, one('AWS::Lambda::Function', {}), false],
    [
      'SQS.PR.1: a dead-letter queue',
      CT_SQS_PR_1,
      one(
        'AWS::SQS::Queue',
        { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Dlq', 'Arn'] }, maxReceiveCount: 5 } },
        {
          Dlq: {
            Type: 'AWS::SQS::Queue',
            Properties: { RedriveAllowPolicy: { redrivePermission: 'allowAll' } },
          },
        },
      ),
      true,
    ],
    [
      'SQS.PR.1: declared a dead-letter queue (byQueue)',
      CT_SQS_PR_1,
      one('AWS::SQS::Queue', {
        RedriveAllowPolicy: {
          redrivePermission: 'byQueue',
          sourceQueueArns: ['arn:aws:sqs:us-east-1:111111111111:q'],
        },
      }),
      true,
    ],
    [
      'SQS.PR.1: denyAll is no declaration',
      CT_SQS_PR_1,
      one('AWS::SQS::Queue', { RedriveAllowPolicy: { redrivePermission: 'denyAll' } }),
      false,
    ],
    ['SQS.PR.1: neither', CT_SQS_PR_1, one('AWS::SQS::Queue', {}), false],
  ])('%s', (_name, rule, template, passes) => {
    expect(rule(template)).toHaveLength(passes ? 0 : 1);
  });

  it('skips a template without the resource type', () => {
    for (const rule of Object.values(CONTROL_TOWER_RULES)) expect(rule({ Resources: {} })).toEqual([]);
  });
});
