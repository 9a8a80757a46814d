/**
 * The one audit pipeline: inventory → reconcile → deliver → record. The Lambda, the CLI and the
 * demo call it; no other module chains these steps.
 *
 * Shape: `auditRun()` does everything up to the decision of what to tell (identify the account,
 * load its state, take the inventory, reconcile) and returns the result with a `deliver()` step;
 * `deliver()` sends the alert to every sink and only then records the state. The CLI writes its
 * report between the two (a report that cannot be written must leave the state as it was, or its
 * new findings would be lost to the next run); `runAudit()` is both steps at once, for callers with
 * nothing to do in between. Two calls instead of a hook: the caller's step stays in the caller's
 * control flow, errors and all.
 *
 * One `now` per run: the clock is read once, at the start, and that instant is the report's
 * `startedAt`, the evaluation time (exemption expiry), the room cache's age reference, the
 * lifecycle's `firstSeen`/`lastNotified` and the state's write time. The records' `observedAt` (which
 * of two concurrent writers saw a room last) is the same instant, or the wall clock where `now` is
 * the org-scale run's start (`observationClock`).
 *
 * When the account cannot be identified (STS failed) the rooms are still audited and reported by
 * their ARNs, but the run is incomplete and it is neither delivered nor recorded: the state is kept
 * per account, so a run that cannot name its account could otherwise alert every finding as new.
 * Delivery is likewise withheld for a run its caller cut short (`stopped`: --timeout, Ctrl-C); the
 * Lambda's own deadline is not a stop (that run is delivered and the next continues).
 */

import type { Alert } from '../alert/alert.js';
import type { FindingRecord, LifecycleOptions, Reconciliation, StoredState } from '../audit/lifecycle.js';
import { decide, resolve } from '../audit/lifecycle.js';
import type { RegionInventory, Report } from '../core/types.js';
import type { InventorySource } from '../inventory/source.js';
import type { AlertSink } from '../sinks/sink.js';
import { type StateStore, statelessStore } from '../state/store.js';
import { type NotifyOutcome, notifyAndRecord } from './deliver.js';
import { HeldFindings } from './held-findings.js';

export interface AuditRunOptions {
  inventory: InventorySource;
  /**
   * The finding state for the audited account (`undefined` when it is not known); return
   * undefined when there is no state to keep (every finding is then new on every run).
   */
  state: (accountId: string | undefined) => StateStore | undefined;
  sinks: readonly AlertSink[];
  clock: () => Date;
  /**
   * The wall clock, when `clock` is not one (the org-scale step reconciles at the execution's start,
   * hours before it reads the rooms): read once, before the state is loaded, as the records'
   * `observedAt`. Default: the run's `now`.
   */
  observationClock?: () => Date;
  renotifyAfterHours: number;
  /** Set when the run evaluates only some policies: the others' stored findings stay as they were. */
  policyIds?: ReadonlySet<string>;
  /**
   * Count the findings found again exactly as stored instead of listing them (Report.unchangedOpen):
   * for a caller whose outputs need only totals of those (the scheduled Lambda without a report
   * bucket). Default: every finding is listed.
   */
  countUnchanged?: boolean;
}

/** A run audited and reconciled, not yet delivered: one account, its regions' inventories. */
export interface AuditedRun {
  /** The audited account: identified, else read from the room ARNs ('' when neither). */
  accountId: string;
  regions: string[];
  inventories: RegionInventory[];
  reconciliation: Reconciliation;
  /** The reconciled report (statuses and firstSeen from the state). */
  report: Report;
  warnings: string[];
  /** Why the caller cut the run short (--timeout, Ctrl-C), when it did. */
  stopped?: string;
  /** Why `deliver()` will neither deliver nor record; undefined when it will. */
  withheld?: string;
  /** Records of the loaded state some sink still lacks (`pendingSinks`): what a later delivery owes. */
  backlog: FindingRecord[];
  /**
   * Sends the alert to every sink, then records the state (at-least-once). `link`: the run's report
   * written between the two steps (setting `reportBucket`), carried by the alert.
   */
  deliver(link?: Pick<Alert, 'reportUrl'>): Promise<NotifyOutcome>;
}

/**
 * One run over one account's regions (each account × region is a target): identify, load the state,
 * take the inventory, reconcile. Delivery is the returned `deliver()`.
 */
