import { type Alert, hasContent } from '../alert/alert.js';
import { alertForRoute, onRoute } from '../alert/route-alert.js';
import { type Announcement, type FindingRecord, redecide, TRANSITIONS } from '../audit/lifecycle.js';
import { LabelTable } from '../core/label-table.js';
import type { Finding } from '../core/types.js';
import { DEFAULT_ROUTE } from '../policy/routes.js';
import type { AlertSink, SinkReceipt } from '../sinks/sink.js';
import { snsSinkName } from '../sinks/sns.js';
import { soleWriter } from '../state/sole-writer.js';
import type { Claimed, Settlement, SettlementOf, SharedWrites, StateStore } from '../state/store.js';

/** A sink that did not take everything it was owed: it gets the rest on the next run. */
export interface SinkLag {
  sink: string;
  /** Findings it still owes (this run's and earlier runs'). */
  undelivered: number;
  /** Why, as the sink or its destination said. */
  error: string;
}

export interface NotifyOutcome {
  /** What the run had to tell (empty lists when delivery was withheld). */
  alert: Alert;
  /** One receipt per sink that was called and answered, in sink order. */
  receipts: SinkReceipt[];
  /** Messages accepted, over every sink. */
  published: number;
  /** Ids of the accepted messages, in delivery order (a sink may not report one). */
  messageIds: string[];
  /** Sinks that fell behind in this run (empty or absent when every sink took everything). */
  lagging?: SinkLag[];
}

/**
 * Delivers the run's alert to every sink, then records the run, with delivery state per sink.
 *
 * Each sink gets this run's alert plus what it missed in earlier runs (`backlog`: records whose
 * `pendingSinks` name it; a newer transition of the same finding in this run replaces the missed one).
 * A finding a sink did not take is recorded with that sink in `pendingSinks`, so the next run sends it
 * to that sink again and to no other; a reminder a sink did not take is simply due again next run.
 *
 * One path for every store: claim, deliver, settle (`claimDeliverSettle`). A store other writers
 * share (`store.shared`: the state table) claims with conditional writes; a store with one writer
 * (the CLI's state file, a store in memory) stages its claims and writes them when they settle
 * (lambda/state/sole-writer.ts). When every sink failed outright (with alert routes: every sink
 * this run's alert had something for, so a failing default topic fails the run with or without a
 * routes file) nothing is recorded and the first error is thrown: the next run sends everything
 * again. Nothing to tell means no sink is called; the state is still written.
 *
 * With alert routes, a finding or owed delivery whose route has no sink any more (removed or renamed
 * in routes.json, or its owner value dropped from the allow-list) goes to the default route's sink:
 * told to the operators rather than to nobody.
 *
 * `backlog` defaults to the store's own `pending()` when it has one.
 */
export async function notifyAndRecord(input: NotifyInput): Promise<NotifyOutcome> {
  return claimDeliverSettle(input, input.store.shared ?? soleWriter(input.store));
}

interface NotifyInput {
  alert: Alert;
  sinks: readonly AlertSink[];
  store: StateStore;
  changes: readonly FindingRecord[];
  now: string;
  backlog?: readonly FindingRecord[];
}

/**
 * Delivery through a store's claims. Where other writers share the store (the scheduled run, the
 * org-scale aggregate step hours after its targets were read, and the change path all record the
 * same findings in the state table):
 *
 * 1. Claim: every change is written conditionally (the store's `claim`) before anything is sent,
 *    each transition marked owed to every sink (`pendingSinks`). A change whose record moved on since
 *    it was read is decided again against the stored record (lifecycle `redecide`): a newer
 *    observation wins, and a transition already announced by the other writer is not announced again.
 * 2. Deliver only what was claimed, as it was claimed (the alert's lists are rebuilt from the claims).
 * 3. Settle: what each sink took is no longer owed (only where the owed delivery is still this one).
 *
 * At-least-once: a crash between 1 and 3 leaves the claims owed to every sink, and the next run sends
 * them (its backlog); the same step retried finds its own claims (same observation, still owed) and
 * sends them. When every sink failed outright the claims are released (the replaced records put back,
 * where nobody wrote since) and the error is thrown, so the retry decides and sends everything again.
 * No duplicate: of two writers racing for one transition, exactly one claim lands.
 *
 * Nothing per finding is built beside the change records (a first audit claims 145,823), and they
 * are not written on: what a claimed record was marked owed to is worked out again when needed, from
 * the same rules (lambda/state/store.ts `Claimed`), and the store asks what each record still owes
 * as it settles it (`settlementOf`).
 */
