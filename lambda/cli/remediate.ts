import { resolve } from 'node:path';
import type { IvschatClient } from '@aws-sdk/client-ivschat';
import { changeId, type Guards, guardProblems, type RemediationPlan } from '../audit/remediation-plan.js';
import { type AwsConnection, ivschatClient } from '../aws/clients.js';
import { RateLimiter, withApiBudget } from '../aws/rate-limit.js';
import { firstRegionOf } from '../core/arn.js';
import { ConfigError, InputError } from '../core/errors.js';
import { getOrCreate } from '../core/maps.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { applyPlan, type ExecutorOptions, undoChange } from '../remediate/apply.js';
import { callerArn, ivschatRoomApi } from '../remediate/ivschat-api.js';
import { planLive } from '../remediate/live-plan.js';
import { appliedFixes, type PriorApplication, type TrailEntry } from '../remediate/trail.js';
import { FileTrail } from '../remediate/trail-file.js';
import { stripControl } from '../render/escape.js';
import { fieldLines, renderPlanText } from '../render/remediation-plan.js';
import { shellWord } from '../render/shell-word.js';
import { parseTag } from '../settings/checks.js';
import { parseSetting } from '../settings/parse.js';
import { SETTINGS } from '../settings/table.js';
import { checkCredentials } from './credentials.js';
import { EXIT } from './exit-codes.js';
import type { SafeIo } from './io.js';
import { type LiveFlags, liveSettings } from './live-flags.js';
import { writablePath } from './paths.js';
import { readPlanFile, writePlanFile } from './plan-file.js';
import { loadPolicyFolder } from './policies-dir.js';
import { selectPolicies } from './policy-selection.js';
import { runLive } from './run-bound.js';
import { DEFAULT_PLAN_FILE, DEFAULT_TRAIL_FILE, oldTrailNote, prepareWorkDir } from './work-dir.js';

/** IVS Chat's UpdateRoom quota: 5 calls per second per account and region, shared with the application. */
export const UPDATE_ROOM_QUOTA_TPS = 5;
export const DEFAULT_WRITE_BUDGET_TPS = 1;
/** The deployed auditor's guards, which the CLI's --max-changes and --max-percent default to. */
export const DEFAULT_GUARDS: Guards = {
  maxChanges: SETTINGS.remediationMaxChanges.default,
  maxPercent: SETTINGS.remediationMaxPercent.default,
};

export interface RemediateFlags extends LiveFlags {
  policies: string;
  policy: string[];
  maxChanges: number;
  maxPercent: number;
  apply?: boolean;
  /** A file, or `true` for `--plan` alone: the default plan file. */
  plan?: string | true;
  /** Default DEFAULT_TRAIL_FILE. */
  trail?: string;
  writeBudget: number;
  undo?: string;
  /** `key=value`: only rooms carrying this tag are planned and written. */
  tag?: string;
}

/** The flags with the trail and plan files decided: defaults filled in, relative to the working directory. */
type Flags = Omit<RemediateFlags, 'trail' | 'plan'> & { trail: string; plan?: string };

/**
 * `ivschat-audit remediate`: plans by default (no write call at all), applies with --apply, undoes
 * one change with --undo. Exit 0 all applied or nothing to do, 1 guard tripped or a room skipped,
 * 2 bad input, 3 API errors.
 */
