import { Evaluator } from '../audit/evaluate.js';
import {
  type Guards,
  guardProblems,
  type PlannedChange,
  type RemediationPlan,
  whyNot,
} from '../audit/remediation-plan.js';
import { RoomGoneError } from '../core/errors.js';
import {
  type FieldValues,
  fieldsSent,
  fieldValue,
  fieldValues,
  fixedValues,
  holdsValues,
  sameValue,
  sameValues,
  updateRoomFields,
  withValues,
} from '../core/fix.js';
import { truncate } from '../core/truncate.js';
import type { RoomDocument } from '../core/types.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { isSelftestRoom, SELFTEST_ROOM_SKIPPED } from './selftest-room.js';
import type { PriorApplication, Trail, TrailEntry } from './trail.js';

/** The two IVS Chat calls remediation makes, for one account and region. */
export interface RoomApi {
  /** GetRoom as a room document; throws RoomGoneError when the room does not exist. */
  getRoom(roomArn: string): Promise<RoomDocument>;
  updateRoom(input: { identifier: string } & Record<string, unknown>): Promise<void>;
}

/** Releases one UpdateRoom at a time, at the write budget (a RateLimiter). */
export interface WriteBudget {
  acquire(): Promise<void>;
}

export interface ExecutorOptions {
  /** The IVS Chat calls of one account and region. */
  api: (accountId: string, region: string) => RoomApi;
  /** The UpdateRoom budget of one account and region: the quota is per account and region. */
  writeBudget: (accountId: string, region: string) => WriteBudget;
  trail: Trail;
  /** The caller's STS ARN, recorded with every entry. */
  actor: string;
  clock: () => Date;
  /** The policy set: just before a write the violation is checked again with it. */
  policies: readonly CompiledPolicy[];
  /** Stops before the next change (--timeout, Ctrl-C); a write in flight finishes and is recorded. */
  signal?: AbortSignal;
  /**
   * The opt-in tag (`--tag`, the deployment's `remediationTag`): a room that does not carry it when
   * re-read just before the write is skipped, whatever the plan said.
   */
  requireTag?: { key: string; value: string };
  /**
   * Changes the trail already records as applied (`appliedFixes`), by change id: a plan applied
   * again skips them, untouched and not recorded again.
   */
  applied?: ReadonlyMap<string, PriorApplication>;
}

export interface ApplyResult {
  /** Guards the plan exceeds: when any, nothing was written. */
  tripped: string[];
  /** What this run did with each change it reached, as recorded in the trail. */
  entries: TrailEntry[];
  /** Changes of the plan an earlier run applied (`ExecutorOptions.applied`), by change id. */
  alreadyApplied: Map<string, PriorApplication>;
}

/**
 * Executes a plan: the guards first (over any guard, nothing is written), then change by change,
 * at the write budget: GetRoom again, skip the room if its updateTime moved since the plan or the
 * violation no longer holds, UpdateRoom at once, then GetRoom once more to verify every field sent. Every change, skipped or
 * failed ones too, goes to the trail as it happens. Knows nothing of the SDK, the CLI or the Lambda.
 */