async function claimDeliverSettle(input: NotifyInput, shared: SharedWrites): Promise<NotifyOutcome> {
  const { sinks, now } = input;
  const names = sinks.map((s) => s.name);
  const owedSinks = sinksOwing(sinks);
  const toConfigured = ownedByConfigured(sinks);
  const planned = announcementsOf(input.alert);
  const owes = (announce: Announcement | undefined) =>
    names.length > 0 && announce !== undefined && TRANSITIONS.has(announce);
  // What earlier deliveries still owe; this run's transition of a finding supersedes it.
  const earlier = new Map(
    (input.backlog ?? (await input.store.pending?.()) ?? [])
      .filter((r) => (r.pendingSinks?.length ?? 0) > 0 && !owes(planned.get(r.fingerprint)))
      .map((r) => [r.fingerprint, toConfigured(r)]),
  );
  // This run's changes by fingerprint, needed only beside a backlog (a first audit changes 145,823).
  const changed = earlier.size > 0 ? new Set(input.changes.map((c) => c.fingerprint)) : undefined;
  // Claimed too, so that a record superseded since it was read is not sent again.
  const backlogOnly = [...earlier.values()].filter((r) => !changed?.has(r.fingerprint));
  const backlogOnlyKeys = new Set(backlogOnly.map((r) => r.fingerprint));
  const changes = backlogOnly.length > 0 ? [...input.changes, ...backlogOnly] : input.changes;

  // Whether any claim was decided again: otherwise every change landed as planned, and the alert
  // stands as it is (not rebuilt: a first audit announces 145,823 findings).
  let redecided = false;
  const claimed = await shared.claim(changes, now, {
    // A change is marked owed by the claim itself (no copy of 100,000 records to add the mark).
    owedTo: (record) =>
      owes(planned.get(record.fingerprint))
        ? owedSinks(record.finding)
        : earlier.get(record.fingerprint)?.pendingSinks,
    reminds: (record) => planned.get(record.fingerprint) === 'reminder',
    onConflict: (mine, current) => {
      redecided = true;
      const fingerprint = mine.fingerprint;
      earlier.delete(fingerprint); // whatever was owed, the stored record now says it
      if (backlogOnlyKeys.has(fingerprint)) return undefined; // a backlog record moved on: its writer owes it
      const decision = redecide(mine, planned.get(fingerprint), current, now);
      if (decision?.announce) planned.set(fingerprint, decision.announce);
      else planned.delete(fingerprint);
      return decision?.record;
    },
  });
  // `owedTo` answers after the claim as during it: `earlier` and `planned` change for a finding only
  // in its own conflict, before the write that lands.
  const alert = redecided ? claimedAlert(input.alert, planned, claimed.records) : input.alert;
  const owed = changed
    ? stillOwed(claimed, { changes: input.changes, backlogOnly, backlogOnlyKeys, earlier }, planned, owes)
    : [];

  const delivery = await deliverAll(alert, sinks, owed);
  if (delivery.allThrew) {
    await shared.release(claimed);
    throw delivery.thrown;
  }
  await shared.settle(claimed, settlementOf(delivery, planned, owed));
  return outcomeOf(alert, delivery);
}

/**
 * What earlier deliveries still owe, as claimed: a backlog record that landed as it was, and an
 * owed mark a quiet change of this run carried over (the lagging sink gets the finding with this
 * run's alert). In the order of the backlog, then of the changes. Called only beside a backlog, so
 * only the backlog's findings are looked up.
 */
