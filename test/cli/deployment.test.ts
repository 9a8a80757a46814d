import { CloudFormationClient, DescribeStacksCommand, type Output } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DeploymentError, readDeployment } from '../../lambda/cli/deployment.js';

const cfn = mockClient(CloudFormationClient);
afterEach(() => cfn.reset());

const STACK_ID = 'arn:aws:cloudformation:eu-west-1:000000000000:stack/IvsChatAuditor/abc';
const BASE: Record<string, string> = {
  AlertsTopicArn: 'arn:aws:sns:eu-west-1:000000000000:alerts',
  StateTableName: 'state',
  StateMachineArn: 'arn:aws:states:eu-west-1:000000000000:stateMachine:engine',
  FunctionName: 'fn',
  DashboardName: 'dash',
  DeadLetterQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/000000000000/dlq',
  ScheduleRuleName: 'schedule',
  AuditSchedule: 'rate(1 hour)',
  AuditIntervalSeconds: '3600',
  AlarmNames: 'a1,a2',
  AuditedRegions: 'eu-west-1,us-east-1',
  AuditedAccounts: '000000000000,111111111111',
  MemberRoleName: 'ivschat-auditor-member',
  AlertSinks: 'email,slack',
  AlertEmailCount: '2',
  ChangeRuleName: 'changes',
  ChangeQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/000000000000/changes',
  ChangeDeadLetterQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/000000000000/changes-dlq',
};

function stackWith(outputs: Record<string, string>): void {
  const Outputs: Output[] = Object.entries(outputs).map(([OutputKey, OutputValue]) => ({
    OutputKey,
    OutputValue,
  }));
  cfn.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: 'IvsChatAuditor',
        StackId: STACK_ID,
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: new Date(),
        Outputs,
      },
    ],
  });
}

const read = () =>
  readDeployment({
    stackName: 'IvsChatAuditor',
    region: 'eu-west-1',
    clients: { cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }) },
  });

describe('readDeployment', () => {
  it('reads every output into a typed deployment', async () => {
    stackWith(BASE);
    const deployment = await read();
    expect(deployment).toMatchObject({
      accountId: '000000000000',
      stackStatus: 'UPDATE_COMPLETE',
      schedule: { ruleName: 'schedule', expression: 'rate(1 hour)', intervalSeconds: 3600 },
      alarmNames: ['a1', 'a2'],
      regions: ['eu-west-1', 'us-east-1'],
      accounts: ['000000000000', '111111111111'],
      sinks: { emailCount: 2, slack: true, securityHub: false },
      changes: { ruleName: 'changes' },
    });
    expect(deployment.sinks.eventBus).toBeUndefined();
  });

  it('reads organization, no sinks and no change path', async () => {
    const { ChangeRuleName, ChangeQueueUrl, ChangeDeadLetterQueueUrl, ...rest } = BASE;
    stackWith({ ...rest, AuditedAccounts: 'organization', AlertSinks: 'none', AlertEmailCount: '0' });
    const deployment = await read();
    expect(deployment.accounts).toBe('organization');
    expect(deployment.sinks).toEqual({ emailCount: 0, slack: false, securityHub: false });
    expect(deployment.changes).toBeUndefined();
  });

  it('says the stack is missing when CloudFormation does not know it', async () => {
    cfn
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' }));
    await expect(read()).rejects.toThrow(DeploymentError);
    await expect(read()).rejects.toThrow(/no stack IvsChatAuditor in eu-west-1: is this the auditor's stack/);
  });

  it('names the missing outputs of a stack that is not the auditor', async () => {
    stackWith({ BucketName: 'b' });
    await expect(read()).rejects.toThrow(/has no output AlertsTopicArn, .*is this the auditor's stack/);
  });

  it.each([
    ['AuditIntervalSeconds', '-5'],
    ['AuditedRegions', 'not a region'],
    ['AuditedAccounts', '12345'],
    ['AlertSinks', 'carrier-pigeon'],
    ['AlertEmailCount', 'two'],
  ])('refuses a hostile %s output', async (key, value) => {
    stackWith({ ...BASE, [key]: value });
    await expect(read()).rejects.toThrow(new RegExp(`output ${key}: `));
  });

  it('refuses a change path that is only half there', async () => {
    const { ChangeDeadLetterQueueUrl, ...rest } = BASE;
    stackWith(rest);
    await expect(read()).rejects.toThrow(/change outputs are incomplete/);
  });

  it('passes other errors through (access denied is not "missing")', async () => {
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    await expect(read()).rejects.toThrow('denied');
  });
});