export async function applyPlan(
  plan: RemediationPlan,
  guards: Guards,
  options: ExecutorOptions,
): Promise<ApplyResult> {
  const tripped = guardProblems(plan, guards);
  if (tripped.length > 0) return { tripped, entries: [], alreadyApplied: new Map() };
  const evaluator = new Evaluator(options.policies, { cache: false });
  const byId = new Map(options.policies.map((p) => [p.policy.id, p]));
  // A room this run wrote has a new updateTime; the next change to it expects that one.
  const written = new Map<string, string | undefined>();
  const entries: TrailEntry[] = [];
  const alreadyApplied = new Map<string, PriorApplication>();
  for (const change of plan.changes) {
    if (options.signal?.aborted) break;
    const prior = options.applied?.get(change.changeId);
    if (prior) {
      alreadyApplied.set(change.changeId, prior);
      // The room's next change in this plan expects the room as that run left it.
      written.set(change.roomArn, (prior.undone ?? prior.applied).updateTimeAfter);
      continue;
    }
    const expected = written.has(change.roomArn) ? written.get(change.roomArn) : change.updateTime;
    const entry = await write(change, expected, options, { kind: 'fix', since: 'the plan' }, (room) => {
      const policy = byId.get(change.policyId);
      if (!policy) return `policy ${change.policyId} is not in the policy set`;
      const edited = notTheFix(change, policy, room);
      if (edited) return edited;
      // As re-read: a room tagged for the self-test since the plan was made is left alone too.
      if (isSelftestRoom(room)) return SELFTEST_ROOM_SKIPPED;
      const tag = options.requireTag;
      if (tag && !hasTag(room, tag)) return notOptedIn(tag);
      const ctx = { now: options.clock().toISOString(), accountId: change.accountId, region: change.region };
      return whyNot(evaluator, room, change.after, change.policyId, ctx);
    });
    if (entry.outcome === 'applied') written.set(change.roomArn, entry.updateTimeAfter);
    entries.push(entry);
  }
  return { tripped: [], entries, alreadyApplied };
}

/**
 * Why a change must not be written because it is not what its policy's fix sets: a plan file is
 * data, and an edited one could write any value that passes (another review handler's uri). The
 * room is the one re-read, so an earlier change of the same plan to it is counted, as the planner does.
 */
function notTheFix(change: PlannedChange, policy: CompiledPolicy, room: RoomDocument): string | undefined {
  const set = policy.policy.fix?.set;
  if (!set) return `policy ${change.policyId} has no fix`;
  const expected = fixedValues(room, set);
  if (sameValues(change.after, expected)) return undefined;
  return truncate(
    `the plan's values ${JSON.stringify(change.after)} are not what policy ${change.policyId}'s fix sets ` +
      `(${JSON.stringify(expected)}): the plan was changed after it was made; plan again`,
    1000,
  );
}

/**
 * Restores what an applied change wrote, under the same re-read guard: only if the room still has
 * the values the change wrote and is as the trail's latest applied entry for it left it (`latest`:
 * that change itself, or a later change or undo of this tool; so changes undo newest first).
 */
export async function undoChange(
  applied: TrailEntry,
  undoId: string,
  options: Omit<ExecutorOptions, 'policies'>,
  latest: TrailEntry = applied,
): Promise<TrailEntry> {
  const reverse: PlannedChange = {
    changeId: undoId,
    policyId: applied.policyId,
    accountId: applied.accountId,
    region: applied.region,
    roomArn: applied.roomArn,
    roomName: applied.roomName,
    before: applied.after,
    after: applied.before,
  };
  return write(
    reverse,
    latest.updateTimeAfter,
    options,
    { kind: 'undo', undoOf: applied.changeId, since: `change ${latest.changeId}` },
    (room) =>
      holdsValues(room, applied.after) ? undefined : 'the room no longer has the values the change wrote',
  );
}

