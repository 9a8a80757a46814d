/**
 * The IaC drift join of one target (setting `iacDrift`): the rooms whose aws:cloudformation tags
 * claim a stack are held back from the stream, their stacks read once each (DescribeStacks every run;
 * GetTemplate only when the stack's last update is newer than the kept translation), each claim
 * verified against the stack, and the comparison (iac/drift.ts, pure) joined into the room as
 * `iacDrift` before it takes the one evaluation path. A claim that does not hold, or a stack that
 * cannot be read, leaves the built-in policy not evaluated on the room, with the reason.
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { describeDeployedStack, parseStackArn, processedTemplate } from '../aws/cloudformation-stacks.js';
import { toAuditError } from '../aws/inventory.js';
import { InputError } from '../core/errors.js';
import type { AuditError, RegionInventory, RoomDocument, Target } from '../core/types.js';
import {
  compareWithStack,
  type StackClaim,
  type StackRooms,
  stackClaimOf,
  stackRoomsOf,
  unverifiedReason,
} from '../iac/drift.js';
import { IAC_DRIFT_FIELD, IAC_DRIFT_POLICY_ID } from '../iac/drift-policy.js';
import { parseTemplateText } from '../iac/parse-template.js';
import { isStackRooms, type StackRoomsStore } from '../state/stack-rooms.js';

export interface IacDriftJoinOptions {
  client: CloudFormationClient;
  target: Target;
  /** The kept translations; without one every run reads each stack's template once. */
  store?: StackRoomsStore | undefined;
  now: Date;
  signal?: AbortSignal | undefined;
}

/** A stack as this run read it, or why it could not be compared. */
type StackOutcome =
  | { rooms: StackRooms; stackName: string; stackId: string; reason?: undefined }
  | { reason: string; rooms?: undefined };

/** Stack reads at once per target (DescribeStacks then GetTemplate, one stack after another). */
export const STACK_READS_AT_ONCE = 4;

/** The rooms held back for the join, and what the join found. */
export class IacDriftJoin {
  private readonly held: { doc: RoomDocument; claim: StackClaim }[] = [];
  readonly calls = { describeStacks: 0, getTemplate: 0 };
  readonly errors: AuditError[] = [];
  /** Room ARN → why the built-in policy could not judge it (in whole, or some of its properties). */
  readonly notes = new Map<string, DriftNote>();

  /** Stack reads in flight, and those waiting for a place. */
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  /** Set at the first AccessDenied: the target's later stacks are not read (one refusal is enough). */
  private denied: string | undefined;

  constructor(private readonly options: IacDriftJoinOptions) {}

  /** True when the room claims a stack: it is held until `join`, and evaluated then. */
  hold(doc: RoomDocument): boolean {
    const claim = stackClaimOf(doc);
    if (!claim) return false;
    this.held.push({ doc, claim });
    return true;
  }

  /** The held rooms, each with its `iacDrift` fact when its stack verified its claim. */
  async join(): Promise<RoomDocument[]> {
    const stacks = new Map<string, Promise<StackOutcome>>();
    const claims = new Map<string, number>();
    for (const { claim } of this.held) {
      const key = `${claim.stackId}\n${claim.logicalId}`;
      claims.set(key, (claims.get(key) ?? 0) + 1);
      if (!stacks.has(claim.stackId))
        stacks.set(
          claim.stackId,
          this.pooled(() => this.readStack(claim)),
        );
    }
    const out: RoomDocument[] = [];
    for (const { doc, claim } of this.held) {
      const outcome = await (stacks.get(claim.stackId) as Promise<StackOutcome>);
      const arn = String(doc.arn);
      const twins = claims.get(`${claim.stackId}\n${claim.logicalId}`) ?? 0;
      const reason =
        outcome.reason ??
        (twins > 1
          ? `${twins} rooms carry the tags of stack ${claim.stackName}'s ${claim.logicalId}: which one the stack created cannot be told from tags`
          : unverifiedReason(claim, outcome, outcome.rooms));
      if (reason !== undefined || !outcome.rooms) {
        this.notes.set(arn, { reason: reason ?? 'not compared', whole: true });
        out.push(doc);
        continue;
      }
      const { fact, notCompared } = compareWithStack(doc, claim, outcome.rooms);
      const left = Object.entries(notCompared).map(([field, why]) => `${field} not compared: ${why}`);
      if (left.length > 0) {
        const fields = Object.keys(notCompared);
        this.notes.set(arn, { reason: left.join('; '), whole: false, fields });
      }
      out.push({ ...doc, [IAC_DRIFT_FIELD]: fact });
    }
    this.held.length = 0;
    return out;
  }

