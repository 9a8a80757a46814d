import type { Alert } from '../alert/alert.js';
import { transitionsOf } from '../alert/transitions.js';
import type { AwsConnection } from '../aws/clients.js';
import { type JsonApi, jsonApi } from '../aws/json-api.js';
import { RateLimiter } from '../aws/rate-limit.js';
import { ASFF_LIMITS, type AsffFinding, asffBytes, toAsff } from '../render/asff.js';
import type { AlertSink, SinkReceipt } from './sink.js';

/** Security Hub's limits for one `BatchImportFindings` call. */
export const SECURITY_HUB_MAX_BATCH = 100;
export const SECURITY_HUB_MAX_REQUEST_BYTES = 6 * 1024 * 1024;
/** The import quota is 10 calls per second per account and region; the sink keeps to half of it. */
export const DEFAULT_SECURITY_HUB_TPS = 5;
const DEFAULT_RETRIES = 3;
/** Findings Security Hub refused for a reason that may pass on a second try. */
const RETRYABLE = /Internal|Throttl|LimitExceeded|ServiceUnavailable|TooManyRequests/i;

/** What Security Hub refused of one call, finding by finding. */
export interface ImportResult {
  failed: { id: string; code: string; message: string }[];
}

/** `BatchImportFindings` of one account × region. */
export interface SecurityHubImporter {
  import(findings: readonly AsffFinding[]): Promise<ImportResult>;
}

export function securityHubImporter(api: JsonApi, region: string): SecurityHubImporter {
  return {
    async import(findings) {
      const answer = (await api({
        service: 'securityhub',
        operation: 'BatchImportFindings',
        region,
        path: '/findings/import',
        body: { Findings: findings },
      })) as { FailedFindings?: { Id?: string; ErrorCode?: string; ErrorMessage?: string }[] };
      return {
        failed: (answer.FailedFindings ?? []).map((f) => ({
          id: String(f.Id ?? ''),
          code: String(f.ErrorCode ?? 'Unknown'),
          message: String(f.ErrorMessage ?? ''),
        })),
      };
    },
  };
}

/**
 * Importers signed with one connection per account: `connectionOf(accountId)` gives the credentials
 * of that account (in org mode the member role's, e.g. from `targetCredentials`; in a single-account
 * run the function's own). Asked once per account, on its first import.
 */
export function securityHubImporters(
  connectionOf: (accountId: string) => AwsConnection | Promise<AwsConnection>,
): (accountId: string, region: string) => SecurityHubImporter {
  const apis = new Map<string, Promise<JsonApi>>();
  const apiOf = (accountId: string) => {
    let api = apis.get(accountId);
    if (!api) {
      api = Promise.resolve(connectionOf(accountId)).then((connection) => jsonApi(connection));
      apis.set(accountId, api);
    }
    return api;
  };
  return (accountId, region) => ({
    import: async (findings) => securityHubImporter(await apiOf(accountId), region).import(findings),
  });
}

export interface SecurityHubSinkOptions {
  /**
   * The importer for one account × region. With the default product ARN a finding must be imported
   * by the account it names, so in org mode this signs with that account's member role.
   */
  importer: (accountId: string, region: string) => SecurityHubImporter;
  /** Calls per second per account × region. @default 5 (Security Hub allows 10) */
  tps?: number;
  /** Rounds of resending the findings Security Hub refused one by one. @default 3 */
  retries?: number;
  /** The rate budget's clock (tests pass one that does not wait). */
  clock?: ConstructorParameters<typeof RateLimiter>[1];
}

/**
 * Sends the alert's transitions to Security Hub as ASFF: new findings ACTIVE, resolved ones PASSED
 * and ARCHIVED, exempted ones ARCHIVED. Reminders are not sent (nothing changed). Each account ×
 * region is imported on its own, in calls of at most 100 findings and 6 MB, within the rate budget;
 * only the findings a call refused are sent again, never those it accepted. What still fails (or an
 * account where the import itself fails: Security Hub not enabled, access denied) is reported as
 * `undelivered` and owed to the next run.
 */
