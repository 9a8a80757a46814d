import { escapeControlCharacters } from '../core/control-chars.js';
import type { RegionInventory } from '../core/types.js';
import { unchangedCount } from '../core/unchanged-open.js';
import type { NotifyOutcome } from './deliver.js';

/**
 * Lambda caps a response at 6 MB and Step Functions a state's payload at 256 KiB, and an invocation
 * that fails after saving state is retried: the value the handler returns must not grow with rooms or
 * findings. Every list below is capped and every string clipped (identifiers to printable ASCII, prose
 * to a byte count), so the summary
 * stays under `MAX_SUMMARY_BYTES` whatever the run found (test/lambda/run-summary.test.ts).
 */
export const MAX_SUMMARY_BYTES = 16 * 1024;
export const MAX_SUMMARY_REGIONS = 40;
export const MAX_SUMMARY_MESSAGE_IDS = 10;
export const MAX_SUMMARY_ERROR_CODES = 10;
export const MAX_SUMMARY_SINKS = 10;
const MAX_STRING = 64;

export interface RegionSummary {
  region: string;
  roomsListed: number;
  roomsAudited: number;
  /** Listed but not reached before the deadline: the next run continues with them. */
  roomsRemaining: number;
  listRoomsCalls: number;
  getRoomCalls: number;
  errors: number;
}

/** The counts every run reports, the single-account run and the state machine's aggregate step alike. */
export interface RunCounts {
  roomsAudited: number;
  /** Open findings (new, open, expired exemptions); exempt ones are not counted. */
  findings: number;
  newFindings: number;
  resolvedFindings: number;
  reminders: number;
  errors: number;
  complete: boolean;
  published: number;
  /** The first `MAX_SUMMARY_MESSAGE_IDS` SNS MessageIds; `published` says how many there were. */
  messageIds: string[];
  durationMs: number;
}

/** What the Lambda returns: counts and ids only, never findings or messages. */
export interface RunSummary extends RunCounts {
  accountId: string;
  /** The first `MAX_SUMMARY_REGIONS` regions, in audit order. */
  regions: RegionSummary[];
  regionsOmitted: number;
  /** The most frequent error codes, most frequent first. */
  errorCodes: { code: string; count: number }[];
  errorCodesOmitted: number;
  /** Sinks that did not take everything they were owed; the next run sends them the rest. */
  sinksLagging: { sink: string; undelivered: number; error: string }[];
}

export function summariseRun(input: {
  accountId: string;
  inventories: readonly RegionInventory[];
  outcome: NotifyOutcome;
  durationMs: number;
}): RunSummary {
  const { alert } = input.outcome;
  const { report } = alert;
  const codes = new Map<string, number>();
  for (const error of report.errors) {
    const code = clip(error.code, MAX_STRING);
    codes.set(code, (codes.get(code) ?? 0) + 1);
  }
  const errorCodes = [...codes]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([code, count]) => ({ code, count }));
  return {
    accountId: clip(input.accountId, MAX_STRING),
    roomsAudited: report.roomsAudited,
    findings: report.findings.filter((f) => f.status !== 'exempt').length + unchangedCount(report),
    newFindings: alert.newFindings.length,
    resolvedFindings: alert.resolvedFindings.length,
    reminders: alert.reminders.length,
    errors: report.errors.length,
    complete: report.complete,
    published: input.outcome.published,
    messageIds: input.outcome.messageIds.slice(0, MAX_SUMMARY_MESSAGE_IDS).map((id) => clip(id, MAX_STRING)),
    regions: input.inventories.slice(0, MAX_SUMMARY_REGIONS).map(regionSummary),
    regionsOmitted: Math.max(0, input.inventories.length - MAX_SUMMARY_REGIONS),
    errorCodes: errorCodes.slice(0, MAX_SUMMARY_ERROR_CODES),
    errorCodesOmitted: Math.max(0, errorCodes.length - MAX_SUMMARY_ERROR_CODES),
    sinksLagging: (input.outcome.lagging ?? []).slice(0, MAX_SUMMARY_SINKS).map((lag) => ({
      sink: clip(lag.sink, MAX_STRING),
      undelivered: lag.undelivered,
      error: clip(lag.error, MAX_STRING),
    })),
    durationMs: input.durationMs,
  };
}

function regionSummary(inventory: RegionInventory): RegionSummary {
  return {
    region: clip(inventory.region, MAX_STRING),
    roomsListed: inventory.listed.length,
    roomsAudited: inventory.audited.length,
    roomsRemaining: inventory.notReached.length,
    listRoomsCalls: inventory.calls.listRooms,
    getRoomCalls: inventory.calls.getRoom,
    errors: inventory.errors.length + (inventory.evaluation?.errors.length ?? 0),
  };
}

/**
 * At most `max` bytes once serialised: codes, ids and region names are ASCII identifiers, so anything
 * that would need escaping or UTF-8 multi-byte sequences (and so could grow) becomes `?`.
 */
export function clip(value: string, max: number): string {
  const ascii = value.replace(/[^\x20-\x7e]|["\\]/g, '?');
  return ascii.length <= max ? ascii : `${ascii.slice(0, max - 3)}...`;
}

/**
 * Prose (a reason, an error message) at most `max` bytes once serialised: unlike `clip`, its letters
 * and punctuation stay as written (an em dash is not a `?`), control characters are shown escaped,
 * and a cut ends in `…`.
 */
export function clipText(value: string, max: number): string {
  const clean = escapeControlCharacters(value);
  const size = (s: string) => Buffer.byteLength(JSON.stringify(s)) - 2;
  if (size(clean) <= max) return clean;
  let kept = '';
  let bytes = 0;
  const room = max - size('…');
  for (const ch of clean) {
    bytes += size(ch);
    if (bytes > room) break;
    kept += ch;
  }
  return `${kept}…`;
}