function stillOwed(
  claimed: Claimed,
  backlog: {
    changes: readonly FindingRecord[];
    backlogOnly: readonly FindingRecord[];
    backlogOnlyKeys: ReadonlySet<string>;
    earlier: ReadonlyMap<string, FindingRecord>;
  },
  planned: Planned,
  owes: (announce: Announcement | undefined) => boolean,
): FindingRecord[] {
  const { changes, backlogOnly, backlogOnlyKeys, earlier } = backlog;
  const written = new Map<string, FindingRecord>();
  for (const r of claimed.records) {
    if (earlier.has(r.fingerprint) || backlogOnlyKeys.has(r.fingerprint)) written.set(r.fingerprint, r);
  }
  // What a claimed record was marked owed to, when it was marked owed to some sink.
  const marked = (fingerprint: string) => {
    const record = written.get(fingerprint);
    const sinks = record ? claimed.owed(record)?.pendingSinks : undefined;
    return record && sinks?.length ? { record, sinks } : undefined;
  };
  const owed: FindingRecord[] = [];
  for (const r of backlogOnly) {
    // A backlog record is claimed with its own mark: it is owed as it was read.
    const mark = marked(r.fingerprint);
    if (mark) owed.push(mark.record);
  }
  for (const { fingerprint } of changes) {
    const mark = marked(fingerprint);
    const before = earlier.get(fingerprint);
    // Still owed from before, not superseded: the lagging sink gets it with this run's alert.
    if (mark && before && !owes(planned.get(fingerprint))) {
      owed.push({ ...before, pendingSinks: [...mark.sinks] });
    }
  }
  return owed;
}

/**
 * What each claimed record owes once the delivery is over, asked one record at a time as the store
 * settles it: sinks that took it are no longer owed it. A claim that carries another writer's owed
 * mark (its decision was quiet: nothing to tell) was offered to no sink here, so it settles nothing:
 * the mark stays for the writer or run that owes it. Offered: announced (the alert lists exactly the
 * claimed findings with an announcement) or owed. Asked of `planned` rather than a set of every
 * listed fingerprint: a first audit settles 145,823.
 */
function settlementOf(delivery: Delivery, planned: Planned, owed: readonly FindingRecord[]): SettlementOf {
  const owedHere = new Set(owed.map((r) => r.fingerprint));
  const offered = (fingerprint: string) => planned.has(fingerprint) || owedHere.has(fingerprint);
  const lacking = (fingerprint: string) =>
    [...delivery.failed].filter(([, fps]) => fps.has(fingerprint)).map(([s]) => s);
  return ({ fingerprint }, owedMark) => {
    const pendingSinks = owedMark?.pendingSinks;
    const still = delivery.failed.size > 0 ? lacking(fingerprint) : NONE;
    if (pendingSinks?.length) {
      if (!offered(fingerprint)) return undefined;
      if (still.length === 0) return DELIVERED;
      const left = pendingSinks.filter((s) => still.includes(s));
      return left.length !== pendingSinks.length ? { lacking: left } : undefined;
    }
    return still.length > 0 && planned.get(fingerprint) === 'reminder' ? UNTOLD : undefined;
  };
}

/** Every sink it was owed to took it: one shared settlement rather than one per record. */
const DELIVERED: Settlement = Object.freeze({ lacking: Object.freeze([]) });
/** A reminder some sink did not take. */
const UNTOLD: Settlement = Object.freeze({ lacking: Object.freeze([]), untold: true });

/**
 * The sinks a finding is owed to: every sink, except that a route's sink (policies/routes.json) is
 * owed only the findings routed to it. So a failing route is retried alone and no other route hears
 * of a finding twice. A finding whose routes all lost their sink (a route removed or renamed since)
 * is owed to the default route's sink (see onRoute). One shared list per distinct routes list,
 * looked up by the ids joined: each finding read from a stored record has its own array.
 */
export function sinksOwing(sinks: readonly AlertSink[]): (finding: Finding) => readonly string[] {
  const names = sinks.map((s) => s.name);
  if (sinks.every((s) => s.route === undefined)) return () => names;
  const known = routesOf(sinks);
  const lists = new Map<string | undefined, readonly string[]>();
  return (finding) => {
    const key = finding.routes?.join(ROUTE_KEY_SEPARATOR);
    let list = lists.get(key);
    if (!list) {
      list = sinks
        .filter((s) => s.route === undefined || onRoute(finding, s.route, known))
        .map((s) => s.name);
      lists.set(key, list);
    }
    return list;
  };
}

