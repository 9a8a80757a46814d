/**
 * Findings as OCSF Compliance Findings (class_uid 2003), one event per finding, as `--format ocsf`
 * writes them for security lakes and SIEMs. Pure: the run's time and the tool's version are passed in.
 *
 * Written against OCSF 1.8.0 with the `cloud` profile applied (it adds `cloud`, where the account
 * and region live). test/render/ocsf.test.ts validates real output against the JSON Schema built
 * from that release (test/render/fixtures/ocsf-compliance-finding.schema.json).
 */

import { parseRoomArn } from '../core/arn.js';
import { PRODUCT_NAME } from '../core/product.js';
import type { Finding, FindingStatus, Severity } from '../core/types.js';
import { consoleUrl } from './console-url.js';
import { stripControl } from './escape.js';
import { fillRemediation } from './remediation.js';

export const OCSF_VERSION = '1.8.0';
export const OCSF_CLASS_UID = 2003;
const CATEGORY_UID = 2;
/** The room's resource type, in the CloudFormation naming other AWS findings use. */
export const OCSF_ROOM_TYPE = 'AWS::IVSChat::Room';
/** The standard every finding is checked against when the caller names none. */
export const OCSF_DEFAULT_STANDARD = `${PRODUCT_NAME} policies`;

/** OCSF severity_id: Informational 1 … Critical 5. */
const SEVERITY: Record<Severity, [number, string]> = {
  info: [1, 'Informational'],
  low: [2, 'Low'],
  medium: [3, 'Medium'],
  high: [4, 'High'],
  critical: [5, 'Critical'],
};

/**
 * The finding's lifecycle as OCSF has it. activity_id tells it: a finding first seen this run is
 * created, a resolved one closed, any other updated.
 *
 * status_id is, in OCSF 1.8.0, "the normalized status identifier of the Finding, set by the
 * consumer": the analyst's triage, as ASFF's Workflow is (asff.ts never writes that). So it is sent
 * only where our own lifecycle states what the value means and no review by anyone is claimed:
 * New ("new and yet to be reviewed") for a finding first seen this run; Suppressed ("reviewed,
 * determined to be benign") for an exempt one, the exemption in the policy being that reviewed
 * decision, with its reason; Resolved ("reviewed, remediated") for a finding closed because the
 * room complies again, which the audit saw. An open finding, one whose exemption expired, and one
 * closed without the room being evaluated (deleted, or absent from a listing) get none: "In
 * Progress" would claim a review that nobody started.
 */
const ACTIVITY: Record<FindingStatus, [number, string]> = {
  new: [1, 'Create'],
  open: [2, 'Update'],
  exempt: [2, 'Update'],
  resolved: [3, 'Close'],
};

function findingStatus(f: Finding): [number, string] | undefined {
  if (f.status === 'new') return [1, 'New'];
  if (f.status === 'exempt') return [3, 'Suppressed'];
  if (f.status === 'resolved' && !f.resolvedReason) return [4, 'Resolved'];
  return undefined;
}

/**
 * compliance.status_id: Pass ("passed for all the evaluated resources") only once the room was
 * evaluated and complies again; Fail while it does not (an exempt room still fails the control);
 * Other, labelled Not Applicable, for a finding closed without an evaluation (the room was deleted
 * or left a listing): nothing was evaluated, so neither Pass nor Fail is true. The reason is in
 * the event's status_detail.
 */
function complianceStatus(f: Finding): [number, OcsfComplianceStatus] {
  if (f.status !== 'resolved') return [3, 'Fail'];
  return f.resolvedReason ? [99, 'Not Applicable'] : [1, 'Pass'];
}

export interface OcsfOptions {
  /** When the run started (ISO 8601): the event time. */
  time: string;
  /** The auditor's version, named in metadata.product. */
  toolVersion: string;
  /** The policy set the findings were checked against (compliance.standards). */
  standard?: string;
}

export type OcsfComplianceStatus = 'Pass' | 'Fail' | 'Not Applicable';

export interface OcsfComplianceFinding {
  activity_id: number;
  activity_name: string;
  category_uid: number;
  category_name: string;
  class_uid: number;
  class_name: string;
  type_uid: number;
  type_name: string;
  severity_id: number;
  severity: string;
  status_id?: number;
  status?: string;
  status_detail?: string;
  time: number;
  message: string;
  metadata: {
    version: string;
    profiles: string[];
    product: { name: string; vendor_name: string; version: string };
  };
  cloud: {
    provider: string;
    region: string;
    cloud_partition?: string;
    account: { uid: string; type_id: number; type: string };
  };
  compliance: {
    standards: string[];
    control: string;
    status_id: number;
    status: OcsfComplianceStatus;
    desc?: string;
  };
  finding_info: {
    uid: string;
    title: string;
    desc: string;
    types: string[];
    created_time?: number;
    first_seen_time?: number;
    last_seen_time?: number;
    src_url: string;
  };
  resources: Array<{
    uid: string;
    name?: string;
    type: string;
    region: string;
    cloud_partition?: string;
    role_id: number;
    role: string;
    data: { path: string; actual?: unknown };
  }>;
  remediation: { desc: string; references: string[] };
  unmapped?: { exemption: { reason: string; expires?: string; expired: boolean } };
}

