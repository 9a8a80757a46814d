import type { Finding, RegionInventory, Report } from '../core/types.js';

/** What the state store keeps per finding (one item per fingerprint). */
export interface FindingRecord {
  fingerprint: string;
  status: 'open' | 'resolved' | 'exempt';
  firstSeen: string;
  lastSeen: string;
  /** When a person was last told about it (undefined: never). */
  lastNotified?: string;
  /** The last finding payload, so a resolution can say what was fixed. */
  finding: Finding;
  /**
   * Sinks (by name) that do not have this record's status yet: their delivery failed, and the next
   * run sends it to them again (to them only). Absent: every sink has it.
   */
  pendingSinks?: string[];
  /**
   * The stored version this record was read as, or (in a change) the version it was decided
   * against; 0 or absent: not stored, or stored before records carried versions. The DynamoDB store
   * writes a change only while the stored record is still at this version (lambda/state/target-store.ts).
   */
  version?: number;
  /**
   * When the observation behind this record was made: the start of the pass that read the room
   * (every room of a pass is read after it). Of two writers, the newer observation wins.
   */
  observedAt?: string;
  /** The version whose delivery `pendingSinks` still owes (set by the store with `pendingSinks`). */
  owedFor?: number;
}

export interface LifecycleOptions {
  now: string;
  renotifyAfterHours: number;
  /** When the rooms were read (no room of the pass before it); default `now`. */
  observedAt?: string;
  /**
   * The policies this run evaluated when it evaluated only some (`audit --policy/--skip-policy`): a
   * stored finding of another policy is kept as it was. Absent: every policy of the set, and a
   * finding whose policy left the set resolves.
   */
  policyIds?: ReadonlySet<string>;
  /**
   * Findings the inventory left as stored and only counted (Report.unchangedOpen; see `leftAsStored`):
   * found again, so never resolved, and not listed in the report.
   */
  held?: { has(fingerprint: string): boolean };
}

export interface Reconciliation {
  /** The report with statuses (new/open/exempt) and firstSeen filled from state. */
  report: Report;
  newFindings: Finding[];
  resolvedFindings: Finding[];
  /** Still open and not told about for `renotifyAfterHours`. */
  reminders: Finding[];
  /** Exempt in this run and not before (an exemption added to a policy, or a new room it names). */
  exemptedFindings: Finding[];
  /** Records to write once SNS accepted the notification (or at once when there is nothing to send). */
  changes: FindingRecord[];
  /**
   * Resolutions decided but left for a later run because the stored record could not be read whole
   * (it vanished, or the read failed): the record stays as stored, so the next run decides it again.
   */
  deferred: number;
}

/** What reconcile reads of a stored finding: which policy and room it is about, and what it said. */
export type FindingKey = Pick<Finding, 'policyId' | 'accountId' | 'region' | 'roomArn' | 'message'>;

/**
 * A stored record as reconcile reads it: its lifecycle and its finding's key, not the finding's
 * payload. A state of 145,823 findings held whole is ~54 MB of heap; read this way it is much less.
 * The payloads of the few records a run resolves (and of those some sink still lacks) are read
 * afterwards, by key (`StateStore.fetch`). A whole FindingRecord is a StoredState too.
 */
export interface StoredState {
  readonly fingerprint: string;
  readonly status: FindingRecord['status'];
  readonly firstSeen: string;
  readonly lastNotified?: string;
  readonly version?: number;
  readonly pendingSinks?: readonly string[];
  readonly finding: FindingKey;
}

/** A stored finding this run resolves; its payload (what was fixed) is read before it is announced. */
export interface Resolving {
  state: StoredState;
  /** Why it resolved when its room was not audited (deleted, absent from a saved listing). */
  reason?: string;
}

/** Step one of reconcile: everything decided, the resolutions still without their payloads. */
export interface Decision extends Omit<Reconciliation, 'resolvedFindings' | 'deferred'> {
  resolving: Resolving[];
}

const ROOM_DELETED = 'room deleted';

/**
 * Reconciles this run's findings with stored records held whole (both steps below at once): for
 * callers that hold them, and for tests.
 */