export async function remediate(given: RemediateFlags, io: SafeIo): Promise<number> {
  const at = (path: string) => (io.cwd ? resolve(io.cwd, path) : path);
  const { plan: givenPlan, trail: givenTrail, ...rest } = given;
  const flags: Flags = {
    ...rest,
    trail: at(givenTrail ?? DEFAULT_TRAIL_FILE),
    ...(givenPlan !== undefined ? { plan: at(givenPlan === true ? DEFAULT_PLAN_FILE : givenPlan) } : {}),
  };
  checkFlags(flags);
  const clock = io.clock ?? (() => new Date());
  if (given.trail === undefined && (flags.apply || flags.undo !== undefined)) {
    const note = oldTrailNote(io.cwd ?? process.cwd());
    if (note) io.stderr(`${note}\n`);
  }
  if (flags.undo !== undefined) return undo(flags.undo, flags, io, clock);
  // The work folder is made only once the arguments and the plan file hold up.
  const prepareTrail = async () => {
    await prepareWorkDir(flags.trail);
    await writablePath('--trail', flags.trail);
  };
  const { policies } = loadPolicyFolder('--policies', flags.policies);
  const policyIds = checkPolicyIds(flags.policy, policies, flags.policies);
  const tag = checkTag(flags.tag);
  const guards: Guards = { maxChanges: flags.maxChanges, maxPercent: flags.maxPercent };

  let plan: RemediationPlan;
  let regions: string[];
  if (flags.apply && flags.plan) {
    const saved = await readPlanFile(flags.plan);
    await prepareTrail();
    plan = policyIds ? { ...saved, changes: saved.changes.filter((c) => policyIds.has(c.policyId)) } : saved;
    regions = [...new Set(plan.changes.map((c) => c.region))];
    io.stderr(`applying the plan saved in ${flags.plan} (planned ${plan.plannedAt})\n`);
  } else {
    if (flags.apply) await prepareTrail();
    if (flags.plan) {
      await prepareWorkDir(flags.plan);
      await writablePath('--plan', flags.plan);
    }
    const live = liveSettings(flags, io.env);
    regions = live.regions;
    await checkCredentials(live.connection);
    const { result, stopped } = await runLive(flags.timeout, live.apiBudgetTps, io, (signal) =>
      planLive({
        ...live,
        policies,
        policyIds,
        signal,
        now: clock().toISOString(),
        ...(tag ? { tag } : {}),
      }),
    );
    for (const e of result.errors) {
      const room = e.roomArn ? ` ${e.roomArn}` : '';
      io.stderr(`error: ${stripControl(`${e.region} ${e.operation}${room}: ${e.code} ${e.message}`)}\n`);
    }
    plan = result.plan;
    io.stdout(renderPlanText(plan));
    if (stopped || result.errors.length > 0) {
      io.stderr(
        `error: the audit is incomplete${stopped ? ` (${stopped})` : ''}: the plan may miss rooms, so nothing was changed${flags.plan ? ` and ${flags.plan} was not written` : ''}\n`,
      );
      return EXIT.incomplete;
    }
    if (flags.plan && !flags.apply) {
      await writePlanFile(flags.plan, plan);
      io.stderr(`plan saved to ${flags.plan}\n`);
    }
  }

  const tripped = guardsTripped(plan, guards, io);
  if (tripped) return EXIT.findings;
  if (plan.changes.length === 0) {
    io.stderr('nothing to do\n');
    return EXIT.clean;
  }
  if (!flags.apply) {
    const saved = flags.plan
      ? ` --plan${givenPlan === true ? '' : ` ${shellWord(flags.plan)}`}`
      : ' (it plans again; --plan FILE applies a saved plan)';
    io.stderr(
      `plan only: nothing was changed. Review it, then apply with: ivschat-audit remediate --apply${saved}\n`,
    );
    return EXIT.clean;
  }

  const live = liveSettings({ ...flags, region: regions }, io.env);
  await checkCredentials(live.connection);
  const trail = new FileTrail(flags.trail);
  // A plan applied before (the same file, twice): its changes are in the trail, not to be made again.
  const applied = appliedFixes(await trail.entries());
  const { result, stopped } = await runLive(flags.timeout, live.apiBudgetTps, io, async (signal) => {
    const accounts = [...new Set(plan.changes.map((c) => c.accountId))];
    return withExecutor(live, flags.writeBudget, trail, clock, signal, accounts, (executor) =>
      applyPlan(plan, guards, { ...executor, policies, applied, ...(tag ? { requireTag: tag } : {}) }),
    );
  });
  // The guards were checked above; the executor checks them again, for callers that skip that.
  if (result.tripped.length > 0) return EXIT.findings;
  const outcomes = printOutcomes(plan, result, io);
  io.stderr(`${summaryLine(outcomes, plan.changes.length)}; trail: ${flags.trail}\n`);
  if (stopped) {
    const left = plan.changes.length - result.entries.length - result.alreadyApplied.size;
    io.stderr(`error: ${stopped}; ${left} planned change${left === 1 ? '' : 's'} not made\n`);
    return EXIT.incomplete;
  }
  return exitFor(outcomes, plan.changes.length);
}

