import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { describe, expect, it } from 'vitest';
import { type FunctionNetworkProps, IvsChatAuditor } from '../../lib/ivschat-auditor.js';
import { NO_BUNDLING, synthApp } from './synth.js';

type Statement = {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
};
/** The properties these tests read. */
type Properties = {
  LogGroupName?: string;
  KeyPolicy: { Statement: Statement[] };
  LoggingConfig: { LogGroup: unknown };
  VpcConfig?: unknown;
  Role?: { 'Fn::GetAtt': [string, string] };
  VpcId?: string;
  SecurityGroupIngress?: unknown;
  SecurityGroupEgress?: unknown;
  ManagedPolicyArns?: unknown;
};
type Resource = { Type: string; Properties: Properties };

const VPC = {
  vpcId: 'vpc-0a1b2c3d4e5f60718',
  subnetIds: 'subnet-0a1b2c3d4e5f60718,subnet-0f1e2d3c4b5a69788',
};

const resourcesOf = (template: Template, type: string) =>
  Object.entries(template.findResources(type) as Record<string, Resource>);

/** The literal tail of a joined ARN (`…:log-group:<name>`), the part this stack writes itself. */
const arnTail = (arn: unknown): string => {
  const parts = (arn as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  return String(parts[parts.length - 1]);
};

describe('Log groups', () => {
  it('keeps every log group logRetentionDays, encrypted with the log key', () => {
    const { template } = synthApp({ logRetentionDays: '731' });
    const groups = resourcesOf(template, 'AWS::Logs::LogGroup');
    expect(groups.map(([id]) => id).sort()).toEqual([
      expect.stringMatching(/^AuditorEngineExecutionLogs/),
      expect.stringMatching(/^AuditorLogs/),
    ]);
    for (const [, group] of groups) {
      expect(group.Properties).toMatchObject({
        RetentionInDays: 731,
        KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^AuditorEngineLogKey/), 'Arn'] },
      });
    }
  });

  it('lets CloudWatch Logs use the log key for exactly the log groups it encrypts, each by name', () => {
    const { template } = synthApp();
    const names = resourcesOf(template, 'AWS::Logs::LogGroup').map(([, g]) => g.Properties.LogGroupName);
    const [[, key]] = resourcesOf(template, 'AWS::KMS::Key').filter(([id]) => id.includes('LogKey')) as [
      [string, Resource],
    ];
    const forLogs = key.Properties.KeyPolicy.Statement.filter((s) =>
      JSON.stringify(s.Principal).includes('logs.'),
    );
    const named = forLogs.map((s) => arnTail(s.Condition?.ArnEquals?.['kms:EncryptionContext:aws:logs:arn']));
    expect(named.sort()).toEqual(names.map((name) => `:log-group:${name}`).sort());
    // Both functions write to the one named function log group.
    for (const [, fn] of resourcesOf(template, 'AWS::Lambda::Function'))
      expect(fn.Properties.LoggingConfig.LogGroup).toEqual({ Ref: expect.stringMatching(/^AuditorLogs/) });
  });
});

describe('KMS keys', () => {
  it('let nobody create a grant on either key except through an AWS service; the account root still administers them', () => {
    const { template } = synthApp();
    const keys = resourcesOf(template, 'AWS::KMS::Key');
    expect(keys).toHaveLength(2);
    for (const [, key] of keys) {
      const statements = key.Properties.KeyPolicy.Statement;
      expect(statements).toContainEqual({
        Sid: 'DenyGrantsExceptForAwsServices',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'kms:CreateGrant',
        Resource: '*',
        Condition: {
          BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
        },
      });
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: 'Allow',
          Action: 'kms:*',
          Principal: { AWS: { 'Fn::Join': ['', expect.arrayContaining([':root'])] } },
        }),
      );
    }
  });
});

describe('Functions in a VPC', () => {
  it('puts both functions in the given subnets with one security group: nothing in, HTTPS out', () => {
    const { template } = synthApp(VPC);
    const [[sgId, sg]] = resourcesOf(template, 'AWS::EC2::SecurityGroup') as [[string, Resource]];
    expect(sg.Properties.VpcId).toBe(VPC.vpcId);
    expect(sg.Properties.SecurityGroupIngress).toBeUndefined();
    expect(sg.Properties.SecurityGroupEgress).toEqual([
      {
        CidrIp: '0.0.0.0/0',
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        Description: 'HTTPS to AWS APIs',
      },
    ]);
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
    const functions = resourcesOf(template, 'AWS::Lambda::Function');
    expect(functions).toHaveLength(2);
    for (const [, fn] of functions) {
      expect(fn.Properties.VpcConfig).toEqual({
        SubnetIds: VPC.subnetIds.split(','),
        SecurityGroupIds: [{ 'Fn::GetAtt': [sgId, 'GroupId'] }],
      });
    }
    // Lambda manages the network interfaces with each function's own role (the change function has its own).
    const roles = Object.fromEntries(resourcesOf(template, 'AWS::IAM::Role'));
    const roleIds = new Set(functions.map(([, fn]) => fn.Properties.Role?.['Fn::GetAtt'][0] as string));
    expect(roleIds.size).toBe(2);
    for (const roleId of roleIds) {
      expect(JSON.stringify(roles[roleId]?.Properties.ManagedPolicyArns)).toContain(
        ':iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole',
      );
    }
  });

  it('adds no VPC configuration, security group or network permission without a vpc', () => {
    const { template } = synthApp();
    for (const [, fn] of resourcesOf(template, 'AWS::Lambda::Function'))
      expect(fn.Properties.VpcConfig).toBeUndefined();
    template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    for (const [, role] of resourcesOf(template, 'AWS::IAM::Role'))
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it("takes the construct's own VPC, in its private subnets by default", () => {
    const app = new App({ context: NO_BUNDLING });
    const stack = new Stack(app, 'UserStack', { env: { account: '123456789012', region: 'us-east-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    new IvsChatAuditor(stack, 'Audit', { network: { vpc }, changeEvents: { enabled: false } });
    const template = Template.fromStack(stack);
    const privateSubnets = vpc.privateSubnets.map((s) => stack.resolve(s.subnetId));
    template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: { SubnetIds: privateSubnets, SecurityGroupIds: [Match.anyValue()] },
    });
  });

  it('refuses vpcSubnets without a vpc, naming both', () => {
    const app = new App({ context: NO_BUNDLING });
    const stack = new Stack(app, 'UserStack');
    expect(
      () =>
        new IvsChatAuditor(stack, 'Audit', {
          // A JavaScript caller's props, without the vpc the type requires.
          network: { vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } } as FunctionNetworkProps,
        }),
    ).toThrow(/vpcSubnets needs vpc/);
  });
});
