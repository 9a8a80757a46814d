import { resolve } from 'node:path';
import type { IvschatClient } from '@aws-sdk/client-ivschat';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { Evaluator } from '../audit/evaluate.js';
import {
  changeId,
  type Guards,
  guardProblems,
  type PlanSkip,
  planRemediation,
  type RemediationPlan,
} from '../audit/remediation-plan.js';
import { type AwsConnection, ivschatClient } from '../aws/clients.js';
import { inventoryRegion } from '../aws/inventory.js';
import { RateLimiter, withApiBudget } from '../aws/rate-limit.js';
import { ConfigError, InputError } from '../core/errors.js';
import { getOrCreate } from '../core/maps.js';
import type { AuditError, Finding, RoomDocument } from '../core/types.js';
import { identifyAccount } from '../inventory/live-audit.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { applyPlan, type ExecutorOptions, hasTag, notOptedIn, undoChange } from '../remediate/apply.js';
import { callerArn, ivschatRoomApi } from '../remediate/ivschat-api.js';
import { appliedFixes, type PriorApplication, type TrailEntry } from '../remediate/trail.js';
import { FileTrail } from '../remediate/trail-file.js';
import { stripControl } from '../render/escape.js';
import { fieldLines, renderPlanText } from '../render/remediation-plan.js';
import { shellWord } from '../render/shell-word.js';
import { parseTag, SETTINGS } from '../settings/table.js';
import { checkCredentials } from './credentials.js';
import { EXIT } from './exit-codes.js';
import { type LiveFlags, liveSettings } from './live-flags.js';
import { writablePath } from './paths.js';
import { readPlanFile, writePlanFile } from './plan-file.js';
import { loadPolicyFolder } from './policies-dir.js';
import { checkPolicyIdsExist, policyOption } from './policy-selection.js';
import { runLive } from './run-bound.js';
import type { Write } from './terminal-io.js';
import { DEFAULT_PLAN_FILE, DEFAULT_TRAIL_FILE, oldTrailNote, prepareWorkDir, WORK_DIR } from './work-dir.js';

/** IVS Chat's UpdateRoom quota: 5 calls per second per account and region, shared with the application. */
export const UPDATE_ROOM_QUOTA_TPS = 5;
export const DEFAULT_WRITE_BUDGET_TPS = 1;
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

export interface RemediateIo {
  stdout: Write;
  stderr: Write;
  env: NodeJS.ProcessEnv;
  stderrIsTTY?: boolean;
  interrupt?: AbortSignal;
  clock?: () => Date;
  /** The working directory relative paths are taken from. Default process.cwd(). */
  cwd?: string;
}

/** The flags with the trail and plan files decided: defaults filled in, relative to the working directory. */
type Flags = Omit<RemediateFlags, 'trail' | 'plan'> & { trail: string; plan?: string };

/**
 * `ivschat-audit remediate`: plans by default (no write call at all), applies with --apply, undoes
 * one change with --undo. Exit 0 all applied or nothing to do, 1 guard tripped or a room skipped,
 * 2 bad input, 3 API errors.
 */