export function reconcile(
  report: Report,
  inventories: readonly RegionInventory[],
  previous: ReadonlyMap<string, FindingRecord>,
  options: LifecycleOptions,
): Reconciliation {
  return resolve(decide(report, inventories, previous, options), previous, options);
}

/**
 * Step one: reconciles this run's findings with the stored records as read compactly. No I/O; the
 * report's findings get their status and firstSeen set in place.
 * A finding resolves only when its room was audited in this run (and no longer breaks the rule) or the
 * room is gone; a room that errored or was not reached keeps its findings open. Resolutions are
 * listed in `resolving`, for `resolve` to complete once their payloads are read.
 */
export function decide(
  report: Report,
  inventories: readonly RegionInventory[],
  previous: ReadonlyMap<string, StoredState>,
  options: LifecycleOptions,
): Decision {
  const { now } = options;
  const observedAt = options.observedAt ?? now;
  const record = (finding: Finding, status: FindingRecord['status'], lastNotified?: string) =>
    recordOf(finding, status, lastNotified, previous.get(finding.fingerprint)?.version ?? 0, observedAt);
  const audited = new Set<string>();
  const gone = new Set<string>();
  const coveredRegions = new Set<string>();
  // Only a saved listing (--input) is the whole truth; a live list can miss a room updated mid-listing,
  // so live runs resolve a vanished room only once GetRoom confirmed it gone (inventory.deleted).
  const authoritativeListings = new Map<string, { arns: Set<string>; absentReason: string }>();
  for (const inv of inventories) {
    const key = regionKey(inv.accountId, inv.region);
    coveredRegions.add(key);
    for (const arn of inv.audited) audited.add(arn);
    for (const arn of inv.deleted) gone.add(arn);
    if (inv.authoritative) {
      authoritativeListings.set(key, {
        arns: new Set(inv.listed),
        absentReason: inv.absentReason ?? ROOM_DELETED,
      });
    }
  }
  // A policy that failed on a room (rule threw), or could not be evaluated on it (joined facts
  // missing), neither raises nor resolves that room's findings for it.
  const failedChecks = new Set(
    report.errors.filter((e) => e.policyId && e.roomArn).map((e) => `${e.policyId}\n${e.roomArn}`),
  );
  for (const inv of inventories) {
    for (const [policyId, rooms] of inv.notEvaluated ?? []) {
      for (const arn of rooms) failedChecks.add(`${policyId}\n${arn}`);
    }
  }

  const partlyUnjudged = new Set<string>();
  for (const inv of inventories) {
    for (const [key, paths] of inv.notEvaluatedPaths ?? []) if (paths.length > 0) partlyUnjudged.add(key);
  }

  const findings: Finding[] = [];
  const newFindings: Finding[] = [];
  const reminders: Finding[] = [];
  const exemptedFindings: Finding[] = [];
  const changes: FindingRecord[] = [];
  const seen = new Set<string>();
  const renotifyMs = options.renotifyAfterHours * 3_600_000;

  // The report's findings are updated in place (status, firstSeen), not copied: a run can hold
  // 100,000 of them, and the report is this run's own.
  for (const finding of report.findings) {
    const before = previous.get(finding.fingerprint);
    // The same room twice (e.g. listed twice): one finding, counted or listed.
    if (seen.has(finding.fingerprint) || options.held?.has(finding.fingerprint)) continue;
    seen.add(finding.fingerprint);
    if (finding.status === 'exempt') {
      if (before) finding.firstSeen = before.firstSeen;
      findings.push(finding);
      if (before?.status !== 'exempt') {
        exemptedFindings.push(finding);
        changes.push(record(finding, 'exempt', before?.lastNotified));
      }
      continue;
    }
    if (before?.status !== 'open') {
      finding.status = 'new';
      findings.push(finding);
      newFindings.push(finding);
      changes.push(record(finding, 'open', now));
      continue;
    }
    finding.status = 'open';
    finding.firstSeen = before.firstSeen;
    findings.push(finding);
    if (reminderDue(before, now, renotifyMs)) {
      reminders.push(finding);
      changes.push(record(finding, 'open', now));
    } else if (before.finding.message !== finding.message) {
      // The value moved (500 → 300): keep the payload current without telling anyone again.
      changes.push(record(finding, 'open', before.lastNotified));
    }
  }

  const resolving: Resolving[] = [];
  for (const before of previous.values()) {
    if (before.status === 'resolved' || seen.has(before.fingerprint)) continue;
    if (options.held?.has(before.fingerprint)) continue;
    const f = before.finding;
    const key = regionKey(f.accountId, f.region);
    if (!coveredRegions.has(key) || failedChecks.has(`${f.policyId}\n${f.roomArn}`)) continue;
    // A field the policy could not judge this run: the stored key holds no pointer, so the room's
    // findings of that policy all stay as they were (none resolves on a comparison not made).
    if (partlyUnjudged.has(`${f.policyId}\n${f.roomArn}`)) continue;
    if (options.policyIds && !options.policyIds.has(f.policyId)) continue;
    const listing = authoritativeListings.get(key);
    const absent = listing !== undefined && !listing.arns.has(f.roomArn);
    if (!audited.has(f.roomArn) && !gone.has(f.roomArn) && !absent) continue; // not audited this run: stays as it was
    const reason = audited.has(f.roomArn)
      ? undefined
      : gone.has(f.roomArn)
        ? ROOM_DELETED
        : listing?.absentReason;
    resolving.push(reason ? { state: before, reason } : { state: before });
  }

  return { report: { ...report, findings }, newFindings, reminders, exemptedFindings, changes, resolving };
}