async function undo(id: string, flags: Flags, io: SafeIo, clock: () => Date): Promise<number> {
  const trail = new FileTrail(flags.trail);
  const entries = await trail.entries();
  if (entries.length === 0) {
    const problem = (await trail.exists()) ? 'no change is recorded in it' : 'no such file';
    throw new InputError(
      `--trail ${flags.trail}: ${problem}; --undo looks change ${id} up in the trail its --apply run wrote (pass that run's --trail)`,
    );
  }
  const applied = entries.find((e) => e.changeId === id && e.kind === 'fix' && e.outcome === 'applied');
  if (!applied) {
    const known = entries.some((e) => e.changeId === id);
    throw new InputError(
      `--undo: ${known ? `change ${id} in ${flags.trail} was not applied, so there is nothing to undo` : `no change ${id} in ${flags.trail}`}`,
    );
  }
  const undone = entries.find((e) => e.kind === 'undo' && e.undoOf === id && e.outcome === 'applied');
  if (undone) {
    io.stderr(`change ${id} was already undone by ${undone.changeId} at ${undone.time}; nothing changed\n`);
    return EXIT.findings;
  }
  // The room as this tool last left it: the change itself, or a later change or undo.
  const latest =
    entries.filter((e) => e.roomArn === applied.roomArn && e.outcome === 'applied').at(-1) ?? applied;
  const live = liveSettings({ ...flags, region: [applied.region] }, io.env);
  await checkCredentials(live.connection);
  io.stdout(
    stripControl(
      `UNDO ${id}  ${applied.accountId} ${applied.region}  ${applied.roomName || applied.roomArn}  [${applied.policyId}]`,
    ),
  );
  io.stdout('\n');
  for (const line of fieldLines(applied.after, applied.before)) io.stdout(`  ${line}\n`);
  const { result, stopped } = await runLive(flags.timeout, live.apiBudgetTps, io, async (signal) => {
    const undoId = changeId(clock().toISOString(), applied.roomArn, `undo:${id}`);
    return withExecutor(live, flags.writeBudget, trail, clock, signal, [applied.accountId], (executor) =>
      undoChange(applied, undoId, executor, latest),
    );
  });
  printEntries([result], io);
  io.stderr(`trail: ${flags.trail}\n`);
  if (stopped) io.stderr(`error: ${stopped}\n`);
  const outcome: Outcomes = { applied: 0, skipped: 0, failed: 0, alreadyApplied: 0 };
  outcome[result.outcome]++;
  return stopped ? EXIT.incomplete : exitFor(outcome, 1);
}

/** Runs `use` with the executor's calls, trail and budgets; its SDK clients are closed after. */
async function withExecutor<T>(
  live: { connection: AwsConnection; apiBudgetTps: number; regions: string[] },
  writeBudgetTps: number,
  trail: FileTrail,
  clock: () => Date,
  signal: AbortSignal,
  /** The accounts the changes are for. */
  accounts: readonly string[],
  use: (executor: Omit<ExecutorOptions, 'policies'>) => Promise<T>,
): Promise<T> {
  const actor = await callerArn(firstRegionOf(live.regions), live.connection, signal);
  // The CLI writes with one set of credentials: a change planned for another account is not theirs to make.
  const account = actor.split(':')[4];
  const foreign = accounts.find((id) => id !== account);
  if (foreign) {
    throw new ConfigError(
      '--plan',
      `a change is planned for account ${foreign}, but the credentials are of account ${account}; nothing was changed`,
    );
  }
  const clients = new Map<string, IvschatClient>();
  const budgets = new Map<string, RateLimiter>();
  const client = (region: string) =>
    getOrCreate(clients, region, () =>
      withApiBudget(ivschatClient(region, live.connection), live.apiBudgetTps),
    );
  try {
    return await use({
      actor,
      trail,
      clock,
      signal,
      api: (_accountId, region) => ivschatRoomApi(client(region), region, signal),
      // One budget per region: the quota is per account and region, and the CLI writes as one account.
      writeBudget: (_accountId, region) =>
        getOrCreate(budgets, region, () => new RateLimiter(writeBudgetTps)),
    });
  } finally {
    for (const c of clients.values()) c.destroy();
  }
}

function checkTag(raw: string | undefined): { key: string; value: string } | undefined {
  if (raw === undefined) return undefined;
  const tag = parseTag(raw);
  if (!tag) {
    throw new ConfigError(
      '--tag',
      `"${raw}" is not a tag as key=value (key 1–128 characters, not starting with aws:), e.g. ivschat-auditor:remediate=true`,
    );
  }
  return tag;
}

function checkFlags(flags: Flags): void {
  if (!Number.isInteger(flags.maxChanges) || flags.maxChanges < 0) {
    throw new ConfigError('--max-changes', `expected a whole number ≥ 0, got ${flags.maxChanges}`);
  }
  // The deployed guard's range; read after parsing so the message names the flag.
  const percent = SETTINGS.remediationMaxPercent;
  if (!parseSetting(percent, flags.maxPercent).ok) {
    throw new ConfigError(
      '--max-percent',
      `expected a number from ${percent.min} to ${percent.max}, got ${flags.maxPercent}`,
    );
  }
  if (!(flags.writeBudget > 0 && flags.writeBudget <= UPDATE_ROOM_QUOTA_TPS)) {
    throw new ConfigError(
      '--write-budget',
      `expected more than 0 and at most the UpdateRoom quota of ${UPDATE_ROOM_QUOTA_TPS} calls per second, got ${flags.writeBudget}`,
    );
  }
  if (flags.undo !== undefined) {
    if (!/^chg-[0-9a-f]{12}$/.test(flags.undo)) {
      throw new ConfigError(
        '--undo',
        `"${stripControl(flags.undo)}" is not a change id (chg- and 12 hex digits, as the plan and the trail show them)`,
      );
    }
    if (flags.apply || flags.plan)
      throw new ConfigError('--undo', 'cannot be combined with --apply or --plan');
  }
}