export async function remediate(given: RemediateFlags, io: RemediateIo): Promise<number> {
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
      inventory({
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

async function undo(id: string, flags: Flags, io: RemediateIo, clock: () => Date): Promise<number> {
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
  const actor = await callerArn(live.regions[0] ?? 'us-east-1', live.connection, signal);
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

interface PlanInventory {
  plan: RemediationPlan;
  errors: AuditError[];
}

/** Lists and fetches every room of the regions, evaluates them, and plans the fixes. */
async function inventory(options: {
  regions: string[];
  connection: AwsConnection;
  apiBudgetTps: number;
  policies: readonly CompiledPolicy[];
  policyIds?: ReadonlySet<string>;
  /** Only rooms carrying this tag are planned; the others are listed as not opted in. */
  tag?: { key: string; value: string };
  signal: AbortSignal;
  now: string;
}): Promise<PlanInventory> {
  const identity = await identifyAccount(
    options.regions[0] ?? 'us-east-1',
    options.connection,
    options.signal,
  );
  const errors: AuditError[] = identity.error ? [identity.error] : [];
  const accountId = identity.accountId ?? '';
  const evaluator = new Evaluator(options.policies);
  const fixable = new Set(
    options.policies
      .filter((p) => p.policy.fix && (!options.policyIds || options.policyIds.has(p.policy.id)))
      .map((p) => p.policy.id),
  );
  const findings: Finding[] = [];
  const rooms = new Map<string, RoomDocument>();
  const outside: PlanSkip[] = [];
  let roomsAudited = 0;
  await Promise.all(
    options.regions.map(async (region) => {
      const client = withApiBudget(ivschatClient(region, options.connection), options.apiBudgetTps);
      try {
        const result = await inventoryRegion({
          region,
          accountId,
          client,
          signal: options.signal,
          // Only the documents a fix may need are kept.
          onRoom: (doc) => {
            const evaluation = evaluator.evaluate(doc, { now: options.now, accountId, region });
            errors.push(...evaluation.errors);
            const relevant = evaluation.findings.filter((f) => fixable.has(f.policyId));
            if (relevant.length === 0) return;
            const { tag } = options;
            if (tag && !hasTag(doc, tag)) {
              for (const { policyId, roomArn, roomName } of relevant) {
                outside.push({ policyId, accountId, region, roomArn, roomName, reason: notOptedIn(tag) });
              }
              return;
            }
            findings.push(...relevant);
            rooms.set(doc.arn, doc);
          },
        });
        roomsAudited += result.audited.length;
        errors.push(...result.errors);
      } finally {
        client.destroy();
      }
    }),
  );
  const plan = planRemediation({
    findings,
    rooms,
    roomsAudited,
    policies: options.policies,
    ...(options.policyIds ? { policyIds: options.policyIds } : {}),
    now: options.now,
  });
  return { plan: { ...plan, skipped: [...plan.skipped, ...outside] }, errors };
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
  if (!(flags.maxPercent >= 0 && flags.maxPercent <= 100)) {
    throw new ConfigError('--max-percent', `expected a number from 0 to 100, got ${flags.maxPercent}`);
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
  checkPolicyIdsExist('--policy', ids, policies, dir);
  for (const id of ids) {
    const policy = policies.find((p) => p.policy.id === id);
    if (policy && !policy.policy.fix)
      throw new ConfigError('--policy', `policy ${id} declares no fix (${policy.file} has no "fix")`);
  }
  return new Set(ids);
}

const GUARD_FLAGS = { maxChanges: '--max-changes', maxPercent: '--max-percent' };

function guardsTripped(plan: RemediationPlan, guards: Guards, io: RemediateIo): boolean {
  const problems = guardProblems(plan, guards, GUARD_FLAGS);
  for (const p of problems) io.stderr(`guard: ${p}\n`);
  if (problems.length > 0) {
    io.stderr('nothing was changed: narrow the plan with --policy, or raise the guard after review\n');
  }
  return problems.length > 0;
}

function printEntries(entries: readonly TrailEntry[], io: RemediateIo): void {
  for (const e of entries) printLine(e.outcome, e, e.reason, io);
}

function printLine(
  outcome: TrailEntry['outcome'],
  e: Pick<TrailEntry, 'changeId' | 'region' | 'roomName' | 'roomArn' | 'policyId'>,
  reason: string | undefined,
  io: RemediateIo,
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
  io: RemediateIo,
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

/** Adds `remediate` to the CLI; the action hands its exit code to `setExit`. */
export function registerRemediate(
  program: Command,
  io: RemediateIo,
  policiesDefault: { dir: string; description: string },
  options: {
    apiBudgetHelp: string;
    apiBudget: (raw: string) => number;
    defaultApiBudget: number;
    defaultTimeout: number;
  },
  setExit: (code: number) => void,
): void {
  program
    .command('remediate')
    .description(
      'plan the UpdateRoom calls that fix violations of policies with a "fix" (no write), apply them with --apply, undo one with --undo',
    )
    .option(
      '-r, --region <region>',
      'region to remediate (repeat for several; default $AWS_REGION)',
      collect,
      [],
    )
    .addOption(
      new Option('-p, --policies <dir>', 'policy folder').default(
        policiesDefault.dir,
        policiesDefault.description,
      ),
    )
    .addOption(policyOption('only fix violations of this policy'))
    .option(
      '--max-changes <n>',
      'guard: refuse the whole plan (exit 1, nothing changed) when it has more changes',
      wholeNumber,
      DEFAULT_GUARDS.maxChanges,
    )
    .option(
      '--max-percent <p>',
      'guard: refuse the whole plan when it changes more than this percentage of the audited rooms',
      Number,
      DEFAULT_GUARDS.maxPercent,
    )
    .option(
      '--tag <key=value>',
      'only rooms carrying this tag are planned and written (the deployed auditor opts rooms in with ivschat-auditor:remediate=true)',
    )
    .option('--apply', 'execute the plan: re-read each room just before writing it, then verify the write')
    .option(
      '--plan [file]',
      `without --apply: save the plan to this file; with --apply: apply that saved plan, not a new one (file default: ${DEFAULT_PLAN_FILE})`,
    )
    .option(
      '--trail <file>',
      `the audit trail (JSONL) every change, skip and undo is appended to (default: ${DEFAULT_TRAIL_FILE}; the ${WORK_DIR}/ folder is git-ignored by its own .gitignore)`,
    )
    .option(
      '--write-budget <tps>',
      `UpdateRoom calls per second per region, at most the quota of ${UPDATE_ROOM_QUOTA_TPS} (shared with your application)`,
      Number,
      DEFAULT_WRITE_BUDGET_TPS,
    )
    .option(
      '--undo <change-id>',
      'restore what one applied change (from --trail) wrote, if the room is still as it left it',
    )
    .option('--endpoint <url>', 'AWS endpoint override, e.g. the local emulator http://127.0.0.1:4566')
    .option('--api-budget <tps>', options.apiBudgetHelp, options.apiBudget, options.defaultApiBudget)
    .option(
      '--timeout <seconds>',
      'stop the whole run after this long (exit 3)',
      positive,
      options.defaultTimeout,
    )
    .addHelpText(
      'after',
      '\nA plan makes no write call. --apply checks the guards before the first write, then, room by room,\n' +
        'reads the room again and skips it (and says why) if it changed since the plan or no longer violates\n' +
        'the policy. Exempt rooms are never written. A change the trail records as applied is not made\n' +
        'again: applying a plan twice skips it as already applied. Exit codes: 0 all applied (now or\n' +
        'before) or nothing to do, 1 guard tripped or a room skipped, 2 bad input, 3 API errors or\n' +
        'incomplete audit.\n' +
        '\nExamples:\n' +
        '  $ ivschat-audit remediate --region us-east-1 --plan        # saved to .ivschat-audit/plan.json\n' +
        '  $ ivschat-audit remediate --region us-east-1 --apply --plan\n' +
        '  $ ivschat-audit remediate --undo chg-0123456789ab',
    )
    .action(async (flags: RemediateFlags) => {
      setExit(await remediate(flags, io));
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function wholeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`expected a whole number ≥ 0, got "${value}"`);
  return n;
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
  return n;
}