/**
 * Whether `decide` would leave a finding found again exactly as stored: open before and now, not
 * exempt, the same message, no reminder due. Such a finding needs no change and no announcement, so
 * a run may count it instead of holding it (Report.unchangedOpen, `LifecycleOptions.held`).
 */
export function leftAsStored(finding: Finding, before: StoredState, options: LifecycleOptions): boolean {
  return (
    finding.status !== 'exempt' &&
    before.status === 'open' &&
    before.finding.message === finding.message &&
    !reminderDue(before, options.now, options.renotifyAfterHours * 3_600_000)
  );
}

/**
 * What a run does with a finding found again that `leftAsStored` lets go: count it instead of
 * holding it (`counted`), drop a repeat of one counted already (`repeated`), or keep it (undefined).
 */
export type Hold = 'counted' | 'repeated' | undefined;

function reminderDue(before: StoredState, now: string, renotifyMs: number): boolean {
  return !before.lastNotified || Date.parse(now) - Date.parse(before.lastNotified) >= renotifyMs;
}

/**
 * Step two: the decided resolutions, built from the stored records read whole (`whole`, by
 * fingerprint). A resolution whose record is not there is deferred: nothing is written or told of
 * it, and the next run decides it again. Each change keeps the version step one decided against, so
 * a record another writer moved since is decided again when it is claimed (lambda/pipeline/deliver.ts).
 */
export function resolve(
  decision: Decision,
  whole: ReadonlyMap<string, FindingRecord>,
  options: LifecycleOptions,
): Reconciliation {
  const { now } = options;
  const observedAt = options.observedAt ?? now;
  const { resolving, ...decided } = decision;
  const resolvedFindings: Finding[] = [];
  let deferred = 0;
  for (const { state, reason } of resolving) {
    const before = whole.get(state.fingerprint);
    if (!before) {
      deferred++;
      continue;
    }
    const version = state.version ?? 0;
    if (state.status === 'exempt') {
      // Exemptions resolve silently.
      decided.changes.push({ ...before, status: 'resolved', lastSeen: now, observedAt, version });
      continue;
    }
    const resolved: Finding = {
      ...before.finding,
      status: 'resolved',
      lastSeen: before.lastSeen,
      ...(reason ? { resolvedReason: reason } : {}),
    };
    resolvedFindings.push(resolved);
    // resolved.lastSeen is before.lastSeen
    decided.changes.push(recordOf(resolved, 'resolved', now, version, observedAt));
  }
  return { ...decided, resolvedFindings, deferred };
}

/**
 * Plain literals of two fixed shapes: a first audit builds one record per finding (100,000+), and
 * spreading optional fields in gave each record its own hidden class (27 MB of V8 maps at 114,554).
 */
