import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { evaluateRoom } from '../../lambda/audit/evaluate.js';
import { PolicySetError } from '../../lambda/core/errors.js';
import { type CompiledPolicy, compilePolicies, compilePolicySet } from '../../lambda/policy/compile.js';
import { judgeRoom } from '../../lambda/policy/judge-room.js';
import { loadPolicyDir } from '../../lambda/policy/load-dir.js';
import { policyCheck, verdictOn } from '../../lambda/policy/verdict.js';
import policySchema from '../../policies/policy.schema.json' with { type: 'json' };

const NOW = '2026-06-01T12:00:00.000Z';
const ARN = 'arn:aws:ivschat:us-east-1:123456789012:room/Verdict00001';

function file(id: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    title: id,
    severity: 'medium',
    description: 'd',
    remediation: 'r',
    rule: { properties: { maximumMessageLength: { maximum: 100 } } },
    examples: { pass: [], fail: [{ arn: ARN, maximumMessageLength: 500 }] },
    ...extra,
  };
}

function compiled(id: string, extra: Record<string, unknown> = {}): CompiledPolicy {
  const [policy] = compilePolicies(
    [{ file: `policies/${id}.json`, text: JSON.stringify(file(id, extra)) }],
    policySchema,
  );
  return policy as CompiledPolicy;
}

describe('verdictOn: one policy on one room', () => {
  it('fails a room that breaks the rule, with its violations', () => {
    const verdict = verdictOn(
      policyCheck(compiled('limit')),
      { arn: ARN, maximumMessageLength: 500 },
      'us-east-1',
    );
    expect(verdict).toEqual({
      kind: 'fail',
      violations: [
        { path: '/maximumMessageLength', actual: 500, message: 'maximumMessageLength is 500; must be ≤ 100' },
      ],
    });
  });

  it('passes a room that keeps the rule', () => {
    expect(
      verdictOn(policyCheck(compiled('limit')), { arn: ARN, maximumMessageLength: 50 }, 'us-east-1'),
    ).toEqual({
      kind: 'pass',
    });
  });

  it('skips a room outside the policy regions', () => {
    const check = policyCheck(compiled('eu-only', { regions: ['eu-west-1'] }));
    expect(verdictOn(check, { arn: ARN, maximumMessageLength: 500 }, 'us-east-1')).toEqual({ kind: 'skip' });
  });

  it('gives no verdict on a room without the joined facts the rule reads', () => {
    const check = policyCheck(compiled('logging', { rule: { required: ['loggingConfigurations'] } }));
    expect(verdictOn(check, { arn: ARN }, 'us-east-1')).toEqual({ kind: 'notEvaluated' });
  });

  it('turns a rule that throws into an error naming the policy, never a pass', () => {
    const policy = compiled('limit');
    const throwing = Object.assign(
      () => {
        throw new Error('boom');
      },
      { errors: null },
    ) as unknown as CompiledPolicy['rule'];
    expect(verdictOn(policyCheck({ ...policy, rule: throwing }), { arn: ARN }, 'us-east-1')).toEqual({
      kind: 'error',
      message: 'policy limit failed on this room: boom',
    });
  });
});

describe('judgeRoom: the examples are judged with the audit’s words', () => {
  it('says an expired exemption as a finding of the audit does', () => {
    const policy = compiled('limit', {
      exemptions: [{ rooms: [ARN], reason: 'legacy', expires: '2026-01-31' }],
    });
    const room = { arn: ARN, maximumMessageLength: 500 };
    const judged = judgeRoom(room, [policyCheck(policy)], NOW);
    const audited = evaluateRoom(room, [policy], { now: NOW });
    expect(judged.failures.map((f) => f.message)).toEqual(audited.findings.map((f) => f.message));
    expect(judged.failures[0]?.message).toBe(
      'maximumMessageLength is 500; must be ≤ 100 (exemption expired 2026-01-31)',
    );
  });
});

describe('the fix proof runs in the loader, after compiling', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'verdict-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const unfixing = (id: string) => file(id, { fix: { set: { maximumMessageLength: 200 } } });
  const problems = (load: () => unknown): string[] => {
    try {
      load();
    } catch (error) {
      if (error instanceof PolicySetError) return error.problems.map((p) => p.message);
      throw error;
    }
    return [];
  };

  it('compilePolicySet only compiles: a fix that does not fix is not its concern', () => {
    const sources = [{ file: 'policies/limit.json', text: JSON.stringify(unfixing('limit')) }];
    expect(problems(() => compilePolicySet(sources, policySchema, { now: NOW }))).toEqual([]);
  });

  it('loadPolicyDir refuses it, the proof listing files in the order they were read', () => {
    // `b-c.json` is read before `b.json` ('-' sorts before '.'), though the id `b` sorts first.
    for (const id of ['b', 'b-c']) writeFileSync(join(dir, `${id}.json`), JSON.stringify(unfixing(id)));
    const shown = problems(() => loadPolicyDir(dir, { now: NOW }));
    const shownName = (name: string) => relative(process.cwd(), join(dir, name));
    expect(shown.map((message) => message.split(' ')[0])).toEqual([
      shownName('b-c.json'),
      shownName('b.json'),
    ]);
    expect(shown[0]).toContain(
      '/fix/set/maximumMessageLength: fix.set.maximumMessageLength = 200 still breaks the rule (maximumMessageLength is 200; must be ≤ 100)',
    );
  });
});
