/**
 * `ivschat-audit audit`: the rooms (live, one or several accounts, or offline from a file) through
 * the one pipeline, the report written, then the alert published and the state recorded.
 */
import { isFailing } from '../../audit/finding-state.js';
import { type AwsConnection, snsClient } from '../../aws/clients.js';
import { DEFAULT_MEMBER_ROLE_NAME } from '../../aws/targets.js';
import { topicRegion } from '../../core/arn.js';
import { ConfigError, InputError, PublishError } from '../../core/errors.js';
import { SEVERITY_RANK, type Severity } from '../../core/types.js';
import { liveInventory } from '../../inventory/live.js';
import { type AuditRunOptions, auditRun } from '../../pipeline/run-audit.js';
import type { CompiledPolicy } from '../../policy/compile.js';
import { loadRoutesFile } from '../../policy/load-dir.js';
import type { RouteTable } from '../../policy/routes.js';
import { notEvaluatedLines, summaryLine } from '../../render/text.js';
import { describeRange } from '../../settings/parse.js';
import { SETTINGS } from '../../settings/table.js';
import { snsPublisher, snsSink } from '../../sinks/sns.js';
import { FileStateStore } from '../../state/file-store.js';
import type { StateStore } from '../../state/store.js';
import { auditAccounts, type CliAudit, checkAccounts, checkRoleName, singleAudit } from '../accounts.js';
import type { CliCommand, CommandContext } from '../command.js';
import { checkCredentials } from '../credentials.js';
import { EXIT } from '../exit-codes.js';
import { STDIN } from '../input.js';
import { oneLine, type SafeIo } from '../io.js';
import { CLI_CONNECTION, checkRegionFlags, type LiveFlags, liveSettings } from '../live-flags.js';
import { offlineInventory } from '../offline.js';
import { HOW_LONG, option, ownOption } from '../options.js';
import { checkFilePaths, STDOUT } from '../paths.js';
import { loadPolicyFolder } from '../policies-dir.js';
import { selectPolicies } from '../policy-selection.js';
import { type ReportFormat, type ReportOutput, writeReport } from '../report-output.js';
import { runLive } from '../run-bound.js';
import { VERSION } from '../version.js';

export interface AuditFlags extends LiveFlags {
  policies: string;
  policy: string[];
  skipPolicy: string[];
  input?: string;
  account: string[];
  roleName?: string;
  format: ReportFormat;
  /** `none`: findings never fail the run (exit 0 unless it is incomplete). */
  failOn: Severity | 'none';
  publish?: string;
  routes?: string;
  state?: string;
  output?: string;
  strict?: boolean;
  renotifyAfterHours: number;
  fullRefreshHours: number;
}

