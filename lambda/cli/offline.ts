import type { AuditRun } from '../audit.js';
import type { FindingRecord } from '../core/lifecycle.js';
import { buildReport } from '../core/report.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { emptyInventory, readRoomsFile } from './input.js';

export interface OfflineAuditOptions {
  file: string;
  /** Region filter (already checked to be region names); empty = every region. */
  regions: readonly string[];
  policies: readonly CompiledPolicy[];
  /** Stored findings: which regions of the file's accounts had findings before. */
  previous: ReadonlyMap<string, FindingRecord>;
  now: string;
  clock?: () => Date;
}

export interface OfflineAudit extends AuditRun {
  /** Things the user should know that do not stop the run (stderr). */
  warnings: string[];
}

/**
 * Audits a saved rooms file. The file is the whole truth for its accounts: every region it covers
 * gets an authoritative inventory, including a region that has findings in the state but no room in
 * the file any more (it was emptied, so those findings resolve). With a region filter only those
 * regions are covered. A file with no room at all covers the accounts of the state.
 */
export async function auditRoomsFile(options: OfflineAuditOptions): Promise<OfflineAudit> {
  const clock = options.clock ?? (() => new Date());
  const read = await readRoomsFile(options.file, options);
  const inventories = read.inventories;
  const accounts = read.accounts.size > 0 ? read.accounts : accountsOf(options.previous);
  const have = new Set(inventories.map((i) => `${i.accountId}/${i.region}`));
  for (const accountId of accounts) {
    const regions =
      options.regions.length > 0
        ? options.regions
        : [...new Set([...read.regions, ...regionsOf(options.previous, accountId)])];
    for (const region of regions) {
      if (have.has(`${accountId}/${region}`)) continue;
      have.add(`${accountId}/${region}`);
      inventories.push(emptyInventory(accountId, region));
    }
  }

  const warnings: string[] = [];
  for (const region of new Set(options.regions)) {
    if (read.regions.has(region)) continue;
    const present = [...read.regions].sort().join(', ') || 'none';
    warnings.push(`--region ${region} matches no room in ${options.file} (its rooms are in: ${present})`);
  }

  const report = buildReport({
    startedAt: options.now,
    finishedAt: clock().toISOString(),
    inventories,
    policies: options.policies,
  });
  return { report, inventories, warnings };
}

function accountsOf(previous: ReadonlyMap<string, FindingRecord>): Set<string> {
  const accounts = new Set<string>();
  for (const record of previous.values()) accounts.add(record.finding.accountId);
  return accounts;
}

function regionsOf(previous: ReadonlyMap<string, FindingRecord>, accountId: string): Set<string> {
  const regions = new Set<string>();
  for (const record of previous.values()) {
    if (record.status !== 'resolved' && record.finding.accountId === accountId) {
      regions.add(record.finding.region);
    }
  }
  return regions;
}
