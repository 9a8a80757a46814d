import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateRoom } from '../../lambda/audit/evaluate.js';
import type { RoomDocument } from '../../lambda/core/types.js';
import { type CompiledPolicy, compilePolicies } from '../../lambda/policy/compile.js';
import { loadPolicyDir } from '../../lambda/policy/load-dir.js';
import { fillRemediation } from '../../lambda/render/remediation.js';
import policySchema from '../../policies/policy.schema.json' with { type: 'json' };
import { compliantRoom } from '../fixtures.js';

const NOW = '2026-06-01T12:00:00.000Z';
const starter = loadPolicyDir().policies;
const byId = (id: string) => starter.filter((p) => p.policy.id === id);

function policy(extra: Record<string, unknown>): CompiledPolicy[] {
  const file = {
    id: 'custom',
    title: 'Custom',
    severity: 'high',
    description: 'd',
    remediation: 'fix {name} in {region}: {arn}',
    rule: { type: 'object', properties: { maximumMessageLength: { maximum: 100 } } },
    examples: { pass: [], fail: [{ arn: 'x' }] },
    ...extra,
  };
  return compilePolicies([{ file: 'policies/custom.json', text: JSON.stringify(file) }], policySchema);
}

describe('evaluateRoom with the starter policies', () => {
  it('accepts a compliant room', () => {
    expect(evaluateRoom(compliantRoom(), starter, { now: NOW })).toEqual({ findings: [], errors: [] });
  });

  it('flags a room whose maximum message length is 201 and not one at 200', () => {
    const flagged = evaluateRoom(compliantRoom({ maximumMessageLength: 201 }), starter, { now: NOW });
    expect(flagged.findings).toHaveLength(1);
    expect(flagged.findings[0]).toMatchObject({
      policyId: 'message-length-max',
      path: '/maximumMessageLength',
      actual: 201,
      message: 'maximumMessageLength is 201; must be ≤ 200',
      severity: 'medium',
      status: 'new',
      accountId: '123456789012',
      region: 'us-east-1',
    });
    expect(
      evaluateRoom(compliantRoom({ maximumMessageLength: 200 }), starter, { now: NOW }).findings,
    ).toEqual([]);
  });

  it('flags a room whose review handler falls back to ALLOW, not DENY', () => {
    const room = compliantRoom({
      messageReviewHandler: { uri: 'arn:aws:lambda:x', fallbackResult: 'ALLOW' },
    });
    const [finding] = evaluateRoom(room, starter, { now: NOW }).findings;
    expect(finding).toMatchObject({
      policyId: 'review-handler-fallback-deny',
      path: '/messageReviewHandler/fallbackResult',
      actual: 'ALLOW',
      message: 'messageReviewHandler.fallbackResult is "ALLOW"; must be "DENY"',
    });
  });

  it('flags a room without a review handler as missing, without an actual value', () => {
    const { messageReviewHandler: _, ...room } = compliantRoom();
    const [finding] = evaluateRoom(room as RoomDocument, starter, { now: NOW }).findings;
    expect(finding?.message).toBe('messageReviewHandler is missing; it is required');
    expect(finding?.actual).toBeUndefined();
    expect(JSON.parse(JSON.stringify(finding))).not.toHaveProperty('actual');
  });

  it('flags an empty logging configuration list', () => {
    const [finding] = evaluateRoom(compliantRoom({ loggingConfigurationIdentifiers: [] }), starter, {
      now: NOW,
    }).findings;
    expect(finding).toMatchObject({ policyId: 'logging-required', actual: [] });
    expect(finding?.message).toBe('loggingConfigurationIdentifiers is empty; must have at least 1 item');
  });

  it('keeps the remediation template as written; outputs fill its placeholders with the room', () => {
    const [finding] = evaluateRoom(
      compliantRoom({ maximumMessageRatePerSecond: 50 }),
      byId('message-rate-max'),
      {
        now: NOW,
      },
    ).findings;
    expect(finding?.remediationTemplate).toBe(byId('message-rate-max')[0]?.policy.remediation);
    expect(finding && fillRemediation(finding)).toContain(
      '--region us-east-1 --identifier arn:aws:ivschat:us-east-1:123456789012:room/',
    );
  });
});