/** Joins route ids into one lookup key; a control character no route id holds. */
const ROUTE_KEY_SEPARATOR = '\u0000';

/** The route ids that have a sink. */
function routesOf(sinks: readonly AlertSink[]): ReadonlySet<string> {
  return new Set(sinks.flatMap((s) => (s.route === undefined ? [] : [s.route])));
}

/**
 * A backlog record as owed to the sinks configured now: a sink named in its `pendingSinks` that no
 * longer exists (its route was removed or renamed, e.g. `sns:gone`) is replaced by the default
 * sink (the default route's, else `sns`), so the delivery is made there rather than cleared unsent.
 * Without a default sink the record is left as it was.
 */
function ownedByConfigured(sinks: readonly AlertSink[]): (record: FindingRecord) => FindingRecord {
  const names = new Set(sinks.map((s) => s.name));
  const fallback =
    sinks.find((s) => s.route === DEFAULT_ROUTE)?.name ??
    (names.has(DEFAULT_SINK) ? DEFAULT_SINK : undefined);
  return (record) => {
    const pending = record.pendingSinks ?? [];
    if (fallback === undefined || pending.every((s) => names.has(s))) return record;
    const remapped = [...new Set(pending.map((s) => (names.has(s) ? s : fallback)))];
    return { ...record, pendingSinks: remapped };
  };
}

/** The deployment's own topic's sink: the default route's when there is a routes file. */
const DEFAULT_SINK = snsSinkName();

/** Nothing lacking: one shared empty list rather than one per settled claim. */
const NONE: readonly string[] = Object.freeze([]);

/** What the alert announces of a finding, by fingerprint (read-only where only read). */
type Planned = Pick<LabelTable<Announcement>, 'get' | 'has'>;

const ANNOUNCEMENTS: readonly Announcement[] = ['new', 'resolved', 'exempted', 'reminder'];

/**
 * What the alert announces of each finding, by fingerprint: a compact table, not a Map (a first
 * audit, and the run a day later, announce 145,823 findings: 7 MB as a Map, ~2.3 MB so).
 */
function announcementsOf(alert: Alert): LabelTable<Announcement> {
  const listed =
    alert.newFindings.length +
    alert.resolvedFindings.length +
    alert.reminders.length +
    (alert.exemptedFindings?.length ?? 0);
  const planned = new LabelTable(ANNOUNCEMENTS, listed);
  const add = (list: readonly Finding[] | undefined, announce: Announcement) => {
    for (const f of list ?? []) planned.set(f.fingerprint, announce);
  };
  add(alert.reminders, 'reminder');
  add(alert.exemptedFindings, 'exempted');
  add(alert.resolvedFindings, 'resolved');
  add(alert.newFindings, 'new');
  return planned;
}

/**
 * The alert as claimed: each finding listed as its claim decided (a planned "new" another writer
 * announced first becomes nothing; a planned reminder whose finding the other writer resolved, with
 * an older observation, becomes "new"), and nothing whose claim was dropped.
 */
function claimedAlert(alert: Alert, planned: Planned, records: readonly FindingRecord[]): Alert {
  const claimed = new Set(records.map((r) => r.fingerprint));
  const lists: Record<Announcement, Finding[]> = { new: [], resolved: [], exempted: [], reminder: [] };
  const status: Record<Announcement, Finding['status']> = {
    new: 'new',
    resolved: 'resolved',
    exempted: 'exempt',
    reminder: 'open',
  };
  const listed = new Set<string>();
  const place = (finding: Finding) => {
    const announce = planned.get(finding.fingerprint);
    if (!announce || listed.has(finding.fingerprint) || !claimed.has(finding.fingerprint)) return;
    listed.add(finding.fingerprint);
    lists[announce].push(
      finding.status === status[announce] ? finding : { ...finding, status: status[announce] },
    );
  };
  for (const list of [
    alert.newFindings,
    alert.reminders,
    alert.resolvedFindings,
    alert.exemptedFindings ?? [],
  ]) {
    for (const finding of list) place(finding);
  }
  for (const record of records) place(record.finding);
  const unchanged =
    lists.new.length === alert.newFindings.length &&
    lists.resolved.length === alert.resolvedFindings.length &&
    lists.reminder.length === alert.reminders.length &&
    lists.exempted.length === (alert.exemptedFindings ?? []).length;
  if (unchanged) return alert;
  return {
    ...alert,
    newFindings: lists.new,
    resolvedFindings: lists.resolved,
    reminders: lists.reminder,
    ...(alert.exemptedFindings ? { exemptedFindings: lists.exempted } : {}),
  };
}