  /** The notes and errors into the target's inventory (after its evaluation is written). */
  writeTo(inventory: RegionInventory): void {
    writeDriftNotes(inventory, this.notes);
    if (this.errors.length > 0) {
      inventory.errors.push(...this.errors);
      inventory.complete = false;
    }
  }

  /**
   * At most STACK_READS_AT_ONCE stack reads at a time: CloudFormation's own quotas on DescribeStacks
   * and GetTemplate are low, and each GetTemplate answer may hold up to 1 MB of template.
   */
  private async pooled<T>(task: () => Promise<T>): Promise<T> {
    while (this.active >= STACK_READS_AT_ONCE) await new Promise<void>((go) => this.waiting.push(go));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  /** An API failure as the target's error (once) and the room's reason; AccessDenied stops the reads. */
  private failed(operation: string, error: unknown): StackOutcome {
    const { target, signal } = this.options;
    const failure = toAuditError(target.region, operation, error, signal);
    const reason = `${operation} failed (${failure.code}: ${failure.message})`;
    if (/^AccessDenied/.test(failure.code)) {
      if (this.denied !== undefined) return { reason: this.denied };
      this.denied = `${reason}; no further stack of this target was read`;
    }
    this.errors.push(failure);
    return { reason };
  }

  /** One stack, once this run: DescribeStacks, then the kept translation or GetTemplate. */
  private async readStack(claim: StackClaim): Promise<StackOutcome> {
    const { client, target, store, signal } = this.options;
    if (this.denied !== undefined) return { reason: this.denied };
    const where = parseStackArn(claim.stackId);
    if (!where || where.accountId !== target.accountId || where.region !== target.region) {
      return {
        reason: `its stack-id tag ${claim.stackId} is no stack of account ${target.accountId} in ${target.region}: the tags are not a stack's`,
      };
    }
    let stack: Awaited<ReturnType<typeof describeDeployedStack>>;
    try {
      this.calls.describeStacks++;
      stack = await describeDeployedStack(client, claim.stackId, signal);
    } catch (error) {
      return this.failed('DescribeStacks', error);
    }
    if (!stack) {
      return {
        reason: `its tags name stack ${claim.stackId}, which CloudFormation does not know: the tags are not a stack's`,
      };
    }
    if (stack.status === 'DELETE_COMPLETE') {
      return { reason: `stack ${stack.stackName} was deleted: the room is no longer managed by it` };
    }
    const unsettled = unsettledReason(stack.stackName, stack.status);
    if (unsettled) return { reason: unsettled };
    // The kept translation saves a GetTemplate; a state table that cannot be read costs only that.
    // It is keyed on the status too: a rollback that leaves LastUpdatedTime where it was must not
    // reuse a translation read before it.
    const kept = await store?.get(target, stack.stackId).catch(() => undefined);
    if (isStackRooms(kept) && kept.lastUpdated === stack.lastUpdated && kept.stackStatus === stack.status) {
      return { rooms: kept, ...stack };
    }
    let rooms: StackRooms;
    try {
      this.calls.getTemplate++;
      const text = await processedTemplate(client, stack.stackId, signal);
      rooms = {
        ...stackRoomsOf(parseTemplateText(text, `stack ${stack.stackName}`).value, stack),
        stackStatus: stack.status,
      };
    } catch (error) {
      if (error instanceof InputError) {
        return { reason: `the template of stack ${stack.stackName} could not be read: ${error.message}` };
      }
      return this.failed('GetTemplate', error);
    }
    await store?.put(target, stack.stackId, rooms, this.options.now).catch(() => undefined);
    return { rooms, ...stack };
  }
}

/**
 * Why a stack in this status cannot be compared, or undefined when it can. While an operation runs
 * (`*_IN_PROGRESS`, REVIEW_IN_PROGRESS among them) GetTemplate already gives the new template
 * while the rooms may still be the old ones; a failed create or rollback leaves rooms that no
 * template describes. Neither is compared nor kept.
 */
export function unsettledReason(stackName: string, status: string): string | undefined {
  if (status.endsWith('_IN_PROGRESS')) {
    return `stack ${stackName} is being updated (${status}): its template and its rooms may not agree until it settles`;
  }
  if (UNSETTLED_FAILED.has(status)) {
    return `stack ${stackName} is in ${status}: its rooms may not be what its template declares`;
  }
  return undefined;
}

/** Failed states whose rooms no template describes (UPDATE_ROLLBACK_COMPLETE is the old template, settled). */
const UNSETTLED_FAILED = new Set([
  'CREATE_FAILED',
  'ROLLBACK_FAILED',
  'ROLLBACK_COMPLETE',
  'DELETE_FAILED',
  'UPDATE_FAILED',
  'UPDATE_ROLLBACK_FAILED',
  'IMPORT_ROLLBACK_FAILED',
]);

/**
 * The change path reads no stacks (its function has no CloudFormation grant, and a batch must stay
 * quick): the rooms it audits that claim a stack are noted as not evaluated by the built-in policy,
 * so their drift findings stay as the last scheduled run left them, neither resolved nor raised.
 */
export function leaveDriftToSchedule(inventory: RegionInventory, docs: readonly RoomDocument[]): void {
  const notes = new Map<string, DriftNote>();
  for (const doc of docs) {
    if (!stackClaimOf(doc)) continue;
    const arn = String(doc.arn);
    notes.set(arn, {
      reason: 'compared with its stack by the scheduled audit only (the change path reads no stacks)',
      whole: true,
    });
  }
  writeDriftNotes(inventory, notes);
}

/** Why the built-in policy could not judge a room: in whole (not evaluated), or some properties. */
interface DriftNote {
  reason: string;
  whole: boolean;
  /** The fields not compared (when not whole): their open findings stay as they were. */
  fields?: string[];
}

function writeDriftNotes(inventory: RegionInventory, notes: ReadonlyMap<string, DriftNote>): void {
  // By room ARN: the rooms reach the join in the order their reads finish, which is not the same
  // from one run to the next, and a report must not reorder its warnings between runs.
  const sorted = [...notes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [arn, { reason, whole, fields }] of sorted) {
    inventory.notEvaluatedReasons ??= new Map();
    inventory.notEvaluatedReasons.set(`${IAC_DRIFT_POLICY_ID}\n${arn}`, reason);
    if (!whole) {
      inventory.notEvaluatedPaths ??= new Map();
      inventory.notEvaluatedPaths.set(
        `${IAC_DRIFT_POLICY_ID}\n${arn}`,
        (fields ?? []).map(
          (field) => `/${IAC_DRIFT_FIELD}/differences/${field.replaceAll('~', '~0').replaceAll('/', '~1')}`,
        ),
      );
      continue;
    }
    inventory.notEvaluated ??= new Map();
    const rooms = inventory.notEvaluated.get(IAC_DRIFT_POLICY_ID);
    if (!rooms) inventory.notEvaluated.set(IAC_DRIFT_POLICY_ID, [arn]);
    else if (!rooms.includes(arn)) rooms.push(arn);
  }
}