export function auditCommand({ io, policiesDefault }: CommandContext): CliCommand<AuditFlags> {
  return {
    name: 'audit',
    description: 'audit rooms (live via AWS, or offline from --input) and report violations',
    inputs: {
      region: option('region', 'region to audit (repeat for several; default $AWS_REGION)'),
      policies: option('policies', undefined, {
        default: policiesDefault.dir,
        defaultDescription: policiesDefault.description,
      }),
      policy: option('policy', 'evaluate only this policy (repeat for several)'),
      skipPolicy: option('skipPolicy', 'do not evaluate this policy (repeat for several)'),
      input: option(
        'input',
        'evaluate saved GetRoom documents offline: a JSON array of them, { "rooms": [...] } (what export-rooms writes), or one get-room document; - reads standard input',
      ),
      account: option(
        'account',
        "live: audit this 12-digit account (repeat for several, your own included); accounts other than the caller's are audited through --role-name",
      ),
      roleName: ownOption(
        '--role-name <name>',
        `with --account: the member role assumed in the other accounts (default ${DEFAULT_MEMBER_ROLE_NAME}, as the IvsChatAuditorMember stack creates it)`,
      ),
      endpoint: option('endpoint'),
      format: option('format'),
      failOn: option('failOn'),
      publish: ownOption(
        '--publish <topicArn>',
        'publish the alert to this SNS topic (as the scheduled Lambda does)',
      ),
      routes: ownOption(
        '--routes <file>',
        "route each finding as this routes file says (default: the --policies folder's routes.json, when it has one); the JSON report gives each finding its routes",
      ),
      state: ownOption(
        '--state <file>',
        'keep finding lifecycle (new/open/resolved) in this JSON file between runs',
      ),
      output: ownOption(
        '-o, --output <file>',
        'write the report to a file instead of stdout (- is stdout); a summary line goes to stderr',
      ),
      strict: ownOption<boolean>(
        '--strict',
        'a policy not evaluated for want of facts the rooms lack (loggingConfigurations, absent from plain get-room output) makes the audit incomplete (exit 3) instead of a warning',
      ),
      apiBudget: option('apiBudget'),
      timeout: option(
        'timeout',
        'live: stop the whole run after this long, report what was audited, and exit 3 (see "How long" below)',
      ),
      renotifyAfterHours: option(
        'renotifyAfterHours',
        `with --state: remind of still-open findings after this long (${describeRange(SETTINGS.renotifyAfterHours)})`,
      ),
      fullRefreshHours: option(
        'fullRefreshHours',
        `live, with --state: re-fetch a room with GetRoom after this long even if unchanged (${describeRange(SETTINGS.fullRefreshHours)})`,
      ),
    },
    helpAfter:
      `\n${HOW_LONG}\n` +
      'With --state a later run fetches only rooms changed since, and a run stopped by --timeout or\n' +
      'Ctrl-C continues where it stopped: the rooms it fetched are kept.\n' +
      '\nExamples:\n' +
      '  $ ivschat-audit audit --region us-east-1 --region eu-west-1\n' +
      '  $ ivschat-audit audit --region us-east-1 --account 111111111111 --account 222222222222 --role-name ivschat-auditor-member\n' +
      '  $ ivschat-audit audit --input rooms.json --format json --fail-on high\n' +
      '  $ ivschat-audit audit --input rooms.json --state .audit-state.json\n' +
      '  $ ivschat-audit audit --endpoint http://127.0.0.1:4566 --region us-east-1 --format sarif -o audit.sarif',
    run: (flags) => audit(flags, io),
  };
}

/**
 * Exit 0 clean, 1 a finding at or above --fail-on, 3 incomplete (API errors, --timeout, Ctrl-C, a
 * failed publish); bad flags, files and policies throw (exit 2).
 */
export async function audit(flags: AuditFlags, io: SafeIo): Promise<number> {
  const { accounts, output } = await checkAuditFlags(flags);
  // Built before the audit so a bad topic ARN stops the run before its first API call.
  const sinks = flags.publish ? [snsSink(publisherFor(flags.publish, flags.endpoint))] : [];
  const { policies: folder, routes: folderRoutes } = loadPolicyFolder('--policies', flags.policies);
  const routes = flags.routes ? loadRoutesFile(flags.routes) : folderRoutes;
  const policies = selectPolicies(folder, flags, flags.policies);
  // Only some policies run: the stored findings of the others must not resolve.
  const policyIds = policies.length < folder.length ? new Set(policies.map((p) => p.policy.id)) : undefined;
  const clock = io.clock ?? (() => new Date());
  // One file for both the finding lifecycle and the room cache. It holds every account's findings,
  // so it is read even when the account is unknown (the pipeline then writes nothing).
  const stateFile = flags.state ? new FileStateStore(flags.state) : undefined;
  const state = stateFile ? namedState(stateFile) : undefined;
  const run: AuditRun = {
    policies,
    routes,
    stateFile,
    state,
    accounts,
    pipeline: {
      state: () => state,
      sinks,
      clock,
      renotifyAfterHours: flags.renotifyAfterHours,
      ...(policyIds ? { policyIds } : {}),
    },
  };
  const target = flags.input ? await auditFile(flags.input, flags, io, run) : await auditLive(flags, io, run);
  await report(target, flags, io, policies, output);
  return deliver(target, flags, io);
}

/** What the audit of every account shares: the policies, the state and the pipeline's options. */
interface AuditRun {
  policies: CompiledPolicy[];
  /** The routes file (--routes, or the folder's): findings carry their routes. */
  routes: RouteTable | undefined;
  /** The --state file, which also keeps the room cache of a live run. */
  stateFile: FileStateStore | undefined;
  /** The same file, its errors naming --state. */
  state: StateStore | undefined;
  accounts: string[];
  pipeline: Omit<AuditRunOptions, 'inventory'>;
}

