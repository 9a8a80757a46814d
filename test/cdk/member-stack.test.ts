import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { demoMemberRoleReads } from '../../demo/doctor-demo.js';
import { buildApp } from '../../lib/app.js';
import {
  AUDITOR_CHANGE_ROLE_NAME,
  AUDITOR_FUNCTION_ROLE_NAME,
  IvsChatAuditor,
} from '../../lib/ivschat-auditor.js';
import { IvsChatAuditorMemberStack, MEMBER_STACK_NAME } from '../../lib/member-stack.js';
import { NO_BUNDLING } from './synth.js';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** Both stacks, synthesized (and so nag-checked) as `bin/app.ts` would with this context. */
function synthBoth(context: Record<string, unknown>) {
  const { stack, memberStack } = buildApp({ context: { ...NO_BUNDLING, ...context } });
  if (!memberStack) throw new Error('expected the member stack to be synthesized');
  return { auditor: Template.fromStack(stack), member: Template.fromStack(memberStack) };
}

const actionsOf = (statement: Statement) => [statement.Action].flat();

/** Every statement of every IAM policy, role trust and inline policy in a template. */
function iamStatements(template: Template): Statement[] {
  const documents: Array<{ Statement: Statement[] }> = [];
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy')))
    documents.push(policy.Properties.PolicyDocument);
  for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
    documents.push(role.Properties.AssumeRolePolicyDocument);
    for (const inline of role.Properties.Policies ?? []) documents.push(inline.PolicyDocument);
  }
  return documents.flatMap((document) => document.Statement);
}

function functionRolePolicy(template: Template): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes('AuditorFunctionRole'))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

/** The member role (the one with a name; the forwarding role has none) and the one statement of its trust. */
function memberRole(template: Template): { name: string; trust: Statement | undefined } {
  const roles = Object.values(template.findResources('AWS::IAM::Role')).filter((r) => r.Properties.RoleName);
  expect(roles).toHaveLength(1);
  const properties = roles[0]?.Properties ?? {};
  const statements = properties.AssumeRolePolicyDocument.Statement as Statement[];
  expect(statements).toHaveLength(1);
  return { name: properties.RoleName, trust: statements[0] };
}

const withAction = (statements: Statement[], action: string) =>
  statements.filter((statement) => actionsOf(statement).includes(action));

