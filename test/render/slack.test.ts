import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderSlack } from '../../lambda/render/slack.js';
import {
  expiredExemptionFinding,
  HOSTILE,
  HOSTILE_LINES,
  hasControlChars,
  makeAlert,
  makeFinding,
  makeReport,
} from './fixtures.js';

const schema = JSON.parse(
  readFileSync(new URL('./fixtures/custom-notification.schema.json', import.meta.url), 'utf8'),
);
const validate = new Ajv2020.default({ allErrors: true, strict: true }).compile(schema);

function expectValid(notification: unknown): void {
  const ok = validate(notification);
  expect(validate.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
}

describe('Function: renderSlack', () => {
  it('produces a custom notification that validates against the schema', () => {
    const alert = makeAlert({
      newFindings: [makeFinding({ severity: 'critical' }), makeFinding()],
      resolvedFindings: [makeFinding({ status: 'resolved', resolvedReason: 'room deleted' })],
      reminders: [makeFinding({ status: 'open', severity: 'low' })],
    });
    const n = renderSlack(alert);
    expectValid(n);
    expect(n.version).toBe('1.0');
    expect(n.source).toBe('custom');
    expect(n.content.textType).toBe('client-markdown');
    expect(n.content.title).toContain('2 new, 1 resolved, 1 still open');
    expect(n.metadata.threadId).toBe('123456789012-us-east-1');
    expect(n.metadata.relatedResources).toContain(alert.newFindings[0]?.roomArn);
  });

  it('notes an expired exemption once', () => {
    const n = renderSlack(makeAlert({ newFindings: [expiredExemptionFinding()] }));
    expect(n.content.description.match(/exemption expired 2020-01-31/g)).toHaveLength(1);
  });

  it('threads multi-region runs under <account>-multi', () => {
    const n = renderSlack(makeAlert({ regions: ['us-east-1', 'eu-west-1'], newFindings: [makeFinding()] }));
    expect(n.metadata.threadId).toBe('123456789012-multi');
  });

  it('renders hostile room data inert', () => {
    const f = makeFinding({
      roomName: HOSTILE,
      message: `tags.team is "${HOSTILE_LINES} ${HOSTILE}"; must match ^[a-z]+$`,
      remediationTemplate: `Set the tag on {name} ${HOSTILE}`,
      policyId: 'required-tags',
      title: `Required tags ${HOSTILE}`,
    });
    const n = renderSlack(
      makeAlert({ newFindings: [f], reminders: [makeFinding({ status: 'open', roomName: HOSTILE })] }),
    );
    expectValid(n);
    const text = [
      n.content.title,
      n.content.description,
      ...n.content.nextSteps,
      ...n.content.keywords,
      n.metadata.summary,
    ];
    for (const t of text) {
      expect(t).not.toContain('<!');
      expect(t).not.toContain('<http');
      expect(t).not.toContain('*bold*');
      expect(hasControlChars(t, { allowNewline: true })).toBe(false);
    }
    // the description's own line structure is kept: the hostile newlines did not add lines
    expect(n.content.description.split('\n').filter((l) => l.includes('Subject: fake'))).toHaveLength(1);
  });

  it('keeps title and description within the limits and counts what was left out', () => {
    const many = Array.from({ length: 500 }, (_, i) =>
      makeFinding({ roomName: `room-${'x'.repeat(100)}-${i}`, message: `value ${'y'.repeat(200)}` }),
    );
    const n = renderSlack(makeAlert({ newFindings: many, accountId: '9'.repeat(400) }));
    expectValid(n);
    const shown = n.content.description.split('\n').filter((l) => l.startsWith('• ')).length;
    const more = /…and (\d+) more/.exec(n.content.description);
    expect(more).not.toBeNull();
    expect(shown + Number(more?.[1])).toBe(500);
  });

  it('names the first 20 rooms in rendering order once each, and the console link of the first finding', () => {
    // 30 rooms with two findings each, given in reverse: the order is the rendering order's, not the input's.
    const rooms = Array.from({ length: 30 }, (_, i) => `room-${String(i).padStart(2, '0')}`);
    const findings = rooms.flatMap((roomName) =>
      ['/maximumMessageLength', '/tags'].map((path) => makeFinding({ roomName, roomId: roomName, path })),
    );
    const n = renderSlack(makeAlert({ newFindings: [...findings].reverse() }));
    expect(n.metadata.relatedResources).toEqual(
      rooms.slice(0, 20).map((id) => `arn:aws:ivschat:us-east-1:${findings[0]?.accountId}:room/${id}`),
    );
    expect(n.content.nextSteps.find((s) => s.startsWith('Open the room'))).toContain('room-00');
  });

  it('includes findings counted as omitted by an earlier split', () => {
    const n = renderSlack(
      makeAlert({ newFindings: [makeFinding()], omitted: { new: 30, resolved: 5, reminders: 2 } }),
    );
    expect(n.content.description).toContain('…and 37 more');
  });

  it('warns when the audit was incomplete', () => {
    const n = renderSlack(
      makeAlert({ newFindings: [makeFinding()], report: makeReport({ complete: false }) }),
    );
    expect(n.content.description).toContain('Audit incomplete');
  });

  it('bare URL and [text](url) in a tag value or message are inert; the console link stays clean', () => {
    const evil = 'https://evil.example/login [click](https://evil.example) mailto:x@evil.example';
    const f = makeFinding({
      roomId: 'AbCd1234',
      roomName: `team ${evil}`,
      message: `tags.team is "${evil}"; must match ^[a-z]+$`,
      remediationTemplate: `Set the tag on {name}: ${evil}`,
    });
    const n = renderSlack(
      makeAlert({
        newFindings: [f],
        resolvedFindings: [makeFinding({ status: 'resolved', resolvedReason: evil })],
        reminders: [makeFinding({ status: 'open', message: evil })],
      }),
    );
    expectValid(n);
    const text = [n.content.title, n.content.description, ...n.content.nextSteps, ...n.content.keywords].join(
      '\n',
    );
    expect(text).not.toContain('https://evil');
    expect(text).not.toContain('mailto:');
    expect(text).not.toMatch(/\]\(|\[click/);
    expect(n.content.description).toContain('https［:］//evil.example/login');
    expect(n.content.description).toContain('［click］(https［:］//evil.example)');
    // the only URL left is the one the renderer built, whole and not defanged
    const console = 'https://us-east-1.console.aws.amazon.com/ivs/home?region=us-east-1#/chat/rooms/AbCd1234';
    expect(n.content.nextSteps).toContain(`Open the room in the console: ${console}`);
    expect(text.match(/:\/\//g)).toHaveLength(1);
  });

  it('console link with hostile region or room id stays on the AWS console host', () => {
    const f = makeFinding({ region: 'evil.example/x?#[a](b)', roomId: 'r/../../@evil.example<x>' });
    const n = renderSlack(makeAlert({ newFindings: [f] }));
    const step = n.content.nextSteps.find((s) => s.startsWith('Open the room in the console: '));
    const link = step?.slice('Open the room in the console: '.length) ?? '';
    const url = new URL(link);
    expect(url.protocol).toBe('https:');
    expect(url.hostname).toBe('console.aws.amazon.com'); // not a region name: the global console host
    expect(url.pathname).toBe('/ivs/home');
    expect(link).not.toMatch(/[<>[\]()\s]/);
  });

  it('a lone surrogate in a room id aborted rendering (encodeURIComponent threw)', () => {
    const f = makeFinding({ roomId: 'room\ud800', roomName: 'name\udc00', region: 'us-east-1' });
    const n = renderSlack(makeAlert({ newFindings: [f] }));
    expectValid(n);
    expect(n.content.nextSteps.join('\n')).toContain('/chat/rooms/room%EF%BF%BD');
  });

  it('validates for arbitrary room data', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ roomName: fc.string({ unit: 'binary' }), message: fc.string({ unit: 'binary' }) }),
          {
            maxLength: 20,
          },
        ),
        (overrides) => {
          const n = renderSlack(makeAlert({ newFindings: overrides.map((o) => makeFinding(o)) }));
          return validate(n) === true && !n.content.description.includes('<');
        },
      ),
    );
  });
});
