import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, AspectPriority, Aspects, CfnCondition, Fn, Stack } from 'aws-cdk-lib';
import { CfnRoom } from 'aws-cdk-lib/aws-ivschat';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ANNOTATION_PREFIX, IvsChatPolicyChecks, type IvsChatPolicyChecksProps } from '../../lib/index.js';
import { FIXTURE_STACK, fixtureStack, REVIEW_FUNCTION } from '../fixtures/iac/app.js';

let outdir: string;
beforeEach(() => {
  outdir = mkdtempSync(join(tmpdir(), 'policy-checks-'));
});
afterEach(() => rmSync(outdir, { recursive: true, force: true }));

/** Synthesizes the fixture app with the Aspect; our annotations by level, as `path: text`. */
function synth(props?: IvsChatPolicyChecksProps) {
  const app = new App({ outdir });
  fixtureStack(app);
  Aspects.of(app).add(new IvsChatPolicyChecks(props), { priority: AspectPriority.READONLY });
  const messages = app.synth().getStackByName(FIXTURE_STACK).messages;
  const ours = (level: string) =>
    messages
      .filter((m) => m.level === level && String(m.entry.data).startsWith(ANNOTATION_PREFIX))
      .map((m) => `${m.id.split('/').at(-1)}: ${String(m.entry.data)}`)
      .sort();
  return { errors: ours('error'), warnings: ours('warning'), infos: ours('info') };
}

const VIOLATIONS = [
  'logging-required',
  'message-length-max',
  'required-tags',
  'review-handler-fallback-deny',
];

