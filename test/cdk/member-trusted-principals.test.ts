import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../lib/app.js';
import { InvalidContextError } from '../../lib/config.js';
import { IvsChatAuditorMemberStack } from '../../lib/member-stack.js';
import { NO_BUNDLING, synthError } from './synth.js';

// `ivschat-audit audit --account` assumes the member role as whoever runs the CLI: the member stack
// trusts an operator's or CI role when `memberTrustedPrincipals` names it, and nothing wider.

interface Statement {
  Effect: string;
  Action: string | string[];
  Principal?: { AWS: unknown };
  Condition?: Record<string, Record<string, unknown>>;
}

const OPS = 'arn:aws:iam::111111111111:role/ops-audit';
const CI = 'arn:aws:iam::222222222222:role/github/ci-audit';

const root = (account: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${account}:root`]],
});

function memberTemplate(context: Record<string, unknown>): Template {
  const { memberStack } = buildApp({ context: { ...NO_BUNDLING, ...context } });
  if (!memberStack) throw new Error('expected the member stack to be synthesized');
  return Template.fromStack(memberStack);
}

function memberRole(template: Template): { trust: Statement[]; policies: unknown } {
  const roles = Object.values(template.findResources('AWS::IAM::Role')).filter((r) => r.Properties.RoleName);
  expect(roles).toHaveLength(1);
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).map(
    (p) => p.Properties.PolicyDocument,
  );
  return { trust: roles[0]?.Properties.AssumeRolePolicyDocument.Statement, policies };
}

function problemsOf(context: Record<string, unknown>): string[] {
  const error = synthError(context);
  if (!(error instanceof InvalidContextError)) throw new Error(`expected InvalidContextError, got ${error}`);
  return error.problems;
}

describe('Setting: memberTrustedPrincipals', () => {
  it('lets the named roles assume the member role, and only assume it', () => {
    const without = memberRole(memberTemplate({ auditorAccountId: '123456789012' }));
    const { trust, policies } = memberRole(
      memberTemplate({ auditorAccountId: '123456789012', memberTrustedPrincipals: `${OPS},${CI}` }),
    );
    expect(trust).toHaveLength(2);
    expect(trust[0]).toEqual(without.trust[0]);
    expect(trust[1]).toEqual({
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Principal: { AWS: [root('111111111111'), root('222222222222')] },
      Condition: { ArnEquals: { 'aws:PrincipalArn': [OPS, CI] } },
    });
    // What the role may do is what it was: reading chat rooms for the auditor.
    expect(policies).toEqual(without.policies);
  });

  it('holds the further principals to the organization too', () => {
    const { trust } = memberRole(
      memberTemplate({
        auditorAccountId: '123456789012',
        organizationId: 'o-a1b2c3d4e5',
        memberTrustedPrincipals: OPS,
      }),
    );
    expect(trust[1]?.Condition).toEqual({
      ArnEquals: { 'aws:PrincipalArn': [OPS] },
      StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' },
    });
  });

  it('synthesizes the member stack for an account that only the CLI audits', () => {
    const { memberStack } = buildApp({ context: { ...NO_BUNDLING, memberTrustedPrincipals: OPS } });
    expect(memberStack?.stackName).toBe('IvsChatAuditorMember');
  });

  it.each([
    ['a wildcard', 'arn:aws:iam::111111111111:role/ops-*', 'has a wildcard'],
    ['an account root', 'arn:aws:iam::111111111111:root', 'is a whole account'],
    ['an account id', '111111111111', 'is a whole account'],
    ['a session', 'arn:aws:sts::111111111111:assumed-role/ops-audit/alice', 'is a session; name its role'],
    ['a group', 'arn:aws:iam::111111111111:group/ops', 'is not an IAM role or user ARN'],
    ['a name', 'ops-audit', 'is not an IAM role or user ARN'],
  ])('refuses %s, naming the setting', (_what, value, problem) => {
    const problems = problemsOf({ memberTrustedPrincipals: value });
    expect(problems).toEqual([expect.stringMatching(/^memberTrustedPrincipals: /)]);
    expect(problems[0]).toContain(problem);
  });

  it('accepts users and roles with a path, in any partition', () => {
    const principals = [
      'arn:aws:iam::111111111111:user/alice',
      'arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Audit_0123abcd',
      'arn:aws-cn:iam::111111111111:role/ops-audit',
    ];
    const { trust } = memberRole(memberTemplate({ memberTrustedPrincipals: principals.join(',') }));
    expect(trust[1]?.Condition?.ArnEquals?.['aws:PrincipalArn']).toEqual(principals);
  });

  it('refuses more principals than the trust policy holds', () => {
    const six = Array.from({ length: 6 }, (_, i) => `arn:aws:iam::111111111111:role/r${i}`).join(',');
    expect(problemsOf({ memberTrustedPrincipals: six })).toEqual([
      expect.stringContaining('memberTrustedPrincipals: 6 principals; at most 5'),
    ]);
  });

  it('refuses further principals on a member role that may update rooms', () => {
    expect(problemsOf({ memberTrustedPrincipals: OPS, remediation: 'apply' })).toEqual([
      expect.stringContaining('memberTrustedPrincipals: not with remediation=apply'),
    ]);
  });

  it('checks the construct prop as the setting is checked', () => {
    const stack = (props: ConstructorParameters<typeof IvsChatAuditorMemberStack>[2]) =>
      new IvsChatAuditorMemberStack(new App(), 'Member', props);
    expect(() => stack({ trustedPrincipals: ['arn:aws:iam::111111111111:role/*'] })).toThrow(
      /has a wildcard/,
    );
    expect(() => stack({ trustedPrincipals: [OPS], remediation: 'apply' })).toThrow(
      /not with remediation=apply/,
    );
  });
});
