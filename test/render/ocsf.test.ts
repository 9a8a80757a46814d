import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { writeReport } from '../../lambda/cli/report-output.js';
import type { Finding } from '../../lambda/core/types.js';
import { toAsff } from '../../lambda/render/asff.js';
import {
  OCSF_CLASS_UID,
  OCSF_VERSION,
  type OcsfComplianceFinding,
  toOcsf,
} from '../../lambda/render/ocsf.js';
import { joinParts } from '../../lambda/render/terminal.js';
import { DEMO_NOW, demoReport, MARKUP_TAG } from './demo-report.js';
import { HOSTILE_LINES, hasControlChars, makeFinding } from './fixtures.js';

// The JSON Schema of OCSF 1.8.0's Compliance Finding with the cloud profile, generated from
// ocsf/ocsf-schema at tag 1.8.0 by test/render/ocsf/build-schema.ts (its header says how).
const SCHEMA = JSON.parse(
  readFileSync(new URL('./fixtures/ocsf-compliance-finding.schema.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
// strictRequired off: OCSF's "name or uid" constraints list in anyOf properties declared beside it.
// unicodeRegExp off: OCSF's data type regexes are written for plain (non-unicode) regex engines.
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, unicodeRegExp: false });
const validate = ajv.compile(SCHEMA);

function problems(event: unknown): string[] {
  return validate(event) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/** `--format ocsf` as the CLI writes it, parsed back. */
async function cliOcsf(): Promise<OcsfComplianceFinding[]> {
  const { report, resolved } = demoReport();
  let text = '';
  await writeReport(report, resolved, {
    format: 'ocsf',
    stdout: (parts) => {
      text += joinParts(parts);
    },
    color: false,
    policies: [],
    toolVersion: '9.9.9',
  });
  return JSON.parse(text) as OcsfComplianceFinding[];
}

describe('--format ocsf (OCSF Compliance Finding, class 2003)', () => {
  it('the fixture schema is the one generated from the named OCSF release', () => {
    expect(SCHEMA.title).toBe(`OCSF ${OCSF_VERSION} compliance_finding (class_uid ${OCSF_CLASS_UID})`);
    expect(String(SCHEMA.$comment)).toContain(`ocsf/ocsf-schema ${OCSF_VERSION}`);
  });

  it("writes one valid event per finding of the demo rooms' report, resolved ones included", async () => {
    const { report, resolved } = demoReport();
    const events = await cliOcsf();
    expect(events).toHaveLength(report.findings.length + resolved.length);
    for (const event of events) expect(problems(event), event.finding_info.uid).toEqual([]);
    expect(new Set(events.map((e) => e.finding_info.uid)).size).toBe(events.length);
  });

  it('maps each lifecycle status to the activity, and sends a finding status only where the lifecycle states it', async () => {
    const events = await cliOcsf();
    const { report, resolved } = demoReport();
    const all = [...report.findings, ...resolved];
    const eventOf = (f: Finding) =>
      events.find((e) => e.finding_info.uid === f.fingerprint) as OcsfComplianceFinding;
    const of = (status: string) => all.filter((f) => f.status === status).map(eventOf);
    // Every lifecycle status occurs in the demo report, so none of the loops below passes empty.
    for (const status of ['new', 'open', 'exempt', 'resolved'])
      expect(of(status).length, status).toBeGreaterThan(0);
    for (const e of of('new')) {
      expect([e.status_id, e.status, e.activity_id, e.type_uid]).toEqual([1, 'New', 1, 200301]);
    }
    // OCSF 1.8.0: status_id is "set by the consumer"; an open finding claims no review ("In Progress").
    for (const e of of('open')) {
      expect([e.activity_id, e.type_uid, e.compliance.status]).toEqual([2, 200302, 'Fail']);
      expect(e).not.toHaveProperty('status_id');
      expect(e).not.toHaveProperty('status');
    }
    expect(events.filter((e) => e.status === 'In Progress')).toEqual([]);
    const suppressed = of('exempt').find((e) => e.status_detail?.startsWith('Exempt until'));
    expect(suppressed).toMatchObject({ status_id: 3, status: 'Suppressed', activity_id: 2 });
    expect(suppressed?.status_detail).toBe('Exempt until 2026-04-30: load test until the <b>launch</b>');
    expect(suppressed?.unmapped?.exemption).toEqual({
      reason: 'load test until the <b>launch</b>',
      expires: '2026-04-30',
      expired: false,
    });
    expect(suppressed?.compliance.status).toBe('Fail');
    // An expired exemption is an open finding again: no status, still failing.
    const expired = events.find((e) => e.status_detail?.startsWith('The exemption expired'));
    expect(expired).toBeDefined();
    expect(expired).not.toHaveProperty('status_id');
    expect(expired?.compliance.status).toBe('Fail');
  });

  it('a deleted room is Not Applicable, not Pass: it was never evaluated', async () => {
    const events = await cliOcsf();
    const closed = events.filter((e) => e.activity_id === 3);
    expect(closed.length).toBeGreaterThan(0);
    const deleted = closed.find((e) => e.status_detail === 'Resolved: room deleted');
    expect(deleted).toMatchObject({
      activity_id: 3,
      type_uid: 200303,
      status_detail: 'Resolved: room deleted',
      compliance: { status_id: 99, status: 'Not Applicable' },
    });
    expect(deleted).not.toHaveProperty('status_id');
    expect(events.filter((e) => e.compliance.status === 'Pass')).toEqual([]);
    for (const e of events) expect(problems(e), e.finding_info.uid).toEqual([]);
  });

  it('a room that complies again is Resolved and passes the control', () => {
    const fixed = makeFinding({ status: 'resolved' });
    expect(fixed.resolvedReason).toBeUndefined();
    const event = toOcsf(fixed, { time: DEMO_NOW, toolVersion: '1' });
    expect(problems(event)).toEqual([]);
    expect(event).toMatchObject({
      status_id: 4,
      status: 'Resolved',
      activity_id: 3,
      compliance: { status_id: 1, status: 'Pass' },
    });
    expect(event).not.toHaveProperty('status_detail');
    const gone = toOcsf(
      { ...fixed, resolvedReason: 'absent from the saved listing' },
      { time: DEMO_NOW, toolVersion: '1' },
    );
    expect(gone.compliance).toMatchObject({ status_id: 99, status: 'Not Applicable' });
    expect(gone.status_detail).toBe('Resolved: absent from the saved listing');
    expect(problems(gone)).toEqual([]);
  });

  it('the ASFF and OCSF renderers agree that the triage workflow belongs to the analyst', () => {
    const open = makeFinding({ status: 'open' });
    expect(toAsff(open, DEMO_NOW)).not.toHaveProperty('Workflow');
    expect(toOcsf(open, { time: DEMO_NOW, toolVersion: '1' })).not.toHaveProperty('status_id');
  });

  it('names the standard, the control, the room as the resource, the account via cloud, and the remediation', () => {
    const { report } = demoReport();
    const finding = report.findings.find((f) => f.policyId === 'message-length-max') as Finding;
    const event = toOcsf(finding, { time: DEMO_NOW, toolVersion: '1.2.3' });
    expect(event.compliance).toMatchObject({
      standards: ['ivschat-auditor policies'],
      control: 'message-length-max',
      status: 'Fail',
    });
    expect(event.resources).toEqual([
      {
        uid: finding.roomArn,
        name: finding.roomName,
        type: 'AWS::IVSChat::Room',
        region: finding.region,
        cloud_partition: 'aws',
        role_id: 1,
        role: 'Target',
        data: { path: '/maximumMessageLength', actual: finding.actual },
      },
    ]);
    expect(event.cloud).toEqual({
      provider: 'AWS',
      region: finding.region,
      cloud_partition: 'aws',
      account: { uid: finding.accountId, type_id: 10, type: 'AWS Account' },
    });
    expect(event.remediation.desc).toContain(`--identifier ${finding.roomArn}`);
    expect(event.finding_info).toMatchObject({
      uid: finding.fingerprint,
      first_seen_time: Date.parse(finding.firstSeen),
      last_seen_time: Date.parse(finding.lastSeen),
    });
    expect(event.metadata).toEqual({
      version: OCSF_VERSION,
      profiles: ['cloud'],
      product: { name: 'ivschat-auditor', vendor_name: 'ivschat-auditor', version: '1.2.3' },
    });
    expect(event.time).toBe(Date.parse(DEMO_NOW));
    expect(
      toOcsf(finding, { time: DEMO_NOW, toolVersion: '1', standard: 'team set' }).compliance.standards,
    ).toEqual(['team set']);
  });

  it('keeps hostile room data as data: valid, single-line, control-free strings', () => {
    const hostile = makeFinding({
      roomName: `${MARKUP_TAG}${HOSTILE_LINES}`,
      message: HOSTILE_LINES,
      title: HOSTILE_LINES,
      actual: { owner: MARKUP_TAG },
      exemption: { reason: HOSTILE_LINES, expires: HOSTILE_LINES, expired: false },
      status: 'exempt',
    });
    const event = toOcsf(hostile, { time: DEMO_NOW, toolVersion: '1' });
    expect(problems(event)).toEqual([]);
    for (const text of [
      event.message,
      event.finding_info.title,
      event.resources[0]?.name,
      event.status_detail,
      event.unmapped?.exemption.reason,
      event.unmapped?.exemption.expires,
    ]) {
      expect(hasControlChars(text ?? '')).toBe(false);
    }
    expect(event.resources[0]?.data.actual).toEqual({ owner: MARKUP_TAG });
    expect(event.unmapped?.exemption.reason).toBeTruthy();
  });

  it('leaves out a finding time it cannot read (not 1970), and refuses an unreadable run time', () => {
    const event = toOcsf(makeFinding({ firstSeen: 'not a date', lastSeen: '' }), {
      time: DEMO_NOW,
      toolVersion: '1',
    });
    expect(problems(event)).toEqual([]);
    expect(event.time).toBe(Date.parse(DEMO_NOW));
    for (const key of ['created_time', 'first_seen_time', 'last_seen_time']) {
      expect(event.finding_info).not.toHaveProperty(key);
    }
    expect(JSON.stringify(event)).not.toMatch(/_time":0\b|"time":0\b/);
    expect(() => toOcsf(makeFinding(), { time: 'not a date', toolVersion: '1' })).toThrow(RangeError);
  });

  it('the schema refuses what OCSF refuses: a wrong class, a misspelt attribute, a missing requirement', () => {
    const event = toOcsf(makeFinding(), { time: DEMO_NOW, toolVersion: '1' });
    expect(problems(event)).toEqual([]);
    expect(problems({ ...event, class_uid: 2004 })).not.toEqual([]);
    expect(problems({ ...event, finding_info: { ...event.finding_info, uid: undefined } })).not.toEqual([]);
    expect(problems({ ...event, compliance: { ...event.compliance, standard: 'x' } })).not.toEqual([]);
    const { cloud: _cloud, ...withoutCloud } = event;
    expect(problems(withoutCloud)).not.toEqual([]);
  });
});
