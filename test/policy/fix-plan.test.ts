import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateRoom } from '../../lambda/audit/evaluate.js';
import { guardProblems, planRemediation } from '../../lambda/audit/remediation-plan.js';
import { updateRoomFields, withValues } from '../../lambda/core/fix.js';
import type { RoomDocument } from '../../lambda/core/types.js';
import { type CompiledPolicy, compilePolicies } from '../../lambda/policy/compile.js';
import { DEFAULT_POLICIES_DIR, loadPolicyDir } from '../../lambda/policy/load-dir.js';
import { compliantRoom } from '../fixtures.js';

const NOW = '2026-11-26T12:00:00.000Z';
const starter = loadPolicyDir(DEFAULT_POLICIES_DIR, { now: NOW }).policies;
const policySchema = JSON.parse(readFileSync(join(DEFAULT_POLICIES_DIR, 'policy.schema.json'), 'utf8'));

function withPolicy(file: Record<string, unknown>): CompiledPolicy[] {
  // The starter set plus one policy, compiled (and its fix proven) together.
  const text = JSON.stringify({
    title: 'T',
    severity: 'high',
    description: 'd',
    remediation: 'r',
    ...file,
  });
  return compilePolicies(
    [
      ...starter.map((p) => ({ file: p.file, text: JSON.stringify(p.policy) })),
      { file: `policies/${file.id}.json`, text },
    ],
    policySchema,
    { now: NOW },
  );
}

const plan = (rooms: RoomDocument[], policies = starter, policyIds?: Set<string>) =>
  planRemediation({
    findings: rooms.flatMap((r) => evaluateRoom(r, policies, { now: NOW }).findings),
    rooms: new Map(rooms.map((r) => [r.arn, r])),
    roomsAudited: rooms.length,
    policies,
    ...(policyIds ? { policyIds } : {}),
    now: NOW,
  });

describe('a fix applied as UpdateRoom applies it', () => {
  const handler = { uri: 'arn:aws:lambda:us-east-1:123456789012:function:review', fallbackResult: 'ALLOW' };

  it('sends the whole review handler, keeping the field the fix does not set', () => {
    const room = compliantRoom({ messageReviewHandler: handler });
    expect(updateRoomFields(room, { 'messageReviewHandler.fallbackResult': 'DENY' })).toEqual({
      messageReviewHandler: { uri: handler.uri, fallbackResult: 'DENY' },
    });
    expect(withValues(room, { 'messageReviewHandler.fallbackResult': 'DENY' }).messageReviewHandler).toEqual({
      uri: handler.uri,
      fallbackResult: 'DENY',
    });
  });

  it('detaches the handler (uri "") when a value restores it to absent, and leaves the document without one', () => {
    const room = compliantRoom({ messageReviewHandler: handler });
    const absent = { 'messageReviewHandler.uri': null, 'messageReviewHandler.fallbackResult': null };
    expect(updateRoomFields(room, absent)).toEqual({ messageReviewHandler: { uri: '' } });
    expect(withValues(room, absent)).not.toHaveProperty('messageReviewHandler');
  });

  it('does not change the document it is given', () => {
    const room = compliantRoom({ maximumMessageLength: 500 });
    withValues(room, { maximumMessageLength: 200 });
    expect(room.maximumMessageLength).toBe(500);
  });
});