export function securityHubSink(options: SecurityHubSinkOptions): AlertSink {
  const limiters = new Map<string, RateLimiter>();
  const tps = options.tps ?? DEFAULT_SECURITY_HUB_TPS;
  const retries = options.retries ?? DEFAULT_RETRIES;
  return {
    name: 'securityhub',
    async deliver(alert: Alert): Promise<SinkReceipt> {
      const receipt: SinkReceipt = { sink: 'securityhub', delivered: 0, messageIds: [] };
      const undelivered: string[] = [];
      const updatedAt = alert.report.startedAt;
      const groups = new Map<string, { accountId: string; region: string; findings: AsffFinding[] }>();
      const fingerprintOf = new Map<string, string>();
      for (const { finding } of transitionsOf(alert)) {
        const asff = toAsff(finding, updatedAt);
        if (asffBytes(asff) > ASFF_LIMITS.findingBytes) {
          // toAsff bounds every field, so this is a bug, not data: say so rather than loop on it.
          undelivered.push(finding.fingerprint);
          receipt.error = `finding ${finding.fingerprint} is larger than Security Hub's 240 KB`;
          continue;
        }
        fingerprintOf.set(asff.Id, finding.fingerprint);
        const key = `${finding.accountId}\u0000${finding.region}`;
        const group = groups.get(key) ?? {
          accountId: finding.accountId,
          region: finding.region,
          findings: [],
        };
        group.findings.push(asff);
        groups.set(key, group);
      }

      for (const [key, { accountId, region, findings }] of groups) {
        let limiter = limiters.get(key);
        if (!limiter) {
          limiter = new RateLimiter(tps, options.clock);
          limiters.set(key, limiter);
        }
        const importer = options.importer(accountId, region);
        let pending = findings;
        for (let round = 0; pending.length > 0 && round <= retries; round++) {
          const retry: AsffFinding[] = [];
          let failedCall: unknown;
          for (const batch of batches(pending)) {
            if (failedCall) {
              retry.push(...batch);
              continue;
            }
            await limiter.acquire();
            try {
              const { failed } = await importer.import(batch);
              const refused = new Map(failed.map((f) => [f.id, f]));
              for (const asff of batch) {
                const failure = refused.get(asff.Id);
                if (!failure) receipt.delivered++;
                else if (RETRYABLE.test(failure.code)) retry.push(asff);
                else {
                  undelivered.push(fingerprintOf.get(asff.Id) ?? asff.Id);
                  receipt.error = `${failure.code} in ${accountId}/${region}: ${failure.message}`;
                }
              }
            } catch (error) {
              // The whole call failed after the client's own retries (not enabled, access denied):
              // the rest of this account × region waits for the next run.
              failedCall = error;
              const e = error as Error & { code?: string };
              receipt.error = `${e.code ?? e.name} in ${accountId}/${region}: ${e.message}`;
              retry.push(...batch);
            }
          }
          if (failedCall) {
            undelivered.push(...retry.map((a) => fingerprintOf.get(a.Id) ?? a.Id));
            pending = [];
          } else pending = retry;
        }
        for (const asff of pending) undelivered.push(fingerprintOf.get(asff.Id) ?? asff.Id);
        if (pending.length > 0)
          receipt.error ??= `${accountId}/${region}: ${pending.length} findings refused`;
      }
      if (undelivered.length > 0) receipt.undelivered = undelivered;
      else delete receipt.error;
      return receipt;
    },
  };
}

/** Findings in import order, cut into calls of at most 100 findings and 6 MB of request body. */
function* batches(findings: readonly AsffFinding[]): Generator<AsffFinding[]> {
  const envelope = '{"Findings":[]}'.length;
  let batch: AsffFinding[] = [];
  let bytes = envelope;
  for (const finding of findings) {
    const size = asffBytes(finding) + 1; // the comma
    if (
      batch.length > 0 &&
      (batch.length === SECURITY_HUB_MAX_BATCH || bytes + size > SECURITY_HUB_MAX_REQUEST_BYTES)
    ) {
      yield batch;
      batch = [];
      bytes = envelope;
    }
    batch.push(finding);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}
