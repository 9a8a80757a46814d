/** The Security Hub sink: each transition as an ASFF finding (render/asff.ts), imported by its own account. */

import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import type { Alert } from '../alert/alert.js';
import { transitionsOf } from '../alert/transitions.js';
import { type AwsConnection, securityHubClient } from '../aws/clients.js';
import { RateLimiter } from '../aws/rate-limit.js';
import type { Target } from '../core/types.js';
import { ASFF_LIMITS, type AsffFinding, asffBytes, toAsff } from '../render/asff.js';
import { batches, deliverInRounds, Tally } from './delivery.js';
import type { AlertSink, SinkReceipt } from './sink.js';

/** Security Hub's limits for one `BatchImportFindings` call. */
export const SECURITY_HUB_MAX_BATCH = 100;
export const SECURITY_HUB_MAX_REQUEST_BYTES = 6 * 1024 * 1024;
/** The import quota is 10 calls per second per account and region; the sink keeps to half of it. */
export const DEFAULT_SECURITY_HUB_TPS = 5;
const DEFAULT_RETRIES = 3;

/** What Security Hub refused of one call, finding by finding. */
export interface ImportResult {
  failed: { id: string; code: string; message: string }[];
}

/** `BatchImportFindings` of one account × region. */
export interface SecurityHubImporter {
  import(findings: readonly AsffFinding[]): Promise<ImportResult>;
}

/** `BatchImportFindings` through `client` (its region is the one imported into). */
export function securityHubImporter(client: SecurityHubClient): SecurityHubImporter {
  return {
    async import(findings) {
      const answer = await client.send(
        new BatchImportFindingsCommand({ Findings: findings as AwsSecurityFinding[] }),
      );
      return {
        failed: (answer.FailedFindings ?? []).map((f) => ({
          id: f.Id ?? '',
          code: f.ErrorCode ?? 'Unknown',
          message: f.ErrorMessage ?? '',
        })),
      };
    },
  };
}

/**
 * Importers signed with one connection per account: `connectionOf(accountId)` gives the credentials
 * of that account (in org mode the member role's, e.g. from `targetCredentials`; in a single-account
 * run the function's own). Asked once per account, on its first import; one client per account ×
 * region, built as every other client (clients.ts: endpoint override, timeouts, the SDK's retries).
 */
export function securityHubImporters(
  connectionOf: (accountId: string) => AwsConnection | Promise<AwsConnection>,
): (accountId: string, region: string) => SecurityHubImporter {
  const connections = new Map<string, Promise<AwsConnection>>();
  const clients = new Map<string, Promise<SecurityHubClient>>();
  const clientOf = (accountId: string, region: string) => {
    const key = `${accountId}\u0000${region}`;
    let client = clients.get(key);
    if (!client) {
      let connection = connections.get(accountId);
      if (!connection) {
        connection = Promise.resolve(connectionOf(accountId));
        connections.set(accountId, connection);
      }
      client = connection.then((c) => securityHubClient(region, c));
      clients.set(key, client);
    }
    return client;
  };
  return (accountId, region) => ({
    import: async (findings) => securityHubImporter(await clientOf(accountId, region)).import(findings),
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
  const limiterOf = (key: string) => {
    let limiter = limiters.get(key);
    if (!limiter) {
      limiter = new RateLimiter(tps, options.clock);
      limiters.set(key, limiter);
    }
    return limiter;
  };
  return {
    name: 'securityhub',
    async deliver(alert: Alert): Promise<SinkReceipt> {
      const tally = new Tally('securityhub');
      const { groups, fingerprintOf } = byTarget(alert, tally);
      for (const [key, { accountId, region, findings }] of groups) {
        const limiter = limiterOf(key);
        const importer = options.importer(accountId, region);
        await deliverInRounds(tally, {
          items: findings,
          retries,
          batches: importBatches,
          send: async (batch) => {
            await limiter.acquire();
            const { failed } = await importer.import(batch);
            const refused = new Map(failed.map((f) => [f.id, f]));
            return batch.map((asff) => refused.get(asff.Id));
          },
          fingerprintOf: (asff) => fingerprintOf.get(asff.Id) ?? asff.Id,
          describe: (code, message) => `${code} in ${accountId}/${region}: ${message}`,
          exhausted: (count) => `${accountId}/${region}: ${count} findings refused`,
        });
      }
      return tally.receipt();
    },
  };
}

/**
 * The alert's transitions as ASFF, grouped by account × region (each is imported on its own), with
 * the finding fingerprint of each ASFF id. A finding over Security Hub's size is not taken.
 */
function byTarget(alert: Alert, tally: Tally) {
  const updatedAt = alert.report.startedAt;
  const groups = new Map<string, Target & { findings: AsffFinding[] }>();
  const fingerprintOf = new Map<string, string>();
  for (const { finding } of transitionsOf(alert)) {
    const asff = toAsff(finding, updatedAt);
    if (asffBytes(asff) > ASFF_LIMITS.findingBytes) {
      // toAsff bounds every field, so this is a bug, not data: say so rather than loop on it.
      tally.undelivered.push(finding.fingerprint);
      tally.error = `finding ${finding.fingerprint} is larger than Security Hub's 240 KB`;
      continue;
    }
    fingerprintOf.set(asff.Id, finding.fingerprint);
    const key = `${finding.accountId}\u0000${finding.region}`;
    const group = groups.get(key) ?? { accountId: finding.accountId, region: finding.region, findings: [] };
    group.findings.push(asff);
    groups.set(key, group);
  }
  return { groups, fingerprintOf };
}

/** Findings in import order, cut into calls of at most 100 findings and 6 MB of request body. */
function importBatches(findings: readonly AsffFinding[]): Iterable<AsffFinding[]> {
  return batches(findings, {
    maxItems: SECURITY_HUB_MAX_BATCH,
    maxBytes: SECURITY_HUB_MAX_REQUEST_BYTES,
    emptyBytes: '{"Findings":[]}'.length,
    sizeOf: (finding) => asffBytes(finding) + 1, // the comma
  });
}