describe('planRemediation', () => {
  it('plans one change per policy and room, from the room as the previous fix leaves it', () => {
    const room = compliantRoom({ maximumMessageLength: 500, maximumMessageRatePerSecond: 50 });
    const result = plan([room, compliantRoom({}, 'Compliant001')]);
    expect(result.changes.map((c) => [c.policyId, c.before, c.after, c.updateTime])).toEqual([
      ['message-length-max', { maximumMessageLength: 500 }, { maximumMessageLength: 200 }, room.updateTime],
      [
        'message-rate-max',
        { maximumMessageRatePerSecond: 50 },
        { maximumMessageRatePerSecond: 10 },
        room.updateTime,
      ],
    ]);
    expect(new Set(result.changes.map((c) => c.changeId)).size).toBe(2);
    expect(result.roomsAudited).toBe(2);
  });

  it('plans only the policies asked for', () => {
    const room = compliantRoom({ maximumMessageLength: 500, maximumMessageRatePerSecond: 50 });
    expect(plan([room], starter, new Set(['message-rate-max'])).changes.map((c) => c.policyId)).toEqual([
      'message-rate-max',
    ]);
  });

  it('leaves a room alone when the fix would not make it pass, saying why', () => {
    const policies = withPolicy({
      id: 'handler-deny',
      rule: {
        required: ['messageReviewHandler'],
        properties: {
          messageReviewHandler: { required: ['uri'], properties: { fallbackResult: { const: 'DENY' } } },
        },
      },
      fix: { set: { 'messageReviewHandler.fallbackResult': 'DENY' } },
      examples: {
        pass: [],
        fail: [
          {
            arn: 'arn:aws:ivschat:us-east-1:123456789012:room/Ex0000000001',
            messageReviewHandler: {
              uri: 'arn:aws:lambda:us-east-1:123456789012:function:r',
              fallbackResult: 'ALLOW',
            },
          },
        ],
      },
    });
    const { messageReviewHandler: _, ...noHandler } = compliantRoom();
    const result = plan([noHandler as RoomDocument], policies);
    expect(result.changes).toEqual([]);
    expect(result.skipped).toMatchObject([
      {
        policyId: 'handler-deny',
        reason: 'the fix would not make it pass: messageReviewHandler is missing; it is required',
      },
    ]);
  });

  it("leaves a room alone when the fix would break another policy's rule", () => {
    // Proven on its examples (untagged), the fix still breaks rate-20 on a production room.
    const file = (id: string, extra: Record<string, unknown>) => ({
      file: `policies/${id}.json`,
      text: JSON.stringify({
        id,
        title: 'T',
        severity: 'high',
        description: 'd',
        remediation: 'r',
        ...extra,
      }),
    });
    const policies = compilePolicies(
      [
        file('short-messages', {
          rule: { properties: { maximumMessageLength: { maximum: 100 } } },
          fix: { set: { maximumMessageLength: 100, maximumMessageRatePerSecond: 50 } },
          examples: {
            pass: [],
            fail: [
              { arn: 'arn:aws:ivschat:us-east-1:123456789012:room/Ex0000000002', maximumMessageLength: 500 },
            ],
          },
        }),
        file('rate-20', {
          appliesTo: {
            properties: { tags: { required: ['env'], properties: { env: { const: 'prod' } } } },
            required: ['tags'],
          },
          rule: { properties: { maximumMessageRatePerSecond: { maximum: 20 } } },
          examples: {
            pass: [],
            fail: [
              {
                arn: 'arn:aws:ivschat:us-east-1:123456789012:room/Ex0000000003',
                tags: { env: 'prod' },
                maximumMessageRatePerSecond: 21,
              },
            ],
          },
        }),
      ],
      policySchema,
      { now: NOW },
    );
    const result = plan([compliantRoom({ maximumMessageLength: 150, tags: { env: 'prod' } })], policies);
    expect(result.changes).toEqual([]);
    expect(result.skipped).toMatchObject([
      {
        policyId: 'short-messages',
        reason: 'the fix would break policy rate-20: maximumMessageRatePerSecond is 50; must be ≤ 20',
      },
    ]);
  });
});

describe('guardProblems', () => {
  const three = plan(
    ['Room00000001', 'Room00000002', 'Room00000003'].map((id) =>
      compliantRoom({ maximumMessageLength: 500 }, id),
    ),
  );

  it('refuses 3 changes under a guard of 2, and accepts them under 3', () => {
    expect(guardProblems(three, { maxChanges: 2, maxPercent: 100 })).toEqual([
      '3 changes planned, more than maxChanges 2',
    ]);
    expect(guardProblems(three, { maxChanges: 3, maxPercent: 100 })).toEqual([]);
  });

  it('measures the percentage against every audited room', () => {
    expect(guardProblems({ ...three, roomsAudited: 30 }, { maxChanges: 10, maxPercent: 10 })).toEqual([]);
    expect(guardProblems({ ...three, roomsAudited: 29 }, { maxChanges: 10, maxPercent: 10 })).toEqual([
      '3 of 29 audited rooms would change (10.3%), more than maxPercent 10',
    ]);
  });
});
