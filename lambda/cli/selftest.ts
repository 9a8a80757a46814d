/**
 * The loop of `ivschat-audit selftest`, against a small interface (`SelftestApi`): create a room that
 * breaks a policy, wait until the deployed auditor has recorded and alerted its finding, delete the
 * room, wait until the finding resolves, and measure how long each took. Whatever ends it (success,
 * a failed call, the time limit, Ctrl-C) the room it created is deleted before it returns, or the
 * result says it could not be and how to do it by hand.
 */
import type { FindingRecord } from '../audit/lifecycle.js';
import { AuditorError } from '../core/errors.js';
import { SELFTEST_TAG_KEY } from '../remediate/selftest-room.js';
import { RunStoppedError } from './run-bound.js';

/** The policy the self-test room breaks: created at the IVS Chat default of 500, the policy allows 200. */
export const BROKEN_POLICY = { id: 'message-length-max', maximumMessageLength: 500, allowed: 200 } as const;

/** How long the cleanup's DeleteRoom may take, once the run itself is over (timed out or interrupted). */
export const CLEANUP_TIMEOUT_MS = 30_000;

/** A failed call of the self-test, its message naming the call and what AWS answered. */
export class SelftestCallError extends AuditorError {
  override readonly name = 'SelftestCallError';
}

/**
 * CreateRoom failed without a refusal (a 5xx, a timeout) and no room of its name was found: IVS Chat
 * may still have made it, so nothing may say there is none.
 */