function recordOf(
  finding: Finding,
  status: FindingRecord['status'],
  lastNotified: string | undefined,
  version: number,
  observedAt: string,
): FindingRecord {
  const { fingerprint, firstSeen, lastSeen } = finding;
  return lastNotified
    ? { fingerprint, status, firstSeen, lastSeen, lastNotified, finding, version, observedAt }
    : { fingerprint, status, firstSeen, lastSeen, finding, version, observedAt };
}

/** What a change tells people: a transition, or a reminder of a finding still open. */
export type Announcement = 'new' | 'resolved' | 'exempted' | 'reminder';

export const TRANSITIONS: ReadonlySet<Announcement> = new Set(['new', 'resolved', 'exempted']);

export interface Redecision {
  record: FindingRecord;
  /** undefined: written without telling anyone. */
  announce?: Announcement;
}

/**
 * Decides a change again when another writer stored the finding after this writer read it (the
 * scheduled run and the change path record the same findings). `mine` is this writer's change,
 * `planned` what it meant to announce, `current` the record as stored now (undefined: none).
 *
 * - The newer observation wins: when `current` was observed after `mine`, the change is dropped
 *   (its announcement with it). A record written before observations were kept counts as older.
 * - The same observation already stored with deliveries owed is this writer's own claim, retried
 *   (a step retried after a crash): it stands as planned. Delivered, it is done: dropped.
 * - Otherwise the transition is the one from `current` to `mine`, not from what was read earlier:
 *   opening a finding that is open already tells no one again (a reminder then waits for the next
 *   run), resolving a resolved one tells no one. A change that tells nothing keeps what `current`
 *   owes and when people were last told, so the newer observation is stored without a second alert.
 */
export function redecide(
  mine: FindingRecord,
  planned: Announcement | undefined,
  current: FindingRecord | undefined,
  now: string,
): Redecision | undefined {
  const version = current?.version ?? 0;
  if (current && (current.observedAt ?? '') > (mine.observedAt ?? '')) return undefined;
  if (current && current.observedAt === mine.observedAt && current.status === mine.status) {
    if (current.owedFor === undefined) return undefined;
    return { record: { ...mine, version }, ...(planned ? { announce: planned } : {}) };
  }
  const quiet = (): Redecision | undefined => {
    if (!current) return undefined;
    const { lastNotified: _mine, pendingSinks: _owed, owedFor: _for, ...rest } = mine;
    const record: FindingRecord = { ...rest, firstSeen: current.firstSeen, version };
    if (current.lastNotified) record.lastNotified = current.lastNotified;
    if (current.pendingSinks?.length) {
      record.pendingSinks = current.pendingSinks;
      if (current.owedFor !== undefined) record.owedFor = current.owedFor;
    }
    return { record };
  };
  const told = (announce: Announcement, lastNotified: string | undefined): Redecision => {
    const { lastNotified: _was, pendingSinks: _owed, owedFor: _for, ...rest } = mine;
    return { record: lastNotified ? { ...rest, lastNotified, version } : { ...rest, version }, announce };
  };
  const was = current?.status;
  switch (mine.status) {
    case 'open':
      return was === 'open' ? quiet() : told('new', now);
    case 'resolved':
      if (was === 'open') return told('resolved', now);
      if (was === 'exempt') return { record: { ...mine, version } }; // exemptions resolve silently
      return quiet();
    case 'exempt':
      return was === 'exempt' ? quiet() : told('exempted', current?.lastNotified);
  }
}

function regionKey(accountId: string, region: string): string {
  return `${accountId}/${region}`;
}

/** Rooms with open or exempt findings, per region: a live run checks any the list misses. */
export function roomsWithFindings(previous: ReadonlyMap<string, StoredState>): Map<string, Set<string>> {
  const byRegion = new Map<string, Set<string>>();
  for (const record of previous.values()) {
    if (record.status === 'resolved') continue;
    const { region, roomArn } = record.finding;
    let rooms = byRegion.get(region);
    if (!rooms) {
      rooms = new Set();
      byRegion.set(region, rooms);
    }
    rooms.add(roomArn);
  }
  return byRegion;
}