/** The flags that need no call and no policy checked, the files first; the output file, if any. */
async function checkAuditFlags(flags: AuditFlags): Promise<{ accounts: string[]; output?: string }> {
  checkRegionFlags(flags.region);
  const accounts = checkAccounts(flags.account);
  if (accounts.length > 0 && flags.input) {
    throw new ConfigError('--account', 'audits live accounts and cannot be combined with --input');
  }
  if (flags.roleName !== undefined) {
    if (accounts.length === 0) throw new ConfigError('--role-name', 'needs --account');
    checkRoleName(flags.roleName);
  }
  // `-o -` is stdout, as `-` is for other tools.
  const output = flags.output === STDOUT ? undefined : flags.output;
  await checkFilePaths({
    ...(flags.input && flags.input !== STDIN ? { input: flags.input } : {}),
    ...(flags.state ? { state: flags.state } : {}),
    ...(output ? { output } : {}),
  });
  return { accounts, ...(output ? { output } : {}) };
}

/** `--input`: the saved rooms, offline. */
async function auditFile(file: string, flags: AuditFlags, io: SafeIo, run: AuditRun): Promise<CliAudit> {
  return singleAudit(
    await auditRun({
      ...run.pipeline,
      inventory: offlineInventory({
        file,
        regions: flags.region,
        policies: run.policies,
        routes: run.routes,
        clock: run.pipeline.clock,
        ...(io.stdin ? { stdin: io.stdin } : {}),
      }),
    }),
  );
}

/** Live: the caller's account, or each --account in turn, under the run's --timeout. */
async function auditLive(flags: AuditFlags, io: SafeIo, run: AuditRun): Promise<CliAudit> {
  const live = liveSettings(flags, io.env);
  await checkCredentials(live.connection);
  const { clock } = run.pipeline;
  const { state } = run;
  const liveAudit = (
    connection: AwsConnection,
    signal: AbortSignal,
    onProgress: Parameters<typeof liveInventory>[0]['onProgress'],
    accountState: AuditRunOptions['state'],
  ) =>
    auditRun({
      ...run.pipeline,
      state: accountState,
      inventory: liveInventory({
        regions: live.regions,
        policies: run.policies,
        routes: run.routes,
        connection,
        apiBudgetTps: live.apiBudgetTps,
        fullRefreshHours: flags.fullRefreshHours,
        // The room cache keeps what was fetched even when the run is stopped.
        ...(run.stateFile ? { roomCache: run.stateFile } : {}),
        signal,
        ...(onProgress ? { onProgress } : {}),
        clock,
      }),
    });
  // Each account sees only its own findings of the file: one account's run never resolves, nor
  // looks up the rooms of, another's.
  const accountState = (accountId: string | undefined) =>
    state && accountId ? ownFindings(state, accountId) : undefined;
  const { result } = await runLive(flags.timeout, live.apiBudgetTps, io, async (signal, onProgress) =>
    run.accounts.length === 0
      ? singleAudit(await liveAudit(live.connection, signal, onProgress, accountState))
      : auditAccounts({
          accounts: run.accounts,
          roleName: flags.roleName ?? DEFAULT_MEMBER_ROLE_NAME,
          regions: live.regions,
          connection: live.connection,
          signal,
          clock,
          audit: (connection) => liveAudit(connection, signal, onProgress, accountState),
        }),
  );
  return result;
}

/**
 * The warnings, then the report to stdout or --output (and a summary line when it went to a file).
 * `template` writes its report through here too; `locate` places its SARIF results in the templates.
 */
