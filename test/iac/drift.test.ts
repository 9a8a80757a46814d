/**
 * The pure IaC drift comparison (lambda/iac/drift.ts) and the built-in iac-drift policy: what a
 * deployed stack declares (deployed parameters, defaults, stack tags), each difference in
 * CloudFormation's words, what cannot be compared and why, and claims that do not hold.
 */
import { describe, expect, it } from 'vitest';
import { evaluateRoom } from '../../lambda/audit/evaluate.js';
import { buildReport } from '../../lambda/audit/report.js';
import type { RoomDocument } from '../../lambda/core/types.js';
import {
  compareWithStack,
  type DeployedStack,
  MASKED_PARAMETER,
  type StackClaim,
  stackClaimOf,
  stackRoomsOf,
  unverifiedReason,
} from '../../lambda/iac/drift.js';
import { IAC_DRIFT_POLICY, withIacDriftPolicy } from '../../lambda/iac/drift-policy.js';
import { compilePolicies } from '../../lambda/policy/compile.js';
import { runExamples } from '../../lambda/policy/examples.js';
import { POLICY_FILE_SCHEMA } from '../../lambda/policy/load-dir.js';
import { renderText } from '../../lambda/render/text.js';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const STACK_ID = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/Chat/6b2c0f50-0000-4000-8000-000000000001`;
const LOG_ARN = `arn:aws:ivschat:${REGION}:${ACCOUNT}:logging-configuration/LcLive000001`;

const stack = (over: Partial<DeployedStack> = {}): DeployedStack => ({
  stackName: 'Chat',
  stackId: STACK_ID,
  lastUpdated: '2026-12-01T00:00:00.000Z',
  parameters: {},
  tags: {},
  accountId: ACCOUNT,
  region: REGION,
  ...over,
});
const claim = (logicalId: string): StackClaim => ({ stackName: 'Chat', logicalId, stackId: STACK_ID });
const live = (logicalId: string, fields: Record<string, unknown>): RoomDocument => ({
  arn: `arn:aws:ivschat:${REGION}:${ACCOUNT}:room/Live${logicalId}`,
  name: '',
  maximumMessageLength: 500,
  maximumMessageRatePerSecond: 10,
  loggingConfigurationIdentifiers: [],
  ...fields,
  tags: {
    'aws:cloudformation:stack-name': 'Chat',
    'aws:cloudformation:logical-id': logicalId,
    'aws:cloudformation:stack-id': STACK_ID,
    ...((fields.tags as Record<string, string> | undefined) ?? {}),
  },
});

describe('compareWithStack', () => {
  it('names a handler added live ADD and a declared tag removed live REMOVE; aws: tags are not compared', () => {
    const rooms = stackRoomsOf(
      {
        Resources: {
          Room: { Type: 'AWS::IVSChat::Room', Properties: { Tags: [{ Key: 'owner', Value: 'chat' }] } },
        },
      },
      stack(),
    );
    const handler = { uri: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:review`, fallbackResult: 'DENY' };
    const { fact, notCompared } = compareWithStack(
      live('Room', { messageReviewHandler: handler }),
      claim('Room'),
      rooms,
    );
    expect(notCompared).toEqual({});
    expect(Object.keys(fact.differences).sort()).toEqual(['messageReviewHandler', 'tags/owner']);
    expect(fact.differences.messageReviewHandler).toMatchObject({
      difference: 'ADD',
      expected: null,
      actual: handler,
      declaredBy: 'nothing',
    });
    expect(fact.differences['tags/owner']).toMatchObject({
      difference: 'REMOVE',
      expected: 'chat',
      actual: null,
      declaredBy: 'template',
      property: 'Tags[owner]',
    });
    expect(fact.differences['tags/owner']?.fix).toMatch(
      /redeploying the unchanged stack does not.*change the template \(Tags\[owner\] of Room\) and redeploy the stack/,
    );
  });

  it("expects the stack tags CloudFormation propagates, the room's own Tags winning", () => {
    const rooms = stackRoomsOf(
      {
        Resources: {
          Room: { Type: 'AWS::IVSChat::Room', Properties: { Tags: [{ Key: 'team', Value: 'own' }] } },
        },
      },
      stack({ tags: { team: 'stack', 'cost-center': 'video' } }),
    );
    const { fact } = compareWithStack(live('Room', { tags: { team: 'own' } }), claim('Room'), rooms);
    expect(fact.differences).toEqual({
      'tags/cost-center': expect.objectContaining({ difference: 'REMOVE', declaredBy: 'stack tags' }),
    });
  });

  it('uses the deployed parameter values (a Systems Manager one resolved), and leaves a NoEcho one uncompared', () => {
    const template = {
      Parameters: {
        Length: { Type: 'Number', Default: 200 },
        Rate: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/chat/rate' },
        Secret: { Type: 'String', NoEcho: true, Default: 'x' },
      },
      Resources: {
        Room: {
          Type: 'AWS::IVSChat::Room',
          Properties: {
            MaximumMessageLength: { Ref: 'Length' },
            MaximumMessageRatePerSecond: { Ref: 'Rate' },
            Name: { Ref: 'Secret' },
          },
        },
      },
    };
    const rooms = stackRoomsOf(
      template,
      stack({ parameters: { Length: '300', Rate: '5', Secret: MASKED_PARAMETER } }),
    );
    const { fact, notCompared } = compareWithStack(
      live('Room', { maximumMessageLength: 300, maximumMessageRatePerSecond: 7, name: 'anything' }),
      claim('Room'),
      rooms,
    );
    expect(Object.keys(fact.differences)).toEqual(['maximumMessageRatePerSecond']);
    expect(fact.differences.maximumMessageRatePerSecond).toMatchObject({ expected: 5, actual: 7 });
    expect(notCompared.name).toMatch(/the parameter Secret/);
  });

  it("does not compare a logging configuration list naming the stack's own configuration (its ARN is not in the template)", () => {
    const template = {
      Resources: {
        Logs: { Type: 'AWS::IVSChat::LoggingConfiguration', Properties: {} },
        Room: {
          Type: 'AWS::IVSChat::Room',
          Properties: { LoggingConfigurationIdentifiers: [{ 'Fn::GetAtt': ['Logs', 'Arn'] }] },
        },
      },
    };
    const rooms = stackRoomsOf(template, stack());
    const { fact, notCompared } = compareWithStack(
      live('Room', { loggingConfigurationIdentifiers: [LOG_ARN] }),
      claim('Room'),
      rooms,
    );
    expect(fact.differences).toEqual({});
    expect(notCompared.loggingConfigurationIdentifiers).toMatch(/the stack's own resource Logs/);
  });
});