/** One finding as an OCSF Compliance Finding. */
export function toOcsf(finding: Finding, options: OcsfOptions): OcsfComplianceFinding {
  const [severityId, severity] = SEVERITY[finding.severity] ?? [0, 'Unknown'];
  const activity = ACTIVITY[finding.status];
  const status = findingStatus(finding);
  const [complianceId, compliance] = complianceStatus(finding);
  const partition = parseRoomArn(finding.roomArn)?.partition;
  const title = text(finding.title) || finding.policyId;
  const detail = statusDetail(finding);
  return {
    activity_id: activity[0],
    activity_name: activity[1],
    category_uid: CATEGORY_UID,
    category_name: 'Findings',
    class_uid: OCSF_CLASS_UID,
    class_name: 'Compliance Finding',
    type_uid: OCSF_CLASS_UID * 100 + activity[0],
    type_name: `Compliance Finding: ${activity[1]}`,
    severity_id: severityId,
    severity,
    ...(status ? { status_id: status[0], status: status[1] } : {}),
    ...(detail ? { status_detail: detail } : {}),
    time: eventTime(options.time),
    message: text(finding.message) || title,
    metadata: {
      version: OCSF_VERSION,
      profiles: ['cloud'],
      product: { name: PRODUCT_NAME, vendor_name: PRODUCT_NAME, version: options.toolVersion },
    },
    cloud: {
      provider: 'AWS',
      region: finding.region,
      ...(partition ? { cloud_partition: partition } : {}),
      account: { uid: finding.accountId, type_id: 10, type: 'AWS Account' },
    },
    compliance: {
      standards: [options.standard ?? OCSF_DEFAULT_STANDARD],
      control: finding.policyId,
      status_id: complianceId,
      status: compliance,
      desc: title,
    },
    finding_info: {
      uid: finding.fingerprint,
      title,
      desc: text(finding.message) || title,
      types: ['IVS Chat Room Configuration'],
      ...optionalTime('created_time', finding.firstSeen),
      ...optionalTime('first_seen_time', finding.firstSeen),
      ...optionalTime('last_seen_time', finding.lastSeen),
      src_url: consoleUrl(finding),
    },
    resources: [
      {
        uid: finding.roomArn,
        ...(text(finding.roomName) ? { name: text(finding.roomName) } : {}),
        type: OCSF_ROOM_TYPE,
        region: finding.region,
        ...(partition ? { cloud_partition: partition } : {}),
        role_id: 1,
        role: 'Target',
        // The offending value, where the room holds it; absent when the property is missing.
        data: { path: finding.path, ...(finding.actual === undefined ? {} : { actual: finding.actual }) },
      },
    ],
    remediation: { desc: text(fillRemediation(finding)) || title, references: [consoleUrl(finding)] },
    ...(finding.exemption ? { unmapped: { exemption: exemption(finding.exemption) } } : {}),
  };
}

/** Why the finding is where it is in its lifecycle, when there is more to say than its status. */
function statusDetail(f: Finding): string | undefined {
  if (f.status === 'resolved') return f.resolvedReason ? `Resolved: ${text(f.resolvedReason)}` : undefined;
  if (!f.exemption) return undefined;
  const expires = text(f.exemption.expires);
  if (f.exemption.expired) return `The exemption expired on ${expires || 'an earlier date'}.`;
  const until = expires ? ` until ${expires}` : '';
  return `Exempt${until}: ${text(f.exemption.reason)}`;
}

/**
 * The event time (required; OCSF timestamps are milliseconds since the epoch) is the run's start,
 * which the CLI itself recorded: an unreadable one is a programming error, and 0 would file the
 * event under 1970 in a lake partitioned by time.
 */
function eventTime(iso: string): number {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms))
    throw new RangeError(`OCSF: the run's start time is not a date: ${JSON.stringify(iso)}`);
  return ms;
}

/** An optional timestamp attribute, left out when the finding's time cannot be read (not 1970). */
function optionalTime<K extends string>(key: K, iso: string): Partial<Record<K, number>> {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ({ [key]: ms } as Record<K, number>) : {};
}

/** The exemption as the policy file has it, its free text cleaned like every other text field. */
function exemption(e: NonNullable<Finding['exemption']>): {
  reason: string;
  expires?: string;
  expired: boolean;
} {
  return {
    reason: text(e.reason),
    ...(e.expires === undefined ? {} : { expires: text(e.expires) }),
    expired: e.expired,
  };
}

/** Free text from room data or policies: single line, no control characters, trimmed. */
function text(s: string | undefined): string {
  return s ? stripControl(s).trim() : '';
}