/** One guarded write: the budget, then re-read, check, UpdateRoom, read back, record. */
async function write(
  change: PlannedChange,
  expectedUpdateTime: string | undefined,
  options: Omit<ExecutorOptions, 'policies'>,
  /** What the entry records, and what the room's expected state dates from ("the plan"). */
  what: { kind: TrailEntry['kind']; undoOf?: string; since: string },
  stillWanted: (room: RoomDocument) => string | undefined,
): Promise<TrailEntry> {
  const api = options.api(change.accountId, change.region);
  const fields = Object.keys(change.after);
  const record = async (
    outcome: TrailEntry['outcome'],
    detail: { reason?: string; before?: FieldValues; updateTimeBefore?: string; updateTimeAfter?: string },
  ): Promise<TrailEntry> => {
    const entry: TrailEntry = {
      changeId: change.changeId,
      kind: what.kind,
      ...(what.undoOf ? { undoOf: what.undoOf } : {}),
      outcome,
      ...(detail.reason ? { reason: detail.reason } : {}),
      policyId: change.policyId,
      accountId: change.accountId,
      region: change.region,
      roomArn: change.roomArn,
      roomName: change.roomName,
      before: detail.before ?? change.before,
      after: change.after,
      ...(detail.updateTimeBefore ? { updateTimeBefore: detail.updateTimeBefore } : {}),
      ...(detail.updateTimeAfter ? { updateTimeAfter: detail.updateTimeAfter } : {}),
      time: options.clock().toISOString(),
      actor: options.actor,
    };
    await options.trail.append(entry);
    return entry;
  };

  // The budget is taken first so the re-read is followed at once by the write: IVS Chat has no
  // conditional UpdateRoom, and a wait between the two would let a change made meanwhile (a new
  // review handler uri, sent back as it was read) be overwritten unseen.
  try {
    await options.writeBudget(change.accountId, change.region).acquire();
  } catch (error) {
    return record('failed', { reason: `waiting for the write budget failed: ${describe(error)}` });
  }
  let current: RoomDocument;
  try {
    current = await api.getRoom(change.roomArn);
  } catch (error) {
    if (error instanceof RoomGoneError)
      return record('skipped', { reason: `the room was deleted since ${what.since}` });
    return record('failed', { reason: `GetRoom failed: ${describe(error)}` });
  }
  const seen = {
    before: fieldValues(current, fields),
    ...(current.updateTime ? { updateTimeBefore: current.updateTime } : {}),
  };
  if (current.updateTime !== expectedUpdateTime) {
    return record('skipped', {
      ...seen,
      reason: `the room changed since ${what.since} (updateTime ${expectedUpdateTime ?? 'unknown'}, now ${current.updateTime ?? 'unknown'})`,
    });
  }
  const reason = stillWanted(current);
  if (reason) return record('skipped', { ...seen, reason });

  const input = updateRoomFields(current, change.after);
  try {
    await api.updateRoom({ identifier: change.roomArn, ...input });
  } catch (error) {
    return record('failed', { ...seen, reason: `UpdateRoom failed: ${describe(error)}` });
  }
  let readBack: RoomDocument;
  try {
    readBack = await api.getRoom(change.roomArn);
  } catch (error) {
    return record('failed', {
      ...seen,
      reason: `written, but the read-back GetRoom failed: ${describe(error)}`,
    });
  }
  const updateTimeAfter = readBack.updateTime ? { updateTimeAfter: readBack.updateTime } : {};
  // Every field sent, not only the ones the change sets: UpdateRoom also sent the review handler's
  // other field as it was read, and a room that reads back otherwise was changed by someone else too.
  const sent = withValues(current, change.after);
  const differs = fieldsSent(input).filter(
    (field) => !sameValue(fieldValue(readBack, field), fieldValue(sent, field)),
  );
  if (differs.length > 0) {
    const got = JSON.stringify(fieldValues(readBack, differs));
    return record('failed', {
      ...seen,
      ...updateTimeAfter,
      reason: `written, but the room reads back ${got}, not what was sent: someone else changed it at the same time; check the room`,
    });
  }
  return record('applied', { ...seen, ...updateTimeAfter });
}

/** Whether the room carries the opt-in tag (`--tag`, `remediationTag`). */
export function hasTag(doc: Pick<RoomDocument, 'tags'>, tag: { key: string; value: string }): boolean {
  const tags = doc.tags as Record<string, unknown> | undefined;
  return tags?.[tag.key] === tag.value;
}

/** Why a room without the opt-in tag is left alone: the plan, the CLI and the alert say it alike. */
export function notOptedIn(tag: { key: string; value: string }): string {
  return `not opted in: tag ${tag.key}=${tag.value} missing`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