const memberRoleArn = (account: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${account}:role/ivschat-auditor-member`]],
});

describe('App: which stacks are synthesized', () => {
  it('keeps a single-account app to the auditor stack alone', () => {
    const { app } = buildApp({ context: NO_BUNDLING });
    expect(app.node.tryFindChild(MEMBER_STACK_NAME)).toBeUndefined();
  });

  it.each([
    ['accounts are listed', { accounts: '111111111111,222222222222', regions: 'us-east-1,eu-west-1' }],
    ['a member account names its auditor', { auditorAccountId: '123456789012' }],
    ["the auditor account forwards its other regions' changes", { auditorRegion: 'us-east-1' }],
  ])('adds IvsChatAuditorMember when %s', (_why, context) => {
    const { memberStack } = buildApp({ context: { ...NO_BUNDLING, ...context } });
    expect(memberStack?.stackName).toBe('IvsChatAuditorMember');
  });
});

describe('iacDrift: the stack reads, only with the setting on', () => {
  const READS = ['cloudformation:DescribeStacks', 'cloudformation:GetTemplate'];

  it('grants DescribeStacks and GetTemplate on stacks to the function role and the member role with iacDrift=true', () => {
    const { auditor, member } = synthBoth({
      accounts: '111111111111',
      regions: 'us-east-1',
      iacDrift: 'true',
    });
    for (const statements of [functionRolePolicy(auditor), iamStatements(member)]) {
      for (const action of READS) {
        const granted = withAction(statements, action);
        expect(granted).toHaveLength(1);
        expect(JSON.stringify(granted[0]?.Resource)).toContain(':stack/*/*');
      }
    }
  });

  it('grants neither without it, nor to the change function', () => {
    const off = synthBoth({ accounts: '111111111111', regions: 'us-east-1' });
    const on = synthBoth({ accounts: '111111111111', regions: 'us-east-1', iacDrift: 'true' });
    for (const template of [off.auditor, off.member]) {
      for (const action of READS) expect(withAction(iamStatements(template), action)).toEqual([]);
    }
    // The function role's policy holds them once; no other role of the auditor stack has them.
    for (const action of READS) expect(withAction(iamStatements(on.auditor), action)).toHaveLength(1);
  });
});

describe('Stack: IvsChatAuditorMember', () => {
  const auditorRole = (name: string) => ({
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::123456789012:role/${name}`]],
  });

  it("trusts exactly the auditor account's function role and change function role", () => {
    const { member } = synthBoth({ auditorAccountId: '123456789012' });
    const { name, trust } = memberRole(member);
    expect(name).toBe('ivschat-auditor-member');
    expect(trust).toEqual({
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Principal: {
        AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::123456789012:root']] },
      },
      Condition: {
        ArnEquals: {
          'aws:PrincipalArn': [
            auditorRole(AUDITOR_FUNCTION_ROLE_NAME),
            auditorRole(AUDITOR_CHANGE_ROLE_NAME),
          ],
        },
      },
    });
  });

  it('trusts the function role alone with changeEvents=false', () => {
    const { member } = synthBoth({ auditorAccountId: '123456789012', changeEvents: 'false' });
    expect(memberRole(member).trust?.Condition?.ArnEquals).toEqual({
      'aws:PrincipalArn': auditorRole(AUDITOR_FUNCTION_ROLE_NAME),
    });
  });

  it("names the change role after a custom auditorRoleName, as the auditor's construct does", () => {
    const app = new App({ context: NO_BUNDLING });
    const member = new IvsChatAuditorMemberStack(app, 'Member', {
      auditorAccountId: '123456789012',
      auditorRoleName: 'prod-auditor',
    });
    const auditorStack = new Stack(app, 'Auditor');
    new IvsChatAuditor(auditorStack, 'Auditor', {
      members: { accounts: ['111111111111'], functionRoleName: 'prod-auditor' },
    });
    const roleNames = Object.values(Template.fromStack(auditorStack).findResources('AWS::IAM::Role')).map(
      (r) => r.Properties.RoleName,
    );
    expect(roleNames).toEqual(expect.arrayContaining(['prod-auditor', 'prod-auditor-change']));
    expect(memberRole(Template.fromStack(member)).trust?.Condition?.ArnEquals).toEqual({
      'aws:PrincipalArn': [auditorRole('prod-auditor'), auditorRole('prod-auditor-change')],
    });
  });

  it('adds the organization condition when organizationId is given', () => {
    const { member } = synthBoth({ auditorAccountId: '123456789012', organizationId: 'o-a1b2c3d4e5' });
    const { trust } = memberRole(member);
    expect(trust?.Condition).toMatchObject({
      ArnEquals: { 'aws:PrincipalArn': expect.anything() },
      StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' },
    });
  });

  it("trusts its own account's auditor when no auditor account is given", () => {
    const { member } = synthBoth({ accounts: '111111111111', memberRoleName: 'chat-audit-reader' });
    const { name, trust } = memberRole(member);
    expect(name).toBe('chat-audit-reader');
    expect(JSON.stringify(trust?.Condition)).toContain('{"Ref":"AWS::AccountId"}');
    expect(trust?.Condition).not.toHaveProperty('StringEquals');
  });

  it('may only list and read chat rooms and logging configurations of its own account, and list its rules for doctor (no "*")', () => {
    const { member } = synthBoth({ auditorAccountId: '123456789012' });
    const [policy] = Object.values(member.findResources('AWS::IAM::Policy'));
    const statements = policy?.Properties.PolicyDocument.Statement as Statement[];
    expect(statements).toEqual([
      {
        Sid: 'ReadChatRooms',
        Effect: 'Allow',
        Action: ['ivschat:ListRooms', 'ivschat:GetRoom'],
        Resource: {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':ivschat:*:', { Ref: 'AWS::AccountId' }, ':room/*'],
          ],
        },
      },
      {
        Sid: 'ListChatLoggingConfigurations',
        Effect: 'Allow',
        Action: 'ivschat:ListLoggingConfigurations',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':ivschat:*:',
              { Ref: 'AWS::AccountId' },
              ':logging-configuration/*',
            ],
          ],
        },
      },
      // ivschat-audit doctor: which rule forwards changes to the auditor (change events are on by default).
      {
        Sid: 'DoctorReadsForwardingRules',
        Effect: 'Allow',
        Action: 'events:ListRuleNamesByTarget',
        Resource: {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':events:*:', { Ref: 'AWS::AccountId' }, ':rule/*'],
          ],
        },
      },
    ]);
  });

  /** Every action of the member role's policy, as synthesized with `context`. */
  function memberRoleActions(context: Record<string, unknown>): string[] {
    const [policy] = Object.values(synthBoth(context).member.findResources('AWS::IAM::Policy'));
    if (!policy) throw new Error('expected the member role policy');
    return (policy.Properties.PolicyDocument.Statement as Statement[]).flatMap(actionsOf);
  }

  it("limits the doctor demo's member sessions to what the member role really grants", () => {
    // The emulated deployment reads doctor makes in a member account (the demo restricts only these).
    const isDeploymentRead = (a: string) => a.startsWith('events:') || a === 'securityhub:DescribeHub';
    for (const securityHub of [false, true]) {
      const granted = memberRoleActions({ auditorAccountId: '123456789012', securityHub }).filter(
        isDeploymentRead,
      );
      expect(demoMemberRoleReads({ securityHub }).sort()).toEqual(granted.sort());
    }
  });

  it('lets doctor ask whether Security Hub is enabled only when findings go there, only its own hub', () => {
    const actions = memberRoleActions;
    expect(actions({ auditorAccountId: '123456789012' })).not.toContain('securityhub:DescribeHub');
    expect(actions({ auditorAccountId: '123456789012', securityHub: true })).toContain(
      'securityhub:DescribeHub',
    );
    expect(actions({ auditorAccountId: '123456789012', changeEvents: false })).not.toContain(
      'events:ListRuleNamesByTarget',
    );
  });

  it("grants the same IVS Chat actions as the auditor function's own role", () => {
    const { auditor, member } = synthBoth({ accounts: '111111111111', regions: 'us-east-1' });
    const chatActions = (statements: Statement[]) =>
      statements.filter((s) => actionsOf(s).some((a) => a.startsWith('ivschat:'))).map(actionsOf);
    const memberPolicy = Object.values(member.findResources('AWS::IAM::Policy'))[0];
    expect(chatActions(memberPolicy?.Properties.PolicyDocument.Statement)).toEqual(
      chatActions(functionRolePolicy(auditor)),
    );
  });

  it('needs no bootstrap, so a StackSet can deploy its template', () => {
    const { member } = synthBoth({ auditorAccountId: '123456789012' });
    const template = member.toJSON();
    expect(template.Parameters ?? {}).not.toHaveProperty('BootstrapVersion');
    expect(template.Rules ?? {}).not.toHaveProperty('CheckBootstrapVersion');
  });
});