function checkPolicyIds(
  ids: readonly string[],
  policies: readonly CompiledPolicy[],
  dir: string,
): ReadonlySet<string> | undefined {
  if (ids.length === 0) return undefined;
  // The selection audit makes (an unknown id refused, the nearest one suggested), then: each must fix.
  const selected = new Map(selectPolicies(policies, { policy: [...ids] }, dir).map((p) => [p.policy.id, p]));
  for (const id of ids) {
    const policy = selected.get(id);
    if (policy && !policy.policy.fix)
      throw new ConfigError('--policy', `policy ${id} declares no fix (${policy.file} has no "fix")`);
  }
  return new Set(ids);
}

const GUARD_FLAGS = { maxChanges: '--max-changes', maxPercent: '--max-percent' };

function guardsTripped(plan: RemediationPlan, guards: Guards, io: SafeIo): boolean {
  const problems = guardProblems(plan, guards, GUARD_FLAGS);
  for (const p of problems) io.stderr(`guard: ${p}\n`);
  if (problems.length > 0) {
    io.stderr('nothing was changed: narrow the plan with --policy, or raise the guard after review\n');
  }
  return problems.length > 0;
}

function printEntries(entries: readonly TrailEntry[], io: SafeIo): void {
  for (const e of entries) printLine(e.outcome, e, e.reason, io);
}

function printLine(
  outcome: TrailEntry['outcome'],
  e: Pick<TrailEntry, 'changeId' | 'region' | 'roomName' | 'roomArn' | 'policyId'>,
  reason: string | undefined,
  io: SafeIo,
): void {
  const word = { applied: 'APPLIED', skipped: 'SKIPPED', failed: 'FAILED ' }[outcome];
  io.stdout(
    stripControl(
      `${word} ${e.changeId}  ${e.region}  ${e.roomName || e.roomArn}  [${e.policyId}]${reason ? `: ${reason}` : ''}`,
    ),
  );
  io.stdout('\n');
}

/** How an --apply run left the plan's changes: what it did, and what earlier runs had done. */
interface Outcomes {
  applied: number;
  skipped: number;
  failed: number;
  /** Skipped because an earlier run applied them (and nobody undid them): nothing left to do. */
  alreadyApplied: number;
}

/** One line per change, in the plan's order: this run's outcome, or that an earlier run applied it. */
function printOutcomes(
  plan: RemediationPlan,
  result: { entries: readonly TrailEntry[]; alreadyApplied: ReadonlyMap<string, PriorApplication> },
  io: SafeIo,
): Outcomes {
  const made = new Map(result.entries.map((e) => [e.changeId, e]));
  const outcomes: Outcomes = { applied: 0, skipped: 0, failed: 0, alreadyApplied: 0 };
  for (const change of plan.changes) {
    const entry = made.get(change.changeId);
    if (entry) {
      outcomes[entry.outcome]++;
      printEntries([entry], io);
      continue;
    }
    const prior = result.alreadyApplied.get(change.changeId);
    if (!prior) continue;
    outcomes.skipped++;
    const { applied, undone } = prior;
    let reason = `already applied (${applied.changeId}, ${applied.time})`;
    if (undone)
      reason += `, then undone (${undone.changeId}, ${undone.time}); plan again to fix the room anew`;
    else outcomes.alreadyApplied++;
    printLine('skipped', change, reason, io);
  }
  return outcomes;
}

/** The run in one line: `2 applied, 1 skipped (1 already applied), 0 failed`, and what was not reached. */
function summaryLine(o: Outcomes, planned: number): string {
  const already = o.alreadyApplied > 0 ? ` (${o.alreadyApplied} already applied)` : '';
  const left = planned - o.applied - o.skipped - o.failed;
  return `${o.applied} applied, ${o.skipped} skipped${already}, ${o.failed} failed${left > 0 ? `, ${left} not reached` : ''}`;
}

/**
 * 3 when a call failed, 1 when a change was skipped or not reached, else 0. A change an earlier run
 * applied is done: applying a plan twice exits as the first run did when that one applied everything.
 */
function exitFor(o: Outcomes, planned: number): number {
  if (o.failed > 0) return EXIT.incomplete;
  if (o.applied + o.skipped + o.failed < planned || o.skipped > o.alreadyApplied) return EXIT.findings;
  return EXIT.clean;
}