export class RoomMayExistError extends SelftestCallError {
  constructor(
    message: string,
    readonly roomName: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface SelftestRoom {
  arn: string;
  name: string;
}

/** The calls the self-test makes, for one account and region and the deployment's state table. */
export interface SelftestApi {
  /**
   * CreateRoom with these tags. Not abortable: once sent, its answer (the room's ARN) is what lets
   * the room be deleted, so it is awaited even when the run is stopped meanwhile.
   */
  createRoom(input: {
    name: string;
    maximumMessageLength: number;
    tags: Record<string, string>;
  }): Promise<SelftestRoom>;
  /** DeleteRoom; a room that is already gone counts as deleted. */
  deleteRoom(arn: string, signal: AbortSignal): Promise<void>;
  /** The state table's records of the room's findings, read strongly consistent. */
  roomFindings(arn: string, signal: AbortSignal): Promise<FindingRecord[]>;
}

export interface SelftestOptions {
  api: SelftestApi;
  /** Names the room and is the value of its tag. */
  id: string;
  /** The region the room is created in (it goes into the delete command printed on failure). */
  region: string;
  /** Aborts with a RunStoppedError reason: the run's --timeout or Ctrl-C. */
  signal: AbortSignal;
  /** How often the state table is read while waiting. */
  pollMs: number;
  /** A progress line is repeated at least this often while nothing changes. */
  heartbeatMs: number;
  /** Milliseconds since an epoch (the latencies are differences of it). */
  clock: () => number;
  /** Waits `ms`, rejecting with the signal's reason when it aborts. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** One line of progress (the command prints it on stderr). */
  progress: (line: string) => void;
  cleanupTimeoutMs?: number;
  /**
   * Whether the deployment has an alert sink (email, Slack, Security Hub, EventBridge). Without one
   * nothing can be alerted: a finding recorded is all there is to wait for, and it is said so.
   * @default true
   */
  alertSinks?: boolean;
}

/**
 * - `passed`: created, detected (recorded and alerted), deleted, resolved (and alerted).
 * - `not-detected` / `not-resolved`: the time limit came first, in that wait.
 * - `interrupted`: the user stopped it (Ctrl-C, SIGTERM).
 * - `failed`: a call failed (creating the room, reading the state table, deleting the room).
 */
export type SelftestOutcome = 'passed' | 'not-detected' | 'not-resolved' | 'interrupted' | 'failed';

/** What became of the room in the end. */
export type RoomFate =
  | { state: 'never-created' }
  /** CreateRoom's outcome is not known: a room of this name may exist (`command` lists it). */
  | { state: 'unknown'; name: string; command: string }
  | { state: 'deleted'; by: 'selftest' | 'cleanup' }
  | { state: 'left'; error: string; command: string };

export interface SelftestResult {
  outcome: SelftestOutcome;
  room?: SelftestRoom;
  fate: RoomFate;
  /** From CreateRoom's answer to the first read that found the finding recorded and alerted. */
  detectedAfterMs?: number;
  /** From DeleteRoom's answer to the first read that found every finding of the room resolved. */
  resolvedAfterMs?: number;
  /** The policies the auditor recorded a finding of for the room. */
  policies: string[];
  /** Why it did not pass, one line. */
  reason?: string;
}

type Phase = 'create' | 'detect' | 'delete' | 'resolve';

/** One read of the room's findings, judged: done, or what is still awaited. */
interface Watch {
  done: boolean;
  line: string;
}

/** Runs the self-test; never throws for what the AWS calls or the signal do, and never leaves the room unsaid. */
export async function runSelftest(o: SelftestOptions): Promise<SelftestResult> {
  const name = `ivschat-auditor-selftest-${o.id}`;
  let phase: Phase = 'create';
  let room: SelftestRoom | undefined;
  let deleted = false;
  const result: Omit<SelftestResult, 'outcome' | 'fate'> = { policies: [] };
  // What the last read of the state table showed: said with a time limit reached, it tells a change
  // that never arrived (no finding) from an alert a sink did not take.
  const last = { line: '' };
  let outcome: SelftestOutcome;
  let createError: unknown;
  try {
    room = await o.api.createRoom({
      name,
      maximumMessageLength: BROKEN_POLICY.maximumMessageLength,
      tags: { [SELFTEST_TAG_KEY]: o.id },
    });
    result.room = room;
    const createdAt = o.clock();
    o.progress(
      `created room ${room.name} (${room.arn}), maximumMessageLength ${BROKEN_POLICY.maximumMessageLength}: ` +
        `it breaks ${BROKEN_POLICY.id} (at most ${BROKEN_POLICY.allowed})`,
    );
    // Said at once: a process killed outright (a second Ctrl-C, SIGKILL) cannot say it at the end.
    o.progress(`  (should this process be killed, delete the room with: ${deleteCommand(room, o.region)})`);
    phase = 'detect';
    throwIfStopped(o.signal);
    o.progress('waiting for the auditor to record the finding and alert on it');
    const detected = await waitFor(o, room.arn, 'detect', createdAt, last, (records) => {
      result.policies = policiesOf(records.filter((r) => r.status === 'open'));
      return detection(records, o.alertSinks ?? true);
    });
    result.detectedAfterMs = detected;

    phase = 'delete';
    await o.api.deleteRoom(room.arn, o.signal);
    deleted = true;
    const deletedAt = o.clock();
    o.progress(`deleted room ${room.name}; waiting for its findings to resolve`);
    phase = 'resolve';
    result.resolvedAfterMs = await waitFor(o, room.arn, 'resolve', deletedAt, last, (records) =>
      resolution(records, o.alertSinks ?? true),
    );
    outcome = 'passed';
  } catch (error) {
    createError = error;
    const stopped = stopOf(error, o.signal);
    const waiting = phase === 'detect' || phase === 'resolve';
    if (stopped?.code === 'Timeout' && waiting) {
      outcome = phase === 'detect' ? 'not-detected' : 'not-resolved';
    } else {
      outcome = stopped?.code === 'Interrupted' ? 'interrupted' : 'failed';
    }
    result.reason = stopped
      ? `${stopped.message}${waiting && last.line ? `; last read: ${last.line}` : ''}`
      : error instanceof SelftestCallError
        ? error.message
        : `${callOf(phase)} failed: ${messageOf(error)}`;
  }
  let maybe: RoomMayExistError | undefined;
  if (!room && outcome === 'failed')
    maybe = createError instanceof RoomMayExistError ? createError : undefined;
  const fate: RoomFate = room
    ? deleted
      ? deletedBy('selftest')
      : await cleanUp(o, room)
    : maybe
      ? { state: 'unknown', name: maybe.roomName, command: listCommand(maybe.roomName, o.region) }
      : { state: 'never-created' };
  return { outcome, fate, ...result };
}

function deletedBy(by: 'selftest' | 'cleanup'): RoomFate {
  return { state: 'deleted', by };
}

/** Deletes the room after the run stopped: with a time limit of its own, the run's signal having fired. */
async function cleanUp(o: SelftestOptions, room: SelftestRoom): Promise<RoomFate> {
  o.progress(`cleaning up: deleting room ${room.name}`);
  try {
    await o.api.deleteRoom(room.arn, AbortSignal.timeout(o.cleanupTimeoutMs ?? CLEANUP_TIMEOUT_MS));
    return deletedBy('cleanup');
  } catch (error) {
    return { state: 'left', error: messageOf(error), command: deleteCommand(room, o.region) };
  }
}

/**
 * The AWS CLI command that deletes the room by hand. The ARN is the endpoint's answer and the command
 * is made to be pasted into a shell: anything but an ARN's characters is quoted.
 */
export function deleteCommand(room: SelftestRoom, region: string): string {
  return `aws ivschat delete-room --region ${shellWord(region)} --identifier ${shellWord(room.arn)}`;
}

/** The AWS CLI command that lists the room of that name, should CreateRoom have made it after all. */
export function listCommand(name: string, region: string): string {
  return `aws ivschat list-rooms --region ${shellWord(region)} --name ${shellWord(name)}`;
}

function shellWord(text: string): string {
  return /^[A-Za-z0-9:/_.-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}

/**
 * Reads the room's findings every `pollMs` until `judge` says done; returns the milliseconds from
 * `since` to that read. Prints a line when what it waits for changes, and every `heartbeatMs`; keeps
 * the last in `last`.
 */
async function waitFor(
  o: SelftestOptions,
  arn: string,
  phase: 'detect' | 'resolve',
  since: number,
  last: { line: string },
  judge: (records: FindingRecord[]) => Watch,
): Promise<number> {
  let shown = '';
  let shownAt = Number.NEGATIVE_INFINITY;
  for (;;) {
    const watch = judge(await o.api.roomFindings(arn, o.signal));
    last.line = watch.line;
    const elapsed = o.clock() - since;
    if (watch.done || watch.line !== shown || elapsed - shownAt >= o.heartbeatMs) {
      o.progress(
        `  ${seconds(elapsed)} s after ${phase === 'detect' ? 'CreateRoom' : 'DeleteRoom'}: ${watch.line}`,
      );
      shown = watch.line;
      shownAt = elapsed;
    }
    if (watch.done) return elapsed;
    await o.sleep(o.pollMs, o.signal);
  }
}

/** Said instead of "alerted" on a deployment with no sink: the auditor marks a new finding notified either way. */
export const NO_SINK = 'no alert sink configured';

/**
 * Detected: a finding of the room is open, a person was told (lastNotified), and no sink still owes
 * it. Without a sink (`alertSinks` false) the record alone: lastNotified is then set with nobody told.
 */
export function detection(records: readonly FindingRecord[], alertSinks = true): Watch {
  const open = records.filter((r) => r.status === 'open');
  if (!alertSinks) {
    if (open.length > 0) return { done: true, line: `recorded; ${NO_SINK}: ${policiesOf(open).join(', ')}` };
    return { done: false, line: 'no finding of the room recorded yet' };
  }
  const told = open.filter((r) => r.lastNotified !== undefined && (r.pendingSinks?.length ?? 0) === 0);
  if (told.length > 0) return { done: true, line: `recorded and alerted: ${policiesOf(told).join(', ')}` };
  if (open.length > 0) {
    return {
      done: false,
      line: `recorded (${policiesOf(open).join(', ')}), alert not delivered yet${owedTo(open)}`,
    };
  }
  return { done: false, line: 'no finding of the room recorded yet' };
}

/** Resolved: every finding of the room is resolved, and no sink still owes the resolution. */
export function resolution(records: readonly FindingRecord[], alertSinks = true): Watch {
  const unresolved = records.filter((r) => r.status !== 'resolved');
  if (records.length === 0) return { done: false, line: 'no finding of the room in the state table' };
  if (unresolved.length > 0) {
    const n = unresolved.length;
    return {
      done: false,
      line: `${n} finding${n === 1 ? '' : 's'} not resolved yet: ${policiesOf(unresolved).join(', ')}`,
    };
  }
  const owed = records.filter((r) => (r.pendingSinks?.length ?? 0) > 0);
  if (owed.length > 0) return { done: false, line: `resolved, alert not delivered yet${owedTo(owed)}` };
  const reasons = [...new Set(records.map((r) => r.finding.resolvedReason).filter((r) => r !== undefined))];
  const why = reasons.length > 0 ? ` (${reasons.join('; ')})` : '';
  return { done: true, line: alertSinks ? `resolved and alerted${why}` : `resolved${why}; ${NO_SINK}` };
}

function owedTo(records: readonly FindingRecord[]): string {
  const sinks = [...new Set(records.flatMap((r) => r.pendingSinks ?? []))].sort();
  return sinks.length > 0 ? ` (owed to ${sinks.join(', ')})` : '';
}

function policiesOf(records: readonly FindingRecord[]): string[] {
  return [...new Set(records.map((r) => r.finding.policyId))].sort();
}

function throwIfStopped(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason;
}

/** The run's stop (time limit or Ctrl-C) when that is what ended it, whatever the call made of the abort. */
function stopOf(error: unknown, signal: AbortSignal): RunStoppedError | undefined {
  if (error instanceof RunStoppedError) return error;
  return signal.aborted && signal.reason instanceof RunStoppedError ? signal.reason : undefined;
}

function callOf(phase: Phase): string {
  if (phase === 'create') return 'CreateRoom';
  if (phase === 'delete') return 'DeleteRoom';
  return 'reading the state table';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(ms < 10_000 ? 1 : 0);
}