describe('compareWithStack: logging configuration identifiers, as a set', () => {
  const other = LOG_ARN.replace('LcLive000001', 'LcLive000002');
  const extra = LOG_ARN.replace('LcLive000001', 'LcLive000003');
  const rooms = () =>
    stackRoomsOf(
      {
        Resources: {
          Room: {
            Type: 'AWS::IVSChat::Room',
            Properties: { LoggingConfigurationIdentifiers: [LOG_ARN, other] },
          },
        },
      },
      stack(),
    );
  const compare = (ids: string[]) =>
    compareWithStack(live('Room', { loggingConfigurationIdentifiers: ids }), claim('Room'), rooms()).fact
      .differences;

  it('the same identifiers in another order are no difference', () => {
    expect(compare([other, LOG_ARN])).toEqual({});
  });

  it('one more live gives exactly one ADD, one fewer exactly one REMOVE, keyed by the identifier', () => {
    expect(compare([other, extra, LOG_ARN])).toEqual({
      [`loggingConfigurationIdentifiers/${extra}`]: expect.objectContaining({
        difference: 'ADD',
        expected: null,
        actual: extra,
      }),
    });
    expect(compare([other])).toEqual({
      [`loggingConfigurationIdentifiers/${LOG_ARN}`]: expect.objectContaining({
        difference: 'REMOVE',
        expected: LOG_ARN,
        actual: null,
        declaredBy: 'template',
      }),
    });
  });
});

