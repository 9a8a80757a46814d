/**
 * AWS Security Hub `BatchImportFindings` (REST-JSON: POST /findings/import) with the documented
 * limits: 1–100 findings per call, at most 6 MB per request and 240 KB per finding; with the default
 * product ARN a finding must name the calling account (`AwsAccountId`) and that account's own product
 * in the region called. Imported findings are kept by account × region × Id (a re-import replaces
 * the record, as Security Hub updates it) so tests can read what arrived.
 */
import { json, type LocalResponse } from './http.js';

export const SECURITY_HUB_MAX_FINDINGS = 100;
export const SECURITY_HUB_MAX_REQUEST_BYTES = 6 * 1024 * 1024;
export const SECURITY_HUB_MAX_FINDING_BYTES = 240 * 1024;
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
      return securityHubError(413, 'InvalidInputException', 'Request size exceeds the 6 MB limit');
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
