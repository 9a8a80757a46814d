import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateRoom } from '../../lambda/audit/evaluate.js';
import { compilePolicies } from '../../lambda/policy/compile.js';
import { runExamples } from '../../lambda/policy/examples.js';
import policySchema from '../../policies/policy.schema.json' with { type: 'json' };

// The worked examples in policies/README.md are real policies: keep them compiling and passing.
const readme = readFileSync(new URL('../../policies/README.md', import.meta.url), 'utf8');
const policies = [...readme.matchAll(/```json\n([\s\S]*?)```/g)]
  .map((m) => m[1] ?? '')
  .filter((text) => text.includes('"examples"'))
  .map((text) => ({ file: `policies/${JSON.parse(text).id}.json`, text }));

describe('policies/README.md worked examples', () => {
  it('has three worked examples', () => {
    expect(policies.map((p) => p.file)).toEqual([
      'policies/prod-review-deny.json',
      'policies/eu-rate-cap.json',
      'policies/logging-approved-destinations.json',
    ]);
  });

  it('compile and pass their own examples', () => {
    const compiled = compilePolicies(policies, policySchema);
    expect(runExamples(compiled, '2026-11-25T00:00:00.000Z').failures).toEqual([]);
  });

  it('behave as the README says: custom message, exemption until its date', () => {
    const compiled = compilePolicies(policies, policySchema);
    const prod = compiled.filter((c) => c.policy.id === 'prod-review-deny');
    const eu = compiled.filter((c) => c.policy.id === 'eu-rate-cap');
    const [fallback] = evaluateRoom(
      {
        arn: 'arn:aws:ivschat:us-east-1:123456789012:room/Prod00000002',
        tags: { env: 'prod' },
        messageReviewHandler: { uri: 'x', fallbackResult: 'ALLOW' },
      },
      prod,
      { now: '2026-11-25T00:00:00.000Z' },
    ).findings;
    expect(fallback?.message).toBe('production rooms must fall back to DENY');

    const legacy = {
      arn: 'arn:aws:ivschat:eu-west-1:123456789012:room/Legacy000001',
      maximumMessageRatePerSecond: 10,
    };
    expect(evaluateRoom(legacy, eu, { now: '2027-03-31T23:00:00.000Z' }).findings[0]?.status).toBe('exempt');
    const after = evaluateRoom(legacy, eu, { now: '2027-04-01T00:00:00.000Z' }).findings[0];
    expect(after?.status).toBe('new');
    expect(after?.message).toMatch(/\(exemption expired 2027-03-31\)$/);
  });

  it('reports a logging destination outside the approved archive as the README says', () => {
    const compiled = compilePolicies(policies, policySchema);
    const approved = compiled.filter((c) => c.policy.id === 'logging-approved-destinations');
    const room = approved[0]?.policy.examples.fail[0];
    if (!room) throw new Error('the example room is missing');
    const messages = evaluateRoom(room, approved, { now: '2026-11-25T00:00:00.000Z' }).findings.map(
      (f) => f.message,
    );
    expect(messages).toContain(
      'loggingConfigurations.0.destinationType is "cloudWatchLogs"; must be one of "s3"',
    );
  });
});

describe("the README's minimal policy (Writing a policy)", () => {
  const main = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = main.slice(main.indexOf('## Writing a policy'));
  const text = /```json\n([\s\S]*?)```/.exec(section)?.[1] ?? '';

  it('compiles against the shipped schema and passes its own examples', () => {
    const compiled = compilePolicies([{ file: 'policies/message-length-max.json', text }], policySchema);
    expect(compiled.map((c) => c.policy.id)).toEqual(['message-length-max']);
    expect(runExamples(compiled, '2026-11-25T00:00:00.000Z').failures).toEqual([]);
  });
});
