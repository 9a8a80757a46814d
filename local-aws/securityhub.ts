/**
 * AWS Security Hub `BatchImportFindings` (REST-JSON: POST /findings/import) with the documented
 * limits: 1–100 findings per call, at most 6 MB per request and 240 KB per finding; with the default
 * product ARN a finding must name the calling account (`AwsAccountId`) and that account's own product
 * in the region called. Each finding is checked against the ASFF rules the service model and the
 * ASFF guide state (lengths, enums, list sizes, timestamps, schema version) and refused on its own,
 * as Security Hub does. Imported findings are kept by account × region × Id (a re-import replaces
 * the record, as Security Hub updates it) so tests can read what arrived.
 */
import { json, type LocalResponse } from './http.js';

export const SECURITY_HUB_MAX_FINDINGS = 100;
export const SECURITY_HUB_MAX_REQUEST_BYTES = 6 * 1024 * 1024;
export const SECURITY_HUB_MAX_FINDING_BYTES = 240 * 1024;
/** The one ASFF schema version ("The value is 2018-10-08"). */
export const ASFF_SCHEMA_VERSION = '2018-10-08';
/** Members every ASFF finding must have (the model's `AwsSecurityFinding.required`). */
const REQUIRED = [
  'SchemaVersion',
  'Id',
  'ProductArn',
  'GeneratorId',
  'AwsAccountId',
  'CreatedAt',
  'UpdatedAt',
  'Title',
  'Description',
  'Resources',
] as const;

export interface ImportedFinding {
  region: string;
  accountId: string;
  /** The finding as last imported. */
  finding: Record<string, unknown>;
  /** How many times it was imported (a retry that resent an accepted finding shows here). */
  imports: number;
}

export function securityHubError(status: number, code: string, message: string): LocalResponse {
  return json(status, { Code: code, Message: message }, { 'x-amzn-errortype': code });
}

export class SecurityHubService {
  private readonly findings = new Map<string, ImportedFinding>();

  handle(input: {
    accountId: string;
    region: string;
    body: string;
    /** Fault injection: Security Hub is not enabled in the account. */
    disabled: boolean;
    /** Decides (and consumes) whether this finding fails on its own (fault injection). */
    failEntry: () => boolean;
  }): LocalResponse {
    const { accountId, region, body } = input;
    if (input.disabled) {
      return securityHubError(
        401,
        'InvalidAccessException',
        `Account ${accountId} is not subscribed to AWS Security Hub`,
      );
    }
    if (Buffer.byteLength(body) > SECURITY_HUB_MAX_REQUEST_BYTES) {
      // The model names no 413 error: an oversized batch is invalid input, as every other refusal.
      return securityHubError(400, 'InvalidInputException', 'Request size exceeds the 6 MB limit');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return securityHubError(400, 'InvalidInputException', 'Request body is not valid JSON');
    }
    const list = (parsed as { Findings?: unknown } | null)?.Findings;
    if (!Array.isArray(list) || list.length < 1 || list.length > SECURITY_HUB_MAX_FINDINGS) {
      return securityHubError(
        400,
        'InvalidInputException',
        `Findings must hold 1 to ${SECURITY_HUB_MAX_FINDINGS} findings`,
      );
    }
    const failed: { Id: string; ErrorCode: string; ErrorMessage: string }[] = [];
    let success = 0;
    for (const item of list) {
      const finding = (item ?? {}) as Record<string, unknown>;
      const id = typeof finding.Id === 'string' && finding.Id.trim() ? finding.Id : '(no Id)';
      const problem = this.check(finding, accountId, region) ?? (input.failEntry() ? injected : undefined);
      if (problem) {
        failed.push({ Id: id, ErrorCode: problem.code, ErrorMessage: problem.message });
        continue;
      }
      const key = `${accountId}\u0000${region}\u0000${id}`;
      const before = this.findings.get(key);
      this.findings.set(key, { region, accountId, finding, imports: (before?.imports ?? 0) + 1 });
      success++;
    }
    return json(200, { FailedCount: failed.length, SuccessCount: success, FailedFindings: failed });
  }

  private check(
    finding: Record<string, unknown>,
    accountId: string,
    region: string,
  ): { code: string; message: string } | undefined {
    const missing = REQUIRED.filter((name) => finding[name] === undefined);
    if (missing.length > 0)
      return { code: 'InvalidInput', message: `Missing required: ${missing.join(', ')}` };
    if (Buffer.byteLength(JSON.stringify(finding)) > SECURITY_HUB_MAX_FINDING_BYTES) {
      return { code: 'InvalidInput', message: 'Finding size exceeds 240 KB' };
    }
    const problem = asffProblem(finding);
    if (problem) {
      return {
        code: 'InvalidInput',
        message: `Finding does not adhere to Amazon Finding Format. ${problem}`,
      };
    }
    if (finding.AwsAccountId !== accountId) {
      return {
        code: 'AccessDeniedException',
        message: `AwsAccountId must equal the calling account (${accountId}); got ${String(finding.AwsAccountId)}`,
      };
    }
    const product = `:securityhub:${region}:${accountId}:product/${accountId}/default`;
    if (typeof finding.ProductArn !== 'string' || !finding.ProductArn.endsWith(product)) {
      return {
        code: 'AccessDeniedException',
        message: `ProductArn must be the calling account's default product in ${region}; got ${String(finding.ProductArn)}`,
      };
    }
    return undefined;
  }

