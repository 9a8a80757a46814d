/** A saved rooms file (`audit --input`) as the pipeline's inventory source, and its audit. */
import type { Readable } from 'node:stream';
import { Evaluator } from '../audit/evaluate.js';
import { isUnresolved } from '../audit/finding-state.js';
import type { StoredState } from '../audit/lifecycle.js';
import { buildReport } from '../audit/report.js';
import { InputError } from '../core/errors.js';
import type { InventoryRun, InventorySource } from '../inventory/source.js';
import type { CompiledPolicy } from '../policy/compile.js';
import type { RouteTable } from '../policy/routes.js';
import { emptyFileRegion, inputName, readRoomsFile } from './input.js';

export interface OfflineAuditOptions {
  /** The rooms file; `-` is standard input. */
  file: string;
  stdin?: Readable;
  /** Region filter (already checked to be region names); empty = every region. */
  regions: readonly string[];
  policies: readonly CompiledPolicy[];
  /** The routes file, when there is one: findings carry their alert routes. */
  routes?: RouteTable | undefined;
  /** Stored findings: which regions of the file's accounts had findings before. */
  previous: ReadonlyMap<string, StoredState>;
  now: string;
  clock?: () => Date;
}

export interface OfflineAudit extends InventoryRun {
  /** Things the user should know that do not stop the run (stderr). */
  warnings: string[];
}

/** A saved rooms file as the pipeline's inventory: its room ARNs name the accounts (no STS). */
export function offlineInventory(options: Omit<OfflineAuditOptions, 'previous' | 'now'>): InventorySource {
  return {
    audit: ({ previous, startedAt }) => auditRoomsFile({ ...options, previous, now: startedAt }),
  };
}

/**
 * Audits a saved rooms file. The file is the whole truth for the regions it covers: the `--region`
 * regions when given, else the regions that have rooms in it plus the regions it declares
 * (`"regions"`, written by a complete export). A covered region with findings in the state but no
 * room in the file was emptied, so those findings resolve. A region of the state the run does not
 * cover keeps its findings as they were: a file of one region's rooms says nothing of another's.
 * A file with no room at all covers the accounts of the state.
 */
export async function auditRoomsFile(options: OfflineAuditOptions): Promise<OfflineAudit> {
  const clock = options.clock ?? (() => new Date());
  const name = inputName(options.file);
  const read = await readRoomsFile(options.file, {
    ...(options.stdin ? { stdin: options.stdin } : {}),
    regions: options.regions,
    evaluator: new Evaluator(options.policies, { routes: options.routes }),
    now: options.now,
  }).catch((error: unknown) => {
    if (error instanceof InputError) throw new InputError(`--input: ${error.message}`, { cause: error });
    throw error;
  });
  const inventories = read.inventories;
  const accounts = read.accounts.size > 0 ? read.accounts : accountsOf(options.previous);
  const covered = new Set(
    options.regions.length > 0 ? options.regions : [...read.regions, ...read.declaredRegions],
  );
  const have = new Set(inventories.map((i) => `${i.accountId}/${i.region}`));
  for (const accountId of accounts) {
    for (const region of covered) {
      if (have.has(`${accountId}/${region}`)) continue;
      have.add(`${accountId}/${region}`);
      inventories.push(emptyFileRegion(accountId, region));
    }
  }

  const warnings: string[] = [];
  // `[]` (or `{ "rooms": [] }`) is most likely a list that came back empty by mistake; a complete
  // export of empty regions says which regions it covers, and passes quietly.
  const empty = read.accounts.size === 0 && read.declaredRegions.size === 0;
  if (empty) warnings.push(`no rooms in ${name}: nothing was audited`);
  for (const region of empty ? [] : new Set(options.regions)) {
    if (read.regions.has(region) || read.declaredRegions.has(region)) continue;
    const present = [...read.regions].sort().join(', ') || 'none';
    warnings.push(`--region ${region} matches no room in ${name} (its rooms are in: ${present})`);
  }
  const uncovered = [...regionsOf(options.previous)].filter((region) => !covered.has(region)).sort();
  if (uncovered.length > 0 && options.regions.length === 0) {
    warnings.push(
      `${name} has no room in ${uncovered.join(', ')}: their findings are kept as they were ` +
        '(pass --region, or list the region in the file\'s "regions", to resolve those of an emptied region)',
    );
  }

  const report = buildReport({
    startedAt: options.now,
    finishedAt: clock().toISOString(),
    inventories,
    policies: options.policies,
  });
  return { report, inventories, warnings };
}

function accountsOf(previous: ReadonlyMap<string, StoredState>): Set<string> {
  const accounts = new Set<string>();
  for (const record of previous.values()) accounts.add(record.finding.accountId);
  return accounts;
}

/** Regions with findings still open (or exempt) in the state. */
function regionsOf(previous: ReadonlyMap<string, StoredState>): Set<string> {
  const regions = new Set<string>();
  for (const record of previous.values()) {
    if (isUnresolved(record)) regions.add(record.finding.region);
  }
  return regions;
}
