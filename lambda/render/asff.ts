/**
 * Findings in the AWS Security Finding Format (ASFF), as Security Hub's `BatchImportFindings` takes
 * them and `--format asff` prints them. Pure: the import time is passed in.
 *
 * The limits below are the ASFF user guide's; the service model carries none of them, so
 * test/render/asff.test.ts checks the output against both (test/render/fixtures/asff-model.json).
 */

import { parseRoomArn } from '../core/arn.js';
import { PRODUCT_NAME } from '../core/product.js';
import { truncate } from '../core/truncate.js';
import type { Finding, Severity } from '../core/types.js';
import { consoleUrl } from './console-url.js';
import { stripControl, utf8Bytes, wellFormed } from './escape.js';
import { fillRemediation } from './remediation.js';

export const ASFF_SCHEMA_VERSION = '2018-10-08';
export const ASFF_PRODUCT_NAME = PRODUCT_NAME;
export const ASFF_LIMITS = {
  id: 512,
  title: 256,
  description: 1024,
  recommendation: 512,
  /** ProductFields: up to 50 pairs, key ≤ 128, value ≤ 2048 characters. */
  fieldKey: 128,
  fieldValue: 2048,
  /** Resource.Details.Other: up to 50 pairs, key and value "fewer than" 128 and 1,024 characters. */
  otherKey: 127,
  otherValue: 1023,
  /** Security Hub refuses a larger finding. */
  findingBytes: 240 * 1024,
} as const;

/** ASFF taxonomy: namespace / category / classifier. */
export const ASFF_TYPE =
  'Software and Configuration Checks/AWS Security Best Practices/IVS Chat Room Configuration';

const SEVERITY_LABEL: Record<Severity, AsffSeverityLabel> = {
  critical: 'CRITICAL',
  high: 'HIGH',
  medium: 'MEDIUM',
  low: 'LOW',
  info: 'INFORMATIONAL',
};

/** Partitions the ASFF `Resource.Partition` enum knows; any other is left out rather than refused. */
const ASFF_PARTITIONS = new Set(['aws', 'aws-cn', 'aws-us-gov', 'aws-us-iso', 'aws-us-iso-b']);

export type AsffSeverityLabel = 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

export interface AsffFinding {
  SchemaVersion: string;
  Id: string;
  ProductArn: string;
  ProductName: string;
  GeneratorId: string;
  AwsAccountId: string;
  Region: string;
  Types: string[];
  FirstObservedAt: string;
  LastObservedAt: string;
  CreatedAt: string;
  UpdatedAt: string;
  Severity: { Label: AsffSeverityLabel; Original: string };
  FindingProviderFields: { Severity: { Label: AsffSeverityLabel; Original: string }; Types: string[] };
  Title: string;
  Description: string;
  Remediation: { Recommendation: { Text: string; Url: string } };
  ProductFields: Record<string, string>;
  Resources: AsffResource[];
  Compliance: { Status: 'PASSED' | 'FAILED' };
  RecordState: 'ACTIVE' | 'ARCHIVED';
}

export interface AsffResource {
  Type: 'Other';
  Id: string;
  Partition?: string;
  Region: string;
  Details: { Other: Record<string, string> };
}

/** The default product of an account and region: a finding imported under it names that account. */
export function defaultProductArn(partition: string, region: string, accountId: string): string {
  return `arn:${partition}:securityhub:${region}:${accountId}:product/${accountId}/default`;
}

/** Stable for the finding's whole life (and across re-imports): Security Hub updates it in place. */
export function asffId(fingerprint: string): string {
  return `${ASFF_PRODUCT_NAME}/${fingerprint}`;
}

/**
 * One finding as ASFF. The status decides the record: new/open are ACTIVE and FAILED; resolved is
 * re-imported PASSED and ARCHIVED; exempt is ARCHIVED with the exemption in ProductFields. Workflow
 * is never written: it belongs to the analyst.
 */
