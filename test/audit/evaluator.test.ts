import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Evaluator } from '../../lambda/audit/evaluate.js';
import type { RoomDocument } from '../../lambda/core/types.js';
import { type CompiledPolicy, compilePolicies } from '../../lambda/policy/compile.js';
import { loadPolicyDir } from '../../lambda/policy/load-dir.js';
import policySchema from '../../policies/policy.schema.json' with { type: 'json' };
import { compliantRoom } from '../fixtures.js';

const NOW = '2026-06-01T12:00:00.000Z';
const CTX = { now: NOW };

function policy(
  id: string,
  rule: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): CompiledPolicy {
  const file = {
    id,
    title: id,
    severity: 'medium',
    description: 'd',
    remediation: 'fix {name}',
    rule,
    examples: { pass: [], fail: [{ arn: 'x' }] },
    ...extra,
  };
  const [compiled] = compilePolicies(
    [{ file: `policies/${id}.json`, text: JSON.stringify(file) }],
    policySchema,
  );
  return compiled as CompiledPolicy;
}

/** The starter policies plus rules that exercise every path of the caches. */
const policies: CompiledPolicy[] = [
  ...loadPolicyDir().policies,
  policy('length-max-100', { properties: { maximumMessageLength: { maximum: 100 } } }),
  policy('length-max-300', { properties: { maximumMessageLength: { maximum: 300 } } }),
  policy('tags-required', { required: ['tags'], properties: { tags: { required: ['env', 'a/b~c'] } } }),
  policy('name-pattern', { properties: { name: { type: 'string', pattern: '^[a-z]+$', maxLength: 10 } } }),
  policy('no-extra-tags', { properties: { tags: { propertyNames: { maxLength: 3 } } } }),
  policy('quoting', {
    properties: { maximumMessageLength: { maximum: 100 } },
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an ajv-errors template, not JavaScript
    errorMessage: { properties: { maximumMessageLength: 'room ${/name} allows too long messages' } },
  }),
  policy('either', {
    anyOf: [{ required: ['messageReviewHandler'] }, { properties: { tags: { required: ['x'] } } }],
  }),
];

const roomLike: fc.Arbitrary<RoomDocument> = fc
  .record(
    {
      id: fc.constantFrom('Room1', 'Room2', 'Room3'),
      name: fc.oneof(fc.constantFrom('lobby', 'stage', 'Legacy_Room', ''), fc.string()),
      maximumMessageLength: fc.oneof(fc.constantFrom(50, 150, 200, 350, 500), fc.integer(), fc.string()),
      maximumMessageRatePerSecond: fc.oneof(fc.constantFrom(5, 10, 50), fc.double()),
      loggingConfigurationIdentifiers: fc.oneof(fc.constant([]), fc.array(fc.string(), { maxLength: 4 })),
      tags: fc.oneof(
        fc.dictionary(fc.constantFrom('owner', 'env', 'a/b~c', 'long-key', 'x'), fc.string(), { maxKeys: 4 }),
        fc.anything(),
      ),
    },
    { requiredKeys: [] },
  )
  .map(({ id = 'Room1', ...fields }) => ({ ...compliantRoom({}, id), ...fields }) as RoomDocument);

describe('Evaluator', () => {
  it('gives identical findings and errors with caching off (property)', () => {
    fc.assert(
      fc.property(fc.array(roomLike, { minLength: 1, maxLength: 30 }), (rooms) => {
        // One cached evaluator across the whole sequence, so later rooms hit what earlier ones left.
        const cached = new Evaluator(policies);
        const uncached = new Evaluator(policies, { cache: false });
        for (const room of rooms) expect(cached.evaluate(room, CTX)).toEqual(uncached.evaluate(room, CTX));
      }),
      { numRuns: 200 },
    );
  });

  it('names each room its own value, and each policy its own limit, at the same schema location', () => {
    const evaluator = new Evaluator(policies.filter((p) => p.policy.id.startsWith('length-max-')));
    const messages = (length: number) =>
      evaluator.evaluate(compliantRoom({ maximumMessageLength: length }), CTX).findings.map((f) => f.message);
    expect(messages(500)).toEqual([
      'maximumMessageLength is 500; must be ≤ 100',
      'maximumMessageLength is 500; must be ≤ 300',
    ]);
    expect(messages(400)).toEqual([
      'maximumMessageLength is 400; must be ≤ 100',
      'maximumMessageLength is 400; must be ≤ 300',
    ]);
    expect(messages(200)).toEqual(['maximumMessageLength is 200; must be ≤ 100']);
  });

  it('never reuses a custom errorMessage that quotes another field of the room', () => {
    const evaluator = new Evaluator(policies.filter((p) => p.policy.id === 'quoting'));
    const said = (name: string) =>
      evaluator
        .evaluate(compliantRoom({ name, maximumMessageLength: 500 }), CTX)
        .findings.map((f) => f.message);
    expect(said('lobby')).toEqual(['room "lobby" allows too long messages']);
    expect(said('stage')).toEqual(['room "stage" allows too long messages']);
  });

  // Rooms that write a custom message in the same words share one copy (evaluation-cache.ts `sameAs`;
  // JavaScript cannot tell a shared string from an equal one: `npm run bench`'s heap figures show it).
  // What the sharing must never do is give a room another room's words.
  it('gives each room its own words for a custom message when rooms alternate between two', () => {
    const evaluator = new Evaluator(policies.filter((p) => p.policy.id === 'quoting'));
    const said = (name: string, id: string) =>
      evaluator.evaluate(compliantRoom({ name, maximumMessageLength: 500 }, id), CTX).findings[0]?.message;
    const names = ['lobby', 'lobby', 'stage', 'lobby', 'stage', 'stage'];
    expect(names.map((name, i) => said(name, `Room${i}`))).toEqual(
      names.map((name) => `room "${name}" allows too long messages`),
    );
  });

  it('keeps no state between evaluators: a policy id reused with a new rule says the new limit', () => {
    const first = new Evaluator([
      policy('limit', { properties: { maximumMessageLength: { maximum: 100 } } }),
    ]);
    const second = new Evaluator([
      policy('limit', { properties: { maximumMessageLength: { maximum: 150 } } }),
    ]);
    const room = compliantRoom({ maximumMessageLength: 500 });
    expect(first.evaluate(room, CTX).findings[0]?.message).toBe('maximumMessageLength is 500; must be ≤ 100');
    expect(second.evaluate(room, CTX).findings[0]?.message).toBe(
      'maximumMessageLength is 500; must be ≤ 150',
    );
  });
});