export async function auditRun(options: AuditRunOptions): Promise<AuditedRun> {
  const startedAt = options.clock().toISOString();
  const identity = await options.inventory.identify?.();
  // Every room this pass reads is read after this instant (the state is loaded first).
  const observedAt = options.observationClock?.().toISOString() ?? startedAt;
  const store = identity?.error ? undefined : options.state(identity?.accountId);
  const previous = store ? await store.load() : new Map<string, StoredState>();
  const lifecycle: LifecycleOptions = {
    now: startedAt,
    renotifyAfterHours: options.renotifyAfterHours,
    observedAt,
    ...(options.policyIds ? { policyIds: options.policyIds } : {}),
  };
  const held =
    options.countUnchanged && previous.size > 0 ? new HeldFindings(previous, lifecycle) : undefined;
  const run = await options.inventory.audit({
    identity,
    previous,
    startedAt,
    ...(held ? { hold: held.hold } : {}),
  });
  const decision = decide(run.report, run.inventories, previous, held ? { ...lifecycle, held } : lifecycle);
  // Taken now so that `deliver()` does not hold the loaded state.
  const owed: StoredState[] = [];
  for (const r of previous.values()) if ((r.pendingSinks?.length ?? 0) > 0) owed.push(r);
  const warnings = run.warnings ?? [];
  const whole = await wholeRecords(store, [...decision.resolving.map((r) => r.state), ...owed], warnings);
  const reconciliation = resolve(decision, whole, lifecycle);
  keepUnreadOwedMarks(reconciliation, owed, whole);
  const backlog = owed.flatMap((r) => whole.get(r.fingerprint) ?? []);
  const accountId = identity?.accountId ?? run.inventories.find((i) => i.accountId)?.accountId ?? '';
  const regions = [...new Set(run.inventories.map((i) => i.region))];
  const alert: Alert = {
    accountId,
    regions,
    newFindings: reconciliation.newFindings,
    resolvedFindings: reconciliation.resolvedFindings,
    reminders: reconciliation.reminders,
    exemptedFindings: reconciliation.exemptedFindings,
    report: reconciliation.report,
  };
  const withheld = identity?.error
    ? `the AWS account could not be identified (${identity.error.operation}: ${identity.error.code})`
    : run.stopped;
  return {
    accountId,
    regions,
    inventories: run.inventories,
    reconciliation,
    report: reconciliation.report,
    warnings,
    ...(run.stopped ? { stopped: run.stopped } : {}),
    ...(withheld ? { withheld } : {}),
    backlog,
    deliver: async (link) => {
      if (withheld) {
        const nothing = {
          ...alert,
          newFindings: [],
          resolvedFindings: [],
          reminders: [],
          exemptedFindings: [],
        };
        return { alert: nothing, receipts: [], published: 0, messageIds: [] };
      }
      return notifyAndRecord({
        alert: link?.reportUrl ? { ...alert, reportUrl: link.reportUrl } : alert,
        sinks: options.sinks,
        store: store ?? statelessStore,
        changes: reconciliation.changes,
        now: startedAt,
        backlog,
      });
    },
  };
}

/**
 * The stored records a run needs whole (what it resolves, what a sink still lacks), read by key after
 * reconcile. When they cannot be read the run goes on without them: those resolutions and that
 * backlog wait, as stored, for the next run (nothing of them is written), and a warning says so.
 */
async function wholeRecords(
  store: StateStore | undefined,
  states: readonly StoredState[],
  warnings: string[],
): Promise<ReadonlyMap<string, FindingRecord>> {
  if (!store || states.length === 0) return new Map();
  try {
    return await store.fetch(states);
  } catch (error) {
    warnings.push(
      `${states.length} stored findings could not be read whole (${(error as Error).message}); their resolutions and owed deliveries wait for the next run`,
    );
    return new Map();
  }
}

/**
 * A record that still owes a sink but could not be read whole is not in this run's backlog, so a
 * quiet change to it (its message moved, a reminder) would be written without the owed mark and the
 * lagging sink would never hear of the finding. Such a change keeps the stored mark: the next run
 * that reads the record whole sends it. A transition this run announces is owed to every sink anyway.
 */
function keepUnreadOwedMarks(
  reconciliation: Reconciliation,
  owed: readonly StoredState[],
  whole: ReadonlyMap<string, FindingRecord>,
): void {
  const unread = new Map(owed.filter((r) => !whole.has(r.fingerprint)).map((r) => [r.fingerprint, r]));
  if (unread.size === 0) return;
  const announced = new Set<string>();
  for (const list of [
    reconciliation.newFindings,
    reconciliation.resolvedFindings,
    reconciliation.exemptedFindings,
  ]) {
    for (const f of list) if (unread.has(f.fingerprint)) announced.add(f.fingerprint);
  }
  for (const change of reconciliation.changes) {
    const stored = unread.get(change.fingerprint);
    if (!stored?.pendingSinks?.length || announced.has(change.fingerprint) || change.pendingSinks?.length) {
      continue;
    }
    change.pendingSinks = [...stored.pendingSinks];
  }
}

/** The whole run for callers with nothing to do between audit and delivery (the Lambda). */
export async function runAudit(
  options: AuditRunOptions,
): Promise<{ run: AuditedRun; outcome: NotifyOutcome }> {
  const run = await auditRun(options);
  return { run, outcome: await run.deliver() };
}