export async function report(
  target: Pick<CliAudit, 'report' | 'resolved' | 'warnings'>,
  flags: Pick<AuditFlags, 'format' | 'output' | 'strict'>,
  io: SafeIo,
  policies: readonly CompiledPolicy[],
  output: string | undefined,
  locate?: ReportOutput['locate'],
): Promise<void> {
  for (const warning of target.warnings) io.stderr(`warning: ${oneLine(warning)}\n`);
  const report = target.report;
  // Text on stdout shows them in the report; JSON, SARIF, ASFF, OCSF, HTML or a file would hide them.
  if (flags.format !== 'text' || flags.output) {
    for (const line of notEvaluatedLines(report)) io.stderr(`warning: ${oneLine(line)}\n`);
  }
  // Missing facts are a warning unless the user asked for every policy to give a verdict.
  if (flags.strict && (report.notEvaluated?.length ?? 0) > 0) report.complete = false;
  // The report is written before anything is published or recorded: a report that cannot be
  // written must leave the state as it was, or its NEW findings would be lost to the next run.
  await writeReport(report, target.resolved, {
    format: flags.format,
    ...(output ? { output } : {}),
    stdout: io.stdout,
    color: Boolean(io.isTTY) && !output && !io.env.NO_COLOR,
    policies,
    toolVersion: VERSION,
    ...(locate ? { locate } : {}),
  });
  // Nothing else reaches the terminal when the report goes to a file: say what it holds and where.
  if (output) {
    const shown = { ...report, findings: [...report.findings, ...target.resolved] };
    io.stderr(`${summaryLine(shown)}; report written to ${oneLine(output)}\n`);
  }
}

/** Publishes and records, then the exit code: 3 when anything was left undone, else by --fail-on. */
async function deliver(target: CliAudit, flags: AuditFlags, io: SafeIo): Promise<number> {
  // A failed publish comes after the report (the user has it) and records nothing (exit 3).
  let publishFailure: PublishError | undefined;
  const outcome = await target.deliver().catch((error: unknown) => {
    if (!(error instanceof PublishError)) throw error;
    publishFailure = error;
    return undefined;
  });

  if (publishFailure) {
    io.stderr(`error: ${oneLine(publishFailure.message)}\n`);
    return EXIT.incomplete;
  }
  if (target.stopped) {
    const unsent = flags.publish ? '; nothing was published' : '';
    io.stderr(`error: ${target.stopped}; the report is partial${unsent}\n`);
    return EXIT.incomplete;
  }
  // Only a user who asked for delivery or state is told: the report already shows the error.
  if (target.withheld && (flags.publish || flags.state)) {
    const what = [flags.publish ? 'published' : '', flags.state ? `recorded in ${flags.state}` : '']
      .filter(Boolean)
      .join(' or ');
    io.stderr(`error: ${target.withheld}; the report is partial and nothing was ${what}\n`);
    return EXIT.incomplete;
  }
  if (flags.publish) io.stderr(`published ${outcome?.published ?? 0} message(s) to ${flags.publish}\n`);
  return exitFor(target, flags.failOn);
}

/** 3 when the report is incomplete, else 1 when a failing finding is at or above --fail-on, else 0. */
export function exitFor(target: Pick<CliAudit, 'report'>, failOn: AuditFlags['failOn']): number {
  if (!target.report.complete) return EXIT.incomplete;
  if (failOn === 'none') return EXIT.clean;
  const threshold = SEVERITY_RANK[failOn];
  const failing = target.report.findings.some((f) => isFailing(f) && SEVERITY_RANK[f.severity] >= threshold);
  return failing ? EXIT.findings : EXIT.clean;
}

/** The findings of one account in a state file that holds several accounts' findings. */
function ownFindings(store: StateStore, accountId: string): StateStore {
  return {
    load: async () =>
      new Map([...(await store.load())].filter(([, record]) => record.finding.accountId === accountId)),
    fetch: (states) => store.fetch(states),
    save: (changes, now) => store.save(changes, now),
  };
}

/** The state file's errors name the flag that gave it. */
function namedState(store: StateStore): StateStore {
  return {
    load: () => store.load().catch(namingState),
    fetch: (states) => store.fetch(states).catch(namingState),
    save: (changes, now) => store.save(changes, now).catch(namingState),
  };
}

/** The state file's own messages name the file; the user also needs to know which flag gave it. */
function namingState(error: unknown): never {
  if (error instanceof InputError) throw new InputError(`--state: ${error.message}`, { cause: error });
  throw error;
}

function publisherFor(topicArn: string, endpoint: string | undefined) {
  const region = topicRegion(topicArn);
  if (!region) throw new ConfigError('--publish', `not an SNS topic ARN: ${topicArn}`);
  // The same bounded connection as the audit: a silent endpoint must not hold the publish either.
  return snsPublisher(snsClient(region, { ...CLI_CONNECTION, ...(endpoint ? { endpoint } : {}) }), topicArn);
}