  /** What arrived, optionally of one region and/or account, in import order of first arrival. */
  list(region?: string, accountId?: string): ImportedFinding[] {
    return [...this.findings.values()]
      .filter((f) => (!region || f.region === region) && (!accountId || f.accountId === accountId))
      .map((f) => structuredClone(f));
  }

  clear(): void {
    this.findings.clear();
  }
}

const injected = { code: 'InternalException', message: 'Internal error (injected by local-aws)' };

/*
 * The ASFF rules a finding is checked against. The service model types most members as
 * NonEmptyString (`.*\S.*`) and states the rest in its documentation: Id and GeneratorId ≤ 512,
 * Title ≤ 256, Description ≤ 1,024, 1–32 Resources each with a Type and an Id, ≤ 50 Types of the form
 * namespace/category/classifier, ≤ 50 ProductFields (key ≤ 128, value ≤ 2,048), the SeverityLabel,
 * WorkflowStatus, RecordState and ComplianceStatus enums, Recommendation.Text ≤ 512, Details.Other
 * (≤ 50 pairs, key < 128, value < 1,024) and the ASFF timestamp format. The messages follow the
 * JSON-Schema wording Security Hub answers with ("data.Title should NOT be longer than 256 characters").
 */
const TYPE_NAMESPACES = new Set([
  'Software and Configuration Checks',
  'TTPs',
  'Effects',
  'Unusual Behaviors',
  'Sensitive Data Identifications',
]);
const SEVERITY_LABELS = new Set(['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);
const WORKFLOW_STATUSES = new Set(['NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED']);
const RECORD_STATES = new Set(['ACTIVE', 'ARCHIVED']);
const COMPLIANCE_STATUSES = new Set(['PASSED', 'WARNING', 'FAILED', 'NOT_AVAILABLE']);
/**
 * The ASFF timestamp: RFC 3339 date-time, fraction up to 9 digits, offset Z or ±hh[:]mm with
 * minutes 00–59, "bounded by +/-18:00" (the API reference's Timestamps section).
 */
const TIMESTAMP =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?(Z|[+-]((0\d|1[0-7])(:?[0-5]\d)?|18(:?00)?))$/;
/**
 * Top-level members the ASFF guide's "Required top-level ASFF attributes" lists beyond the model's
 * `required`: Security Hub refuses a finding without them.
 */
const GUIDE_REQUIRED = ['Severity', 'Types'] as const;
const TIMESTAMP_MEMBERS = ['CreatedAt', 'UpdatedAt', 'FirstObservedAt', 'LastObservedAt'] as const;
const LIMITS = { Id: 512, GeneratorId: 512, Title: 256, Description: 1024 } as const;

/** Length as Security Hub's validator counts it: characters (code points), not UTF-16 units. */
function chars(s: string): number {
  return [...s].length;
}

function blank(value: unknown): boolean {
  return typeof value !== 'string' || !/\S/.test(value);
}

/** The first rule `finding` breaks, worded as Security Hub words it; undefined when it is valid. */
export function asffProblem(f: Record<string, unknown>): string | undefined {
  for (const name of REQUIRED) {
    if (name !== 'Resources' && blank(f[name])) return `data.${name} should be a non-blank string`;
  }
  for (const name of GUIDE_REQUIRED) {
    if (f[name] === undefined || f[name] === null) return `data should have required property '${name}'`;
  }
  if (Array.isArray(f.Types) && f.Types.length < 1) return 'data.Types should NOT have fewer than 1 items';
  if (f.SchemaVersion !== ASFF_SCHEMA_VERSION)
    return `data.SchemaVersion should be equal to ${ASFF_SCHEMA_VERSION}`;
  for (const [name, max] of Object.entries(LIMITS)) {
    if (chars(f[name] as string) > max) return `data.${name} should NOT be longer than ${max} characters`;
  }
  for (const name of TIMESTAMP_MEMBERS) {
    const value = f[name];
    if (value !== undefined && (typeof value !== 'string' || !TIMESTAMP.test(value)))
      return `data.${name} should match format "date-time"`;
  }
  const recommendation = member(member(f.Remediation, 'Recommendation'), 'Text');
  if (recommendation !== undefined && (blank(recommendation) || chars(recommendation as string) > 512))
    return 'data.Remediation.Recommendation.Text should be a non-blank string of at most 512 characters';
  return typesProblem('data.Types', f.Types) ?? enumsProblem(f) ?? fieldsProblem(f) ?? resourcesProblem(f);
}

function typesProblem(at: string, types: unknown): string | undefined {
  if (types === undefined) return undefined;
  if (!Array.isArray(types)) return `${at} should be array`;
  if (types.length > 50) return `${at} should NOT have more than 50 items`;
  for (const [i, type] of types.entries()) {
    const parts = typeof type === 'string' ? type.split('/') : [];
    const namespace = parts[0] ?? '';
    if (parts.length < 1 || parts.length > 3 || !TYPE_NAMESPACES.has(namespace) || parts.some(blank))
      return `${at}[${i}] should be namespace/category/classifier with a namespace of ${[...TYPE_NAMESPACES].join(' | ')}`;
  }
  return undefined;
}

function member(value: unknown, name: string): unknown {
  return value && typeof value === 'object' ? (value as Record<string, unknown>)[name] : undefined;
}

function enumsProblem(f: Record<string, unknown>): string | undefined {
  const checks: [string, unknown, Set<string>][] = [
    ['data.Severity.Label', member(f.Severity, 'Label'), SEVERITY_LABELS],
    [
      'data.FindingProviderFields.Severity.Label',
      member(member(f.FindingProviderFields, 'Severity'), 'Label'),
      SEVERITY_LABELS,
    ],
    ['data.Workflow.Status', member(f.Workflow, 'Status'), WORKFLOW_STATUSES],
    ['data.RecordState', f.RecordState, RECORD_STATES],
    ['data.Compliance.Status', member(f.Compliance, 'Status'), COMPLIANCE_STATUSES],
  ];
  for (const [at, value, allowed] of checks) {
    if (value !== undefined && !allowed.has(value as string))
      return `${at} should be equal to one of the allowed values: ${[...allowed].join(', ')}`;
  }
  if (
    f.Severity !== undefined &&
    member(f.Severity, 'Label') === undefined &&
    member(f.Severity, 'Normalized') === undefined
  )
    return 'data.Severity should have either Label or Normalized';
  return typesProblem('data.FindingProviderFields.Types', member(f.FindingProviderFields, 'Types'));
}

function fieldsProblem(f: Record<string, unknown>): string | undefined {
  if (f.ProductFields === undefined) return undefined;
  if (!f.ProductFields || typeof f.ProductFields !== 'object' || Array.isArray(f.ProductFields))
    return 'data.ProductFields should be object';
  const entries = Object.entries(f.ProductFields);
  if (entries.length > 50) return 'data.ProductFields should NOT have more than 50 properties';
  for (const [key, value] of entries) {
    if (blank(key) || chars(key) > 128)
      return `data.ProductFields key '${key.slice(0, 32)}' should be 1 to 128 characters`;
    if (blank(value) || chars(value as string) > 2048)
      return `data.ProductFields['${key}'] should be a non-blank string of at most 2048 characters`;
  }
  return undefined;
}

function resourcesProblem(f: Record<string, unknown>): string | undefined {
  const resources = f.Resources;
  if (!Array.isArray(resources)) return 'data.Resources should be array';
  if (resources.length < 1) return 'data.Resources should NOT have fewer than 1 items';
  if (resources.length > 32) return 'data.Resources should NOT have more than 32 items';
  for (const [i, resource] of resources.entries()) {
    for (const name of ['Type', 'Id']) {
      if (blank(member(resource, name)))
        return `data.Resources[${i}] should have required property '${name}' as a non-blank string`;
    }
    if (chars(member(resource, 'Type') as string) > 256)
      return `data.Resources[${i}].Type should NOT be longer than 256 characters`;
    const other = otherProblem(member(member(resource, 'Details'), 'Other'));
    if (other) return `data.Resources[${i}].Details.Other ${other}`;
  }
  return undefined;
}

/** Details.Other: up to 50 pairs, each key "fewer than 128" and each value "fewer than 1,024" characters. */
function otherProblem(other: unknown): string | undefined {
  if (other === undefined) return undefined;
  if (!other || typeof other !== 'object' || Array.isArray(other)) return 'should be object';
  const entries = Object.entries(other);
  if (entries.length > 50) return 'should NOT have more than 50 properties';
  for (const [key, value] of entries) {
    if (chars(key) >= 128) return `key '${key.slice(0, 32)}' should be fewer than 128 characters`;
    if (typeof value !== 'string' || chars(value) >= 1024)
      return `['${key}'] should be a string of fewer than 1024 characters`;
  }
  return undefined;
}