interface Delivery {
  receipts: SinkReceipt[];
  /** Sink name → fingerprints it did not take. */
  failed: Map<string, Set<string>>;
  lagging: SinkLag[];
  thrown?: unknown;
  /** Every sink threw, or every sink this run's alert had something for (see deliverAll). */
  allThrew: boolean;
}

/** The alert (plus each sink's backlog) to every sink that has something to take. */
async function deliverAll(
  alert: Alert,
  sinks: readonly AlertSink[],
  owed: readonly FindingRecord[],
): Promise<Delivery> {
  const receipts: SinkReceipt[] = [];
  const failed = new Map<string, Set<string>>();
  const lagging: SinkLag[] = [];
  let thrown: unknown;
  const threw = new Set<string>();
  const fresh = new Set<string>();
  const known = routesOf(sinks);
  const tells = (a: Alert) => hasContent(a) || (a.exemptedFindings ?? []).length > 0;
  for (const sink of sinks) {
    const cut = sink.route === undefined ? alert : alertForRoute(alert, sink.route, known);
    if (tells(cut)) fresh.add(sink.name);
    const own = withBacklog(
      cut,
      owed.filter((r) => r.pendingSinks?.includes(sink.name)),
    );
    if (!tells(own)) continue;
    try {
      const receipt = await sink.deliver(own);
      receipts.push(receipt);
      if (receipt.undelivered?.length) {
        failed.set(sink.name, new Set(receipt.undelivered));
        lagging.push({
          sink: sink.name,
          undelivered: receipt.undelivered.length,
          error: receipt.error ?? '',
        });
      }
    } catch (error) {
      thrown ??= error;
      threw.add(sink.name);
      const all = fingerprintsOf(own);
      failed.set(sink.name, all);
      lagging.push({ sink: sink.name, undelivered: all.size, error: (error as Error).message });
    }
  }
  // Every sink threw, or every sink given something of this run's alert did: a route's sink with
  // nothing of it to send neither failed nor delivered, so a failing default topic fails the run with
  // a routes file exactly as without one. A sink sent only its backlog that fails lags, as before.
  const allThrew =
    thrown !== undefined &&
    (sinks.every((s) => threw.has(s.name)) || (fresh.size > 0 && [...fresh].every((n) => threw.has(n))));
  return { receipts, failed, lagging, ...(thrown !== undefined ? { thrown } : {}), allThrew };
}

function outcomeOf(alert: Alert, delivery: Delivery): NotifyOutcome {
  const { receipts, lagging } = delivery;
  return {
    alert,
    receipts,
    published: receipts.reduce((n, r) => n + r.delivered, 0),
    messageIds: receipts.flatMap((r) => r.messageIds),
    lagging,
  };
}

/** The alert with a sink's missed transitions added, as their records' status says. */
function withBacklog(alert: Alert, owed: readonly FindingRecord[]): Alert {
  if (owed.length === 0) return alert;
  const again = (status: FindingRecord['status']) =>
    owed.filter((r) => r.status === status).map((r) => r.finding);
  const resent = new Set(owed.map((r) => r.fingerprint));
  return {
    ...alert,
    newFindings: [...alert.newFindings, ...again('open').map((f): Finding => ({ ...f, status: 'new' }))],
    resolvedFindings: [...alert.resolvedFindings, ...again('resolved')],
    exemptedFindings: [...(alert.exemptedFindings ?? []), ...again('exempt')],
    // A missed new finding shows as new, not also as a reminder.
    reminders: alert.reminders.filter((f) => !resent.has(f.fingerprint)),
  };
}

function fingerprintsOf(alert: Alert): Set<string> {
  const lists = [alert.newFindings, alert.resolvedFindings, alert.reminders, alert.exemptedFindings ?? []];
  return new Set(lists.flatMap((list) => list.map((f) => f.fingerprint)));
}