describe('Stack: IvsChatAuditor, auditing member accounts', () => {
  it('may assume the member role of each listed account and nothing more', () => {
    const { auditor } = synthBoth({ accounts: '111111111111,222222222222', regions: 'us-east-1,eu-west-1' });
    const statements = functionRolePolicy(auditor);
    const assume = withAction(statements, 'sts:AssumeRole');
    expect(assume).toHaveLength(1);
    expect([assume[0]?.Resource].flat()).toEqual([
      memberRoleArn('111111111111'),
      memberRoleArn('222222222222'),
    ]);
    expect(assume[0]?.Condition).toBeUndefined();
    expect(withAction(statements, 'organizations:ListAccounts')).toEqual([]);
  });

  it('may assume the member role of any account of the organization, and list its accounts', () => {
    const { auditor } = synthBoth({ accounts: 'organization', organizationId: 'o-a1b2c3d4e5' });
    const statements = functionRolePolicy(auditor);
    const assume = withAction(statements, 'sts:AssumeRole');
    expect(assume).toHaveLength(1);
    expect(assume[0]?.Resource).toEqual(memberRoleArn('*'));
    expect(assume[0]?.Condition).toEqual({ StringEquals: { 'aws:ResourceOrgID': 'o-a1b2c3d4e5' } });
    expect(withAction(statements, 'organizations:ListAccounts')).toHaveLength(1);
  });

  it('gives the function role and the change function role the fixed names the member trust names', () => {
    const { auditor } = synthBoth({ accounts: '111111111111' });
    auditor.hasResourceProperties('AWS::IAM::Role', { RoleName: AUDITOR_FUNCTION_ROLE_NAME });
    auditor.hasResourceProperties('AWS::IAM::Role', { RoleName: AUDITOR_CHANGE_ROLE_NAME });
  });

  it('assumes nothing, lists nothing and keeps a generated role name when accounts is empty', () => {
    const { stack } = buildApp({ context: NO_BUNDLING });
    const auditor = Template.fromStack(stack);
    const statements = functionRolePolicy(auditor);
    expect(statements.length).toBeGreaterThan(0);
    expect(withAction(statements, 'sts:AssumeRole')).toEqual([]);
    expect(withAction(statements, 'organizations:ListAccounts')).toEqual([]);
    const names = Object.values(auditor.findResources('AWS::IAM::Role')).map((r) => r.Properties.RoleName);
    expect(names).not.toContain(AUDITOR_FUNCTION_ROLE_NAME);
  });
});

describe('Both stacks', () => {
  it.each([
    ['listed accounts', { accounts: '111111111111,222222222222' }],
    ['organization', { accounts: 'organization', organizationId: 'o-a1b2c3d4e5' }],
  ])('grant no wildcard action in any IAM policy or trust (%s)', (_name, context) => {
    const { auditor, member } = synthBoth({
      ...context,
      slackWorkspaceId: 'T0123ABCD',
      slackChannelId: 'C0123ABCD',
    });
    for (const template of [auditor, member]) {
      const actions = iamStatements(template).flatMap(actionsOf);
      expect(actions.length).toBeGreaterThan(0);
      expect(actions.filter((action) => action.includes('*'))).toEqual([]);
    }
  });
});

describe('Member stack with Security Hub', () => {
  it("lets the auditor import that account's findings into its own default product only", () => {
    const { member } = synthBoth({ accounts: '111111111111', securityHub: 'true' });
    const [policy] = Object.values(member.findResources('AWS::IAM::Policy'));
    const statements = policy?.Properties.PolicyDocument.Statement as Statement[];
    const hub = statements.find((s) => [s.Action].flat().includes('securityhub:BatchImportFindings'));
    expect(hub).toBeDefined();
    expect([hub?.Action].flat()).toEqual(['securityhub:BatchImportFindings']);
    expect(JSON.stringify(hub?.Resource)).toContain('/default');
  });
});
