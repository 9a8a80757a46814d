import { CfnResource, type Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../lib/app.js';
import {
  type CfnTemplate,
  CONTROL_TOWER_RULES,
  type ControlId,
  controlTowerViolations,
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