export function toAsff(finding: Finding, updatedAt: string): AsffFinding {
  const partition = parseRoomArn(finding.roomArn)?.partition ?? 'aws';
  const severity = { Label: SEVERITY_LABEL[finding.severity] ?? 'INFORMATIONAL', Original: finding.severity };
  const types = [ASFF_TYPE];
  const title = text(finding.title) || finding.policyId;
  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: truncate(asffId(finding.fingerprint), ASFF_LIMITS.id, ''),
    ProductArn: defaultProductArn(partition, finding.region, finding.accountId),
    ProductName: ASFF_PRODUCT_NAME,
    GeneratorId: truncate(`${ASFF_PRODUCT_NAME}/${finding.policyId}`, ASFF_LIMITS.id, ''),
    AwsAccountId: finding.accountId,
    Region: finding.region,
    Types: types,
    FirstObservedAt: finding.firstSeen,
    LastObservedAt: finding.lastSeen,
    CreatedAt: finding.firstSeen,
    UpdatedAt: updatedAt,
    Severity: severity,
    // Security Hub lets a provider change Severity and Types only through FindingProviderFields.
    FindingProviderFields: { Severity: severity, Types: types },
    Title: truncate(title, ASFF_LIMITS.title),
    Description: truncate(description(finding), ASFF_LIMITS.description),
    Remediation: {
      Recommendation: {
        Text: truncate(text(fillRemediation(finding)) || title, ASFF_LIMITS.recommendation),
        Url: consoleUrl(finding),
      },
    },
    ProductFields: productFields(finding),
    Resources: [
      {
        Type: 'Other',
        Id: finding.roomArn,
        ...(ASFF_PARTITIONS.has(partition) ? { Partition: partition } : {}),
        Region: finding.region,
        Details: { Other: roomDetails(finding) },
      },
    ],
    Compliance: { Status: finding.status === 'resolved' ? 'PASSED' : 'FAILED' },
    RecordState: finding.status === 'resolved' || finding.status === 'exempt' ? 'ARCHIVED' : 'ACTIVE',
  };
}

/** Serialised size as Security Hub counts it (UTF-8 JSON). */
export function asffBytes(finding: AsffFinding): number {
  return utf8Bytes(JSON.stringify(finding));
}

function description(f: Finding): string {
  const room = f.roomName ? `${f.roomName} (${f.roomArn})` : f.roomArn;
  const parts = [text(f.message) || text(f.title) || f.policyId, `Room ${room} in ${f.region}.`];
  if (f.status === 'resolved')
    parts.push(`Resolved${f.resolvedReason ? `: ${text(f.resolvedReason)}` : ''}.`);
  if (f.exemption) {
    const until = f.exemption.expires ? ` until ${f.exemption.expires}` : '';
    parts.push(
      f.exemption.expired
        ? `The exemption expired on ${f.exemption.expires ?? 'an earlier date'}.`
        : `Exempt${until}: ${text(f.exemption.reason)}`,
    );
  }
  return parts.join(' ');
}

function productFields(f: Finding): Record<string, string> {
  const fields: Record<string, string | undefined> = {
    'ivschat-auditor/PolicyId': f.policyId,
    'ivschat-auditor/Fingerprint': f.fingerprint,
    'ivschat-auditor/Status': f.status,
    'ivschat-auditor/Path': f.path,
    'ivschat-auditor/ResolvedReason': f.resolvedReason,
    'ivschat-auditor/ExemptionReason': f.exemption?.reason,
    'ivschat-auditor/ExemptionExpires': f.exemption?.expires,
    'ivschat-auditor/ExemptionExpired': f.exemption ? String(f.exemption.expired) : undefined,
  };
  return fieldMap(fields, ASFF_LIMITS.fieldValue);
}

function roomDetails(f: Finding): Record<string, string> {
  return fieldMap(
    {
      roomId: f.roomId,
      roomName: f.roomName,
      path: f.path,
      // The offending value as JSON; absent when the property is missing.
      actual: f.actual === undefined ? undefined : JSON.stringify(f.actual),
    },
    ASFF_LIMITS.otherValue,
  );
}

/** ASFF map values must hold a non-blank string: blank and absent values are left out. */
function fieldMap(fields: Record<string, string | undefined>, maxValue: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) {
    const clean = value === undefined ? '' : text(value);
    if (clean !== '') out[key] = truncate(clean, maxValue);
  }
  return out;
}

/** Free text from room data or policies: single line, no control characters, trimmed. */
function text(s: string | undefined): string {
  return s ? stripControl(wellFormed(s)).trim() : '';
}
