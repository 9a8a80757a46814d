import type { FindingRecord, StoredState } from '../audit/lifecycle.js';
import { StringInterner } from '../core/intern.js';
import type { Finding, FindingStatus, Severity } from '../core/types.js';
import { type StoredStateRow, storedState } from './stored-states.js';

/**
 * What the state table keeps of a finding: everything but `remediationTemplate`. Only new and
 * still-open findings show a fix, and those come from this run's evaluation; a stored payload is read
 * only to tell what was resolved. Leaving it out saves ~180 bytes per finding in the table and in memory.
 */
export function storedFinding(finding: Finding): Omit<Finding, 'remediationTemplate'> {
  const { remediationTemplate: _fix, ...rest } = finding;
  return rest;
}

/**
 * Rebuilds the records read from a store as compact objects: one fixed shape per record and per
 * finding, and one shared copy of each repeated string (a state of 114,554 findings took 146 MB as
 * read, ~17 separate strings per record). Strings unique to a finding (its fingerprint) are kept
 * as they are.
 */
export class RecordReader {
  private readonly strings = new StringInterner(200_000);
  /** One shared array per distinct routes list (a few, however many records). */
  private readonly routeLists = new Map<string, readonly string[]>();

  private routeList(routes: unknown[]): readonly string[] {
    const ids = routes.map(String);
    const key = ids.join('\n');
    const known = this.routeLists.get(key);
    if (known) return known;
    const list = Object.freeze(ids);
    if (this.routeLists.size < 1000) this.routeLists.set(key, list);
    return list;
  }

  read(item: Record<string, unknown>): FindingRecord {
    const s = (value: unknown) => this.strings.intern(String(value ?? ''));
    const f = (item.finding ?? {}) as Record<string, unknown>;
    const fingerprint = String(item.fingerprint ?? item.sk ?? f.fingerprint ?? '');
    const finding: Finding = {
      fingerprint,
      policyId: s(f.policyId),
      title: s(f.title),
      severity: s(f.severity) as Severity,
      status: s(f.status) as FindingStatus,
      accountId: s(f.accountId),
      region: s(f.region),
      roomArn: s(f.roomArn),
      roomId: s(f.roomId),
      roomName: s(f.roomName),
      path: s(f.path),
      actual: f.actual,
      message: s(f.message),
      remediationTemplate: typeof f.remediationTemplate === 'string' ? f.remediationTemplate : '',
      firstSeen: s(f.firstSeen),
      lastSeen: s(f.lastSeen),
    };
    if (f.exemption) finding.exemption = f.exemption as NonNullable<Finding['exemption']>;
    if (typeof f.resolvedReason === 'string') finding.resolvedReason = f.resolvedReason;
    // A resolution is told to the routes the finding was announced to (a deleted room has no tags left).
    if (Array.isArray(f.routes)) finding.routes = this.routeList(f.routes);
    const status = s(item.status) as FindingRecord['status'];
    const firstSeen = s(item.firstSeen);
    const lastSeen = s(item.lastSeen);
    // A record written before versions were kept reads as version 0, observed at no known time.
    const version = typeof item.version === 'number' ? item.version : 0;
    const observedAt = typeof item.observedAt === 'string' ? s(item.observedAt) : '';
    const record: FindingRecord =
      typeof item.lastNotified === 'string'
        ? {
            fingerprint,
            status,
            firstSeen,
            lastSeen,
            lastNotified: s(item.lastNotified),
            finding,
            version,
            observedAt,
          }
        : { fingerprint, status, firstSeen, lastSeen, finding, version, observedAt };
    // Rare (a sink failed), so added after the fixed shape rather than given to every record.
    if (Array.isArray(item.pendingSinks) && item.pendingSinks.length > 0) {
      record.pendingSinks = item.pendingSinks.map((name) => s(name));
      if (typeof item.owedFor === 'number') record.owedFor = item.owedFor;
    }
    return record;
  }

  /** The record as reconcile reads it (lambda/audit/lifecycle.ts `StoredState`): no finding payload. */
  readState(item: Record<string, unknown>): StoredState {
    return storedState(stateRow(item));
  }
}

/**
 * What reconcile reads of a stored item (the attributes of STATE_PROJECTION), for the column-wise
 * StoredStates (lambda/state/stored-states.ts), which keeps each repeated string once.
 */
export function stateRow(item: Record<string, unknown>): StoredStateRow {
  const f = (item.finding ?? {}) as Record<string, unknown>;
  const s = (value: unknown) => String(value ?? '');
  return {
    fingerprint: String(item.fingerprint ?? item.sk ?? f.fingerprint ?? ''),
    status: s(item.status) as FindingRecord['status'],
    firstSeen: s(item.firstSeen),
    lastNotified: typeof item.lastNotified === 'string' ? item.lastNotified : undefined,
    version: typeof item.version === 'number' ? item.version : 0,
    policyId: s(f.policyId),
    accountId: s(f.accountId),
    region: s(f.region),
    roomArn: s(f.roomArn),
    message: s(f.message),
    // Rare (a sink failed).
    ...(Array.isArray(item.pendingSinks) && item.pendingSinks.length > 0
      ? { pendingSinks: item.pendingSinks.map((name) => String(name)) }
      : {}),
  };
}

/**
 * The attributes `readState` reads (a ProjectionExpression and its names): the rest of an item
 * (the finding's payload, dates reconcile does not compare) stays in the table.
 */
export const STATE_PROJECTION = stateProjection(
  ['sk', 'fingerprint', 'status', 'firstSeen', 'lastNotified', 'version', 'pendingSinks'],
  ['policyId', 'accountId', 'region', 'roomArn', 'message'],
);

/** Every name as a placeholder: DynamoDB reserves hundreds of words (`status`, `region` among them). */
function stateProjection(
  top: string[],
  ofFinding: string[],
): { expression: string; names: Record<string, string> } {
  const names: Record<string, string> = { '#finding': 'finding' };
  for (const name of [...top, ...ofFinding]) names[`#${name}`] = name;
  const paths = [...top.map((n) => `#${n}`), ...ofFinding.map((n) => `#finding.#${n}`)];
  return { expression: paths.join(', '), names };
}