describe('policy scoping', () => {
  it('applies a policy only to rooms matching appliesTo', () => {
    const prodOnly = policy({
      appliesTo: {
        properties: { tags: { properties: { env: { const: 'prod' } }, required: ['env'] } },
        required: ['tags'],
      },
    });
    const prod = compliantRoom({ maximumMessageLength: 300, tags: { owner: 'a', env: 'prod' } });
    const dev = compliantRoom({ maximumMessageLength: 300, tags: { owner: 'a', env: 'dev' } });
    expect(evaluateRoom(prod, prodOnly, { now: NOW }).findings).toHaveLength(1);
    expect(evaluateRoom(dev, prodOnly, { now: NOW }).findings).toEqual([]);
  });

  it('applies a policy only in its regions', () => {
    const euOnly = policy({ regions: ['eu-west-1'] });
    const us = compliantRoom({ maximumMessageLength: 300 }, 'Room1', 'us-east-1');
    const eu = compliantRoom({ maximumMessageLength: 300 }, 'Room2', 'eu-west-1');
    expect(evaluateRoom(us, euOnly, { now: NOW }).findings).toEqual([]);
    expect(evaluateRoom(eu, euOnly, { now: NOW }).findings).toHaveLength(1);
  });

  it('marks an exempted room exempt until the exemption expires, then says it expired', () => {
    const room = compliantRoom({ maximumMessageLength: 300 });
    const exempted = policy({
      exemptions: [{ rooms: [room.arn], reason: 'legacy client', expires: '2026-06-01' }],
    });
    const [during] = evaluateRoom(room, exempted, { now: NOW }).findings;
    expect(during).toMatchObject({
      status: 'exempt',
      exemption: { reason: 'legacy client', expired: false },
    });
    const [after] = evaluateRoom(room, exempted, { now: '2026-06-02T00:00:00.000Z' }).findings;
    expect(after).toMatchObject({ status: 'new', exemption: { expired: true } });
    expect(after?.message).toContain('exemption expired 2026-06-01');
  });

  it('uses a custom errorMessage from the policy', () => {
    const custom = policy({
      rule: {
        type: 'object',
        properties: { maximumMessageLength: { maximum: 100, errorMessage: 'keep messages short (≤ 100)' } },
      },
    });
    const [finding] = evaluateRoom(compliantRoom(), custom, { now: NOW }).findings;
    expect(finding).toMatchObject({
      path: '/maximumMessageLength',
      actual: 200,
      message: 'keep messages short (≤ 100)',
    });
  });
});

describe('robustness', () => {
  it('reports a rule that throws as an error for the room, never as a pass', () => {
    const [compiled] = policy({});
    const throwing = Object.assign(
      () => {
        throw new Error('boom');
      },
      { errors: null },
    ) as unknown as CompiledPolicy['rule'];
    const result = evaluateRoom(compliantRoom(), [{ ...(compiled as CompiledPolicy), rule: throwing }], {
      now: NOW,
    });
    expect(result.findings).toEqual([]);
    expect(result.errors).toEqual([
      expect.objectContaining({
        operation: 'Evaluate',
        code: 'RuleError',
        message: expect.stringContaining('boom'),
      }),
    ]);
  });

  const roomLike = fc.record(
    {
      arn: fc.oneof(fc.string(), fc.constant('arn:aws:ivschat:us-east-1:123456789012:room/AbCdEf123456')),
      id: fc.string(),
      name: fc.string(),
      maximumMessageLength: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)),
      maximumMessageRatePerSecond: fc.oneof(fc.integer(), fc.string()),
      messageReviewHandler: fc.oneof(
        fc.record({
          uri: fc.string(),
          fallbackResult: fc.oneof(fc.constantFrom('ALLOW', 'DENY'), fc.string()),
        }),
        fc.anything(),
      ),
      loggingConfigurationIdentifiers: fc.oneof(fc.array(fc.string()), fc.anything()),
      tags: fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.anything()),
    },
    { requiredKeys: [] },
  );

  it('never throws for any object shaped like a room (property)', () => {
    fc.assert(
      fc.property(roomLike, (room) => {
        const result = evaluateRoom(room as RoomDocument, starter, { now: NOW });
        expect(Array.isArray(result.findings)).toBe(true);
        for (const f of result.findings) expect(typeof f.message).toBe('string');
      }),
      { numRuns: 500 },
    );
  });

  it('keeps the fingerprint when only the offending value changes (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 201, max: 500 }), fc.integer({ min: 201, max: 500 }), (a, b) => {
        const [fa] = evaluateRoom(compliantRoom({ maximumMessageLength: a }), starter, { now: NOW }).findings;
        const [fb] = evaluateRoom(compliantRoom({ maximumMessageLength: b }), starter, { now: NOW }).findings;
        expect(fa?.fingerprint).toBeDefined();
        expect(fa?.fingerprint).toBe(fb?.fingerprint);
      }),
    );
  });

  it('gives different fingerprints to different rooms, policies and paths', () => {
    const one = evaluateRoom(compliantRoom({ maximumMessageLength: 300 }, 'Room1'), starter, {
      now: NOW,
    }).findings;
    const two = evaluateRoom(compliantRoom({ maximumMessageLength: 300 }, 'Room2'), starter, {
      now: NOW,
    }).findings;
    const both = evaluateRoom(
      compliantRoom({ maximumMessageLength: 300, maximumMessageRatePerSecond: 50 }, 'Room1'),
      starter,
      { now: NOW },
    ).findings;
    expect(one[0]?.fingerprint).not.toBe(two[0]?.fingerprint);
    expect(new Set(both.map((f) => f.fingerprint)).size).toBe(2);
  });
});