describe('IvsChatPolicyChecks', () => {
  it('fails the synth: each violation is an error annotation on the room', () => {
    const { errors, warnings } = synth();
    expect(errors.map((e) => e.split(' ')[2])).toEqual(VIOLATIONS.map((id) => `${id}:`));
    expect(errors.every((e) => e.startsWith('RoomDefaults:'))).toBe(true);
    expect(errors.find((e) => e.includes('message-length-max'))).toContain(
      'maximumMessageLength is 500; must be ≤ 200',
    );
    // What cannot be judged before deploy is a warning with the reason, never a pass.
    expect(warnings).toEqual([
      expect.stringMatching(
        /^RoomExistingLogging: \[ivschat-audit\] logging-active not evaluated: .*does not declare/,
      ),
      expect.stringMatching(
        /^RoomLengthParam: \[ivschat-audit\] message-length-max not evaluated: .*MaximumMessageLength is the parameter MaxLength/,
      ),
    ]);
  });

  it('passes once every violation is acknowledged; the reason stays in an info annotation', () => {
    const { errors, infos } = synth({
      acknowledgements: VIOLATIONS.map((policy) => ({
        policy,
        reason: `defaults room kept for the demo (${policy})`,
        rooms: ['RoomDefaults'],
      })),
    });
    expect(errors).toEqual([]);
    expect(infos).toHaveLength(4);
    expect(infos.find((i) => i.includes('required-tags'))).toContain(
      'acknowledged: defaults room kept for the demo (required-tags)',
    );
  });

  // Review 3 #11: an acknowledgement that matches nothing stays silently and would cover the next violation.
  it('warns about an acknowledgement that matches no violation', () => {
    const { errors, warnings } = synth({
      acknowledgements: [
        { policy: 'required-tags', reason: 'old room, since fixed', rooms: ['RoomCompliant'] },
        { policy: 'message-length-max', reason: 'demo', rooms: ['RoomDefaults'] },
      ],
    });
    expect(warnings.filter((w) => w.includes('matched no violation'))).toEqual([
      `${FIXTURE_STACK}: [ivschat-audit] the acknowledgement of required-tags for RoomCompliant matched no violation; remove it ("old room, since fixed") [ack: ivschat-audit:required-tags:unused-acknowledgement]`,
    ]);
    expect(errors.some((e) => e.includes('message-length-max'))).toBe(false);
  });

  it('an acknowledgement for other rooms leaves the violation an error', () => {
    const { errors } = synth({
      acknowledgements: [{ policy: 'required-tags', reason: 'not this room', rooms: ['RoomCompliant'] }],
    });
    expect(errors.some((e) => e.includes('required-tags'))).toBe(true);
  });

  it.each([
    ['without a reason', { policy: 'required-tags', reason: ' ' }, /a reason is required/],
    [
      'for a policy the folder lacks',
      { policy: 'no-such-policy', reason: 'typo' },
      /no policy "no-such-policy"/,
    ],
  ])('refuses an acknowledgement %s', (_, ack, message) => {
    expect(() => new IvsChatPolicyChecks({ acknowledgements: [ack] })).toThrow(message);
  });

  it('reads the policies of a folder given', () => {
    const { errors } = synth({ policiesDir: 'test/fixtures/iac/policies' });
    expect(errors).toEqual([expect.stringMatching(/^RoomDefaults: \[ivschat-audit\] rate-at-most-5: /)]);
  });

  // Review 3 #2: the Aspect read the L1's getters, so an override was not seen and Fn::If became a
  // missing handler; it now reads the resource as CDK renders it into the template.
  it('reads the room as the template holds it: overrides seen, a condition not evaluated', () => {
    const app = new App({ outdir });
    const stack = new Stack(app, 'Overrides', { env: { account: '111111111111', region: 'us-east-1' } });
    const overridden = new CfnRoom(stack, 'Overridden', { maximumMessageLength: 100 });
    overridden.addPropertyOverride('MaximumMessageLength', 500);
    const isProd = new CfnCondition(stack, 'IsProd', { expression: Fn.conditionEquals('a', 'b') });
    new CfnRoom(stack, 'Conditional', {
      maximumMessageLength: 100,
      messageReviewHandler: Fn.conditionIf(
        isProd.logicalId,
        { Uri: REVIEW_FUNCTION, FallbackResult: 'DENY' },
        { Uri: REVIEW_FUNCTION, FallbackResult: 'ALLOW' },
      ) as unknown as CfnRoom.MessageReviewHandlerProperty,
    });
    Aspects.of(app).add(new IvsChatPolicyChecks({ policiesDir: 'policies' }), {
      priority: AspectPriority.READONLY,
    });
    const messages = app.synth().getStackByName('Overrides').messages;
    const texts = (level: string, id: string) =>
      messages.filter((m) => m.level === level && m.id.endsWith(`/${id}`)).map((m) => String(m.entry.data));
    expect(texts('error', 'Overridden')).toContainEqual(
      expect.stringContaining('message-length-max: maximumMessageLength is 500'),
    );
    expect(texts('error', 'Conditional').some((e) => e.includes('review-handler'))).toBe(false);
    expect(texts('warning', 'Conditional')).toContainEqual(
      expect.stringMatching(/review-handler-fallback-deny not evaluated: .*condition IsProd/),
    );
  });

  // Review 3 #5: CloudFormation propagates stack tags to the room; the Aspect sees them too.
  it("counts the stack's tags as the room's, the room's own tag winning", () => {
    const app = new App({ outdir });
    const stack = new Stack(app, 'TaggedStack', { tags: { owner: 'chat-team' } });
    new CfnRoom(stack, 'Untagged', {});
    new CfnRoom(stack, 'OwnTag', { tags: [{ key: 'owner', value: 'Not A Slug' }] });
    Aspects.of(app).add(new IvsChatPolicyChecks(), { priority: AspectPriority.READONLY });
    const errors = app
      .synth()
      .getStackByName('TaggedStack')
      .messages.filter((m) => m.level === 'error' && String(m.entry.data).includes('required-tags'))
      .map((m) => m.id.split('/').at(-1));
    expect(errors).toEqual(['OwnTag']);
  });
});
