import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../lib/app.js';
import { NO_BUNDLING } from './synth.js';

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** Both stacks with member accounts, so the member role exists beside the function role. */
function synthBoth(context: Record<string, unknown>): { auditor: Template; member: Template } {
  const { stack, memberStack } = buildApp({
    context: { ...NO_BUNDLING, accounts: '111111111111', regions: 'us-east-1,eu-west-1', ...context },
  });
  if (!memberStack) throw new Error('expected the member stack');
  return { auditor: Template.fromStack(stack), member: Template.fromStack(memberStack) };
}

/** Every IAM statement of a template: managed and inline policies, role trusts. */
function statements(template: Template): Statement[] {
  const documents: Array<{ Statement: Statement[] }> = [];
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy')))
    documents.push(policy.Properties.PolicyDocument);
  for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
    documents.push(role.Properties.AssumeRolePolicyDocument);
    for (const inline of role.Properties.Policies ?? []) documents.push(inline.PolicyDocument);
  }
  return documents.flatMap((document) => document.Statement);
}

/** IVS Chat actions that are not reads (List*, Get*). */
const chatWrites = (template: Template) =>
  statements(template)
    .flatMap((s) => [s.Action].flat())
    .filter((action) => action.startsWith('ivschat:') && !/^ivschat:(List|Get)/.test(action));

const updateRoomStatements = (template: Template) =>
  statements(template).filter((s) => [s.Action].flat().includes('ivschat:UpdateRoom'));

const roomArn = (region: string, account: unknown) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ivschat:${region}:`, account, ':room/*']],
});

describe('Remediation IAM', () => {
  it.each(['off', 'plan'])('grants no IVS Chat write action in either stack with remediation=%s', (mode) => {
    const { auditor, member } = synthBoth({ remediation: mode });
    expect(chatWrites(auditor)).toEqual([]);
    expect(chatWrites(member)).toEqual([]);
  });

  it('grants no IVS Chat write action by default', () => {
    const { auditor, member } = synthBoth({});
    expect(chatWrites(auditor)).toEqual([]);
    expect(chatWrites(member)).toEqual([]);
  });

  describe('remediation=apply with the default tag', () => {
    const { auditor, member } = synthBoth({ remediation: 'apply' });

    it('lets the function role update only tagged rooms of its regions, and write nothing else', () => {
      expect(chatWrites(auditor)).toEqual(['ivschat:UpdateRoom']);
      expect(updateRoomStatements(auditor)).toEqual([
        {
          Sid: 'RemediateOptedInChatRooms',
          Effect: 'Allow',
          Action: 'ivschat:UpdateRoom',
          Resource: [
            roomArn('us-east-1', { Ref: 'AWS::AccountId' }),
            roomArn('eu-west-1', { Ref: 'AWS::AccountId' }),
          ],
          Condition: { StringEquals: { 'aws:ResourceTag/ivschat-auditor:remediate': 'true' } },
        },
      ]);
    });

    it('lets the member role update only tagged rooms of its account, in any region', () => {
      expect(chatWrites(member)).toEqual(['ivschat:UpdateRoom']);
      expect(updateRoomStatements(member)).toEqual([
        {
          Sid: 'RemediateOptedInChatRooms',
          Effect: 'Allow',
          Action: 'ivschat:UpdateRoom',
          Resource: roomArn('*', { Ref: 'AWS::AccountId' }),
          Condition: { StringEquals: { 'aws:ResourceTag/ivschat-auditor:remediate': 'true' } },
        },
      ]);
    });
  });

  it('conditions both roles on a custom remediationTag', () => {
    const { auditor, member } = synthBoth({ remediation: 'apply', remediationTag: 'team/chat=fix-me' });
    for (const template of [auditor, member]) {
      const [statement, ...others] = updateRoomStatements(template);
      expect(others).toEqual([]);
      expect(statement?.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/team/chat': 'fix-me' } });
    }
  });

  it('grants the function role no UpdateRoom in its own account when the accounts list leaves that account out', () => {
    const before = process.env.CDK_DEFAULT_ACCOUNT;
    process.env.CDK_DEFAULT_ACCOUNT = '999999999999';
    try {
      const without = buildApp({
        context: { ...NO_BUNDLING, remediation: 'apply', accounts: '111111111111' },
      });
      expect(updateRoomStatements(Template.fromStack(without.stack))).toEqual([]);
      const within = buildApp({
        context: { ...NO_BUNDLING, remediation: 'apply', accounts: '111111111111,999999999999' },
      });
      expect(updateRoomStatements(Template.fromStack(within.stack))).toHaveLength(1);
    } finally {
      if (before === undefined) delete process.env.CDK_DEFAULT_ACCOUNT;
      else process.env.CDK_DEFAULT_ACCOUNT = before;
    }
  });

  it('grants the function role UpdateRoom in a single-account app too', () => {
    const { stack } = buildApp({ context: { ...NO_BUNDLING, remediation: 'apply' } });
    const [statement] = updateRoomStatements(Template.fromStack(stack));
    expect(statement?.Condition).toEqual({
      StringEquals: { 'aws:ResourceTag/ivschat-auditor:remediate': 'true' },
    });
  });
});