describe('claims', () => {
  it('reads a claim only from all three tags', () => {
    expect(stackClaimOf(live('Room', {}))).toEqual(claim('Room'));
    expect(stackClaimOf({ arn: 'x', tags: { 'aws:cloudformation:stack-name': 'Chat' } })).toBeUndefined();
    expect(stackClaimOf({ arn: 'x', tags: 'not tags' } as unknown as RoomDocument)).toBeUndefined();
  });

  it('refuses a claim whose stack has another name, or whose logical id is no room of it', () => {
    const rooms = stackRoomsOf(
      { Resources: { Room: { Type: 'AWS::IVSChat::Room' }, Topic: { Type: 'AWS::SNS::Topic' } } },
      stack(),
    );
    expect(unverifiedReason(claim('Room'), stack(), rooms)).toBeUndefined();
    expect(unverifiedReason(claim('Topic'), stack(), rooms)).toMatch(/declares no AWS::IVSChat::Room Topic/);
    expect(unverifiedReason(claim('Room'), stack({ stackName: 'Other' }), rooms)).toMatch(/is named Other/);
    // A logical id such as __proto__ is no room either.
    expect(unverifiedReason(claim('__proto__'), stack(), rooms)).toMatch(/declares no/);
  });
});

describe('the built-in iac-drift policy', () => {
  it('passes its own examples, through the audit steps', () => {
    const policies = withIacDriftPolicy([]);
    expect(runExamples(policies, '2026-12-06T00:00:00Z').failures).toEqual([]);
  });

  it('gives way to a folder policy of the same id, whose exemptions then hold (by stack and logical id)', () => {
    const copy = {
      ...IAC_DRIFT_POLICY,
      exemptions: [
        {
          rooms: [`cloudformation:${ACCOUNT}/${REGION}/Chat/Lobby`],
          reason: 'tuned by the chat team in the console',
          expires: '2099-01-01',
        },
      ],
    };
    const folder = compilePolicies(
      [{ file: 'iac-drift.json', text: JSON.stringify(copy) }],
      POLICY_FILE_SCHEMA,
    );
    const policies = withIacDriftPolicy(folder);
    expect(policies).toHaveLength(1);
    const rooms = stackRoomsOf({ Resources: { Lobby: { Type: 'AWS::IVSChat::Room' } } }, stack());
    const room = live('Lobby', { maximumMessageLength: 300 });
    const { fact } = compareWithStack(room, claim('Lobby'), rooms);
    const { findings } = evaluateRoom({ ...room, iacDrift: fact }, policies, { now: '2026-12-06T00:00:00Z' });
    expect(findings.map((f) => [f.path, f.status])).toEqual([
      ['/iacDrift/differences/maximumMessageLength', 'exempt'],
    ]);
  });

  it('renders a hostile logical id and tag value escaped in the text report', () => {
    const rooms = stackRoomsOf(
      {
        Resources: {
          Room: { Type: 'AWS::IVSChat::Room', Properties: { Tags: [{ Key: 'k', Value: 'ok' }] } },
        },
      },
      stack(),
    );
    const room = live('Room', { tags: { k: '\u001b[2J\u001b]8;;https://evil.example\u0007x' } });
    const { fact } = compareWithStack(room, claim('Room'), rooms);
    const evaluation = evaluateRoom({ ...room, iacDrift: fact }, withIacDriftPolicy([]), {
      now: '2026-12-06T00:00:00Z',
    });
    const report = buildReport({
      startedAt: '2026-12-06T00:00:00Z',
      finishedAt: '2026-12-06T00:00:01Z',
      inventories: [
        {
          accountId: ACCOUNT,
          region: REGION,
          listed: [String(room.arn)],
          audited: [String(room.arn)],
          rooms: [],
          evaluation: { findings: evaluation.findings, errors: evaluation.errors },
          deleted: [],
          notReached: [],
          errors: [],
          complete: true,
          calls: { listRooms: 1, getRoom: 1 },
        },
      ],
      policies: withIacDriftPolicy([]),
    });
    const text = renderText(report);
    expect(text).toContain('NOT_EQUAL');
    expect(text).not.toContain('\u001b');
    expect(text).not.toContain('\u0007');
  });
});
