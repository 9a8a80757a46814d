import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { type AwsConnection, dynamodbClient, snsClient, topicRegion } from '../aws/clients.js';
import { DEFAULT_MEMBER_ROLE_NAME } from '../aws/targets.js';
import { escapeControlCharacters } from '../core/control-chars.js';
import { AuditorError, ConfigError, InputError, PolicySetError, PublishError } from '../core/errors.js';
import { SEVERITIES, SEVERITY_RANK, type Severity } from '../core/types.js';
import { liveInventory } from '../inventory/live.js';
import { type AuditRunOptions, auditRun } from '../pipeline/run-audit.js';
import { runExamples } from '../policy/examples.js';
import { stripControl } from '../render/escape.js';
import { notEvaluatedLines, summaryLine } from '../render/text.js';
import { describeRange, type NumberSetting, parseSetting, SETTINGS } from '../settings/table.js';
import { snsPublisher, snsSink } from '../sinks/sns.js';
import { FileStateStore } from '../state/file-store.js';
import { RoomSnapshotStore } from '../state/room-snapshot.js';
import type { StateStore } from '../state/store.js';
import { auditAccounts, type CliAudit, checkAccounts, checkRoleName, singleAudit } from './accounts.js';
import { anyCaseChoices } from './choices.js';
import { checkCredentials } from './credentials.js';
import { EXIT } from './exit-codes.js';
import { exportRooms } from './export-rooms.js';
import { exportSnapshot } from './export-snapshot.js';
import { STDIN } from './input.js';
import {
  CLI_CONNECTION,
  checkRegionFlags,
  DEFAULT_TIMEOUT_SECONDS,
  type LiveFlags,
  liveSettings,
} from './live-flags.js';
import { offlineInventory } from './offline.js';
import { checkFilePaths, STDOUT, writablePath } from './paths.js';
import { addPoliciesDiff } from './policies-diff-command.js';
import { defaultPoliciesDir, loadPolicyFolder } from './policies-dir.js';
import { loadPolicies } from './policies-source.js';
import { policyOption, selectPolicies, skipPolicyOption } from './policy-selection.js';
import { registerRemediate } from './remediate.js';
import { REPORT_FORMATS, type ReportFormat, writeReport } from './report-output.js';
import { runLive } from './run-bound.js';
import { terminalIo } from './terminal-io.js';

export { EXIT };

/** The streams and surroundings the CLI runs in; runCli prints only through terminalIo(io). */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  isTTY?: boolean;
  /** stderr is a terminal: live commands show their progress there. */
  stderrIsTTY?: boolean;
  /** Aborts when the user presses Ctrl-C: a live run stops and reports what it got. */
  interrupt?: AbortSignal;
  /** What `--input -` reads. Default process.stdin. */
  stdin?: Readable;
  /** The working directory (its ./policies is the default policy folder). Default process.cwd(). */
  cwd?: string;
  /** The clock, read once for the run's `now` (and for its finishing time). Default: the system's. */
  clock?: () => Date;
}

/** CliIo whose stdout and stderr make every piece of text inert (see terminalIo). */
export type SafeIo = ReturnType<typeof terminalIo<CliIo>>;

interface AuditFlags extends LiveFlags {
  policies: string;
  input?: string;
  format: ReportFormat;
  /** `none`: findings never fail the run (exit 0 unless it is incomplete). */
  failOn: Severity | 'none';
  publish?: string;
  state?: string;
  output?: string;
  renotifyAfterHours: number;
  fullRefreshHours: number;
  account: string[];
  roleName?: string;
  policy: string[];
  skipPolicy: string[];
  strict?: boolean;
}

interface ExportFlags extends LiveFlags {
  output: string;
  fromTable?: string;
  account: string[];
}

const HOW_LONG =
  'How long: a live run fetches every room with GetRoom at --api-budget calls per second, regions in\n' +
  'parallel, so it needs about (rooms in the largest region) ÷ --api-budget seconds: 10,000 rooms at\n' +
  `the default ${SETTINGS.apiBudgetTps.default}/s take ${10_000 / SETTINGS.apiBudgetTps.default} s. Raise --timeout (default ${DEFAULT_TIMEOUT_SECONDS} s) to fit.`;

const API_BUDGET_HELP =
  `client-side calls per second per region and operation, ${describeRange(SETTINGS.apiBudgetTps)} ` +
  '(the IVS Chat quota, shared with your application); above it only with --endpoint';

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** Runs the CLI and returns its exit code (never calls process.exit, so tests run it in-process). */
export async function runCli(argv: string[], rawIo: CliIo): Promise<number> {
  const io = terminalIo(rawIo);
  let exitCode: number = EXIT.clean;
  const policiesDefault = defaultPoliciesDir(io.cwd ?? process.cwd());
  const program = new Command('ivschat-audit')
    .description(
      'Audit Amazon IVS Chat rooms against JSON-Schema policies.\n\n' +
        'Exit codes: 0 clean, 1 findings at or above --fail-on, 2 bad usage/config/policy, 3 audit incomplete.',
    )
    .version(VERSION, '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('audit')
    .description('audit rooms (live via AWS, or offline from --input) and report violations')
    .option('-r, --region <region>', 'region to audit (repeat for several; default $AWS_REGION)', collect, [])
    .addOption(
      new Option('-p, --policies <dir>', 'policy folder').default(
        policiesDefault.dir,
        policiesDefault.description,
      ),
    )
    .addOption(policyOption('evaluate only this policy'))
    .addOption(skipPolicyOption('do not evaluate this policy'))
    .option(
      '-i, --input <rooms.json>',
      'evaluate saved GetRoom documents offline: a JSON array of them, { "rooms": [...] } (what export-rooms writes), or one get-room document; - reads standard input',
    )
    .option(
      '--account <id>',
      "live: audit this 12-digit account (repeat for several, your own included); accounts other than the caller's are audited through --role-name",
      collect,
      [],
    )
    .option(
      '--role-name <name>',
      `with --account: the member role assumed in the other accounts (default ${DEFAULT_MEMBER_ROLE_NAME}, as the IvsChatAuditorMember stack creates it)`,
    )
    .option('--endpoint <url>', 'AWS endpoint override, e.g. the local emulator http://127.0.0.1:4566')
    .addOption(
      new Option('-f, --format <format>', 'output format').choices([...REPORT_FORMATS]).default('text'),
    )
    .addOption(
      new Option(
        '--fail-on <severity>',
        'exit 1 when a finding is at or above this severity; none: never exit 1 for findings',
      )
        .choices([...SEVERITIES, 'none'])
        .default('info'),
    )
    .option('--publish <topicArn>', 'publish the alert to this SNS topic (as the scheduled Lambda does)')
    .option('--state <file>', 'keep finding lifecycle (new/open/resolved) in this JSON file between runs')
    .option(
      '-o, --output <file>',
      'write the report to a file instead of stdout (- is stdout); a summary line goes to stderr',
    )
    .option(
      '--strict',
      'a policy not evaluated for want of facts the rooms lack (loggingConfigurations, absent from plain get-room output) makes the audit incomplete (exit 3) instead of a warning',
    )
    .option('--api-budget <tps>', API_BUDGET_HELP, apiBudgetArgument, SETTINGS.apiBudgetTps.default)
    .option(
      '--timeout <seconds>',
      'live: stop the whole run after this long, report what was audited, and exit 3 (see "How long" below)',
      number,
      DEFAULT_TIMEOUT_SECONDS,
    )
    .option(
      '--renotify-after-hours <hours>',
      `with --state: remind of still-open findings after this long (${describeRange(SETTINGS.renotifyAfterHours)})`,
      (raw: string) => settingArgument(SETTINGS.renotifyAfterHours, raw),
      SETTINGS.renotifyAfterHours.default,
    )
    .option(
      '--full-refresh-hours <hours>',
      `live, with --state: re-fetch a room with GetRoom after this long even if unchanged (${describeRange(SETTINGS.fullRefreshHours)})`,
      (raw: string) => settingArgument(SETTINGS.fullRefreshHours, raw),
      SETTINGS.fullRefreshHours.default,
    )
    .addHelpText(
      'after',
      `\n${HOW_LONG}\n` +
        'With --state a later run fetches only rooms changed since, and a run stopped by --timeout or\n' +
        'Ctrl-C continues where it stopped: the rooms it fetched are kept.\n' +
        '\nExamples:\n' +
        '  $ ivschat-audit audit --region us-east-1 --region eu-west-1\n' +
        '  $ ivschat-audit audit --region us-east-1 --account 111111111111 --account 222222222222 --role-name ivschat-auditor-member\n' +
        '  $ ivschat-audit audit --input rooms.json --format json --fail-on high\n' +
        '  $ ivschat-audit audit --input rooms.json --state .audit-state.json\n' +
        '  $ ivschat-audit audit --endpoint http://127.0.0.1:4566 --region us-east-1 --format sarif -o audit.sarif',
    )
    .action(async (flags: AuditFlags) => {
      exitCode = await audit(flags, io);
    });

  program
    .command('export-rooms')
    .description(
      "save every room's GetRoom document to a file that `audit --input` reads (live via AWS or --endpoint)",
    )
    .requiredOption(
      '-o, --output <rooms.json>',
      'the file to write: { "rooms": [GetRoom documents], "regions": [the regions exported] }',
    )
    .option(
      '-r, --region <region>',
      'region to export (repeat for several; default $AWS_REGION)',
      collect,
      [],
    )
    .option('--endpoint <url>', 'AWS endpoint override, e.g. the local emulator http://127.0.0.1:4566')
    .option('--api-budget <tps>', API_BUDGET_HELP, apiBudgetArgument, SETTINGS.apiBudgetTps.default)
    .option('--timeout <seconds>', 'stop the whole export after this long', number, DEFAULT_TIMEOUT_SECONDS)
    .option(
      '--from-table <table>',
      "no IVS Chat call: the rooms the deployed auditor's last complete audits saw, from its state table " +
        '(in $AWS_REGION; needs only dynamodb:Query on it); --region then filters (default: every region)',
    )
    .option('--account <id>', 'with --from-table: only this account (repeat for several)', collect, [])
    .addHelpText(
      'after',
      `\n${HOW_LONG}\n` +
        '\nAn incomplete export (API errors, --timeout, Ctrl-C) writes what it got to <rooms.json>.partial,\n' +
        'leaves <rooms.json> as it was, and exits 3: `audit --input` takes its file as every room there is.\n' +
        '\nExamples:\n' +
        '  $ ivschat-audit export-rooms --region us-east-1 -o rooms.json && ivschat-audit audit --input rooms.json\n' +
        '  $ AWS_REGION=us-east-1 ivschat-audit export-rooms --from-table <state table> -o rooms.json',
    )
    .action(async (flags: ExportFlags) => {
      exitCode = await exportCommand(flags, io);
    });

  registerRemediate(
    program,
    io,
    policiesDefault,
    {
      apiBudgetHelp: API_BUDGET_HELP,
      apiBudget: apiBudgetArgument,
      defaultApiBudget: SETTINGS.apiBudgetTps.default,
      defaultTimeout: DEFAULT_TIMEOUT_SECONDS,
    },
    (code) => {
      exitCode = code;
    },
  );

  const policies = program.command('policies').description('validate and test policy files');
  policies
    .command('check')
    .description('check that every policy file is valid, ids are unique and rules compile')
    .addArgument(policiesDirArgument(policiesDefault))
    .action((dir: string) => {
      const { policies: loaded, warnings } = loadPolicies(
        dir,
        policiesDefault.dir,
        new Date().toISOString(),
        'dir',
      );
      for (const w of warnings) io.stderr(`warning: ${oneLine(w.message)}\n`);
      const count = loaded.length === 1 ? '1 policy' : `${loaded.length} policies`;
      io.stdout(`${count} OK: ${loaded.map((p) => p.policy.id).join(', ')}\n`);
    });
  policies
    .command('test')
    .description("run every policy's examples: each pass example must pass and each fail example must fail")
    .addArgument(policiesDirArgument(policiesDefault))
    .action((dir: string) => {
      const { policies: loaded } = loadPolicies(dir, policiesDefault.dir, new Date().toISOString(), 'dir');
      const results = runExamples(loaded, new Date().toISOString());
      for (const p of results.policies) {
        const mark = p.failures.length === 0 ? 'ok  ' : 'FAIL';
        io.stdout(`${mark} ${p.id} (${p.passExamples} pass, ${p.failExamples} fail examples)\n`);
        // Policy files are untrusted input here (a pull request): no control characters reach the log.
        for (const f of p.failures) {
          io.stdout(`     ${stripControl(`${f.file} ${f.example} (${f.arn}): ${f.problem}`)}\n`);
        }
      }
      const total = results.policies.reduce((n, p) => n + p.passExamples + p.failExamples, 0);
      io.stdout(`examples: ${total - results.failures.length} passed, ${results.failures.length} failed\n`);
      if (results.failures.length > 0) exitCode = EXIT.findings;
    });

  addPoliciesDiff(policies, policiesDefault, io, (code) => {
    exitCode = code;
  });

  anyCaseChoices(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    return handleError(error, io);
  }
}

async function audit(flags: AuditFlags, io: SafeIo): Promise<number> {
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
  // Built before the audit so a bad topic ARN stops the run before its first API call.
  const sinks = flags.publish ? [snsSink(publisherFor(flags.publish, flags.endpoint))] : [];
  const { policies: folder } = loadPolicyFolder('--policies', flags.policies);
  const policies = selectPolicies(folder, flags, flags.policies);
  // Only some policies run: the stored findings of the others must not resolve.
  const policyIds = policies.length < folder.length ? new Set(policies.map((p) => p.policy.id)) : undefined;
  const clock = io.clock ?? (() => new Date());
  // One file for both the finding lifecycle and the room cache. It holds every account's findings,
  // so it is read even when the account is unknown (the pipeline then writes nothing).
  const stateFile = flags.state ? new FileStateStore(flags.state) : undefined;
  const state = stateFile ? namedState(stateFile) : undefined;
  const pipeline = {
    state: () => state,
    sinks,
    clock,
    renotifyAfterHours: flags.renotifyAfterHours,
    ...(policyIds ? { policyIds } : {}),
  };
  let target: CliAudit;
  if (flags.input) {
    target = singleAudit(
      await auditRun({
        ...pipeline,
        inventory: offlineInventory({
          file: flags.input,
          regions: flags.region,
          policies,
          clock,
          ...(io.stdin ? { stdin: io.stdin } : {}),
        }),
      }),
    );
  } else {
    const live = liveSettings(flags, io.env);
    await checkCredentials(live.connection);
    const liveAudit = (
      connection: AwsConnection,
      signal: AbortSignal,
      onProgress: Parameters<typeof liveInventory>[0]['onProgress'],
      accountState: AuditRunOptions['state'],
    ) =>
      auditRun({
        ...pipeline,
        state: accountState,
        inventory: liveInventory({
          regions: live.regions,
          policies,
          connection,
          apiBudgetTps: live.apiBudgetTps,
          fullRefreshHours: flags.fullRefreshHours,
          // The room cache keeps what was fetched even when the run is stopped.
          ...(stateFile ? { roomCache: stateFile } : {}),
          signal,
          ...(onProgress ? { onProgress } : {}),
          clock,
        }),
      });
    // Each account sees only its own findings of the file: one account's run never resolves, nor
    // looks up the rooms of, another's.
    const accountState = (accountId: string | undefined) =>
      state && accountId ? ownFindings(state, accountId) : undefined;
    ({ result: target } = await runLive(flags.timeout, live.apiBudgetTps, io, async (signal, onProgress) =>
      accounts.length === 0
        ? singleAudit(await liveAudit(live.connection, signal, onProgress, accountState))
        : auditAccounts({
            accounts,
            roleName: flags.roleName ?? DEFAULT_MEMBER_ROLE_NAME,
            regions: live.regions,
            connection: live.connection,
            signal,
            clock,
            audit: (connection) => liveAudit(connection, signal, onProgress, accountState),
          }),
    ));
  }
  for (const warning of target.warnings) io.stderr(`warning: ${oneLine(warning)}\n`);
  const report = target.report;
  // Text on stdout shows them in the report; JSON, SARIF, ASFF or a file would hide them.
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
  });
  // Nothing else reaches the terminal when the report goes to a file: say what it holds and where.
  if (output) {
    const shown = { ...report, findings: [...report.findings, ...target.resolved] };
    io.stderr(`${summaryLine(shown)}; report written to ${oneLine(output)}\n`);
  }
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

  if (!report.complete) return EXIT.incomplete;
  if (flags.failOn === 'none') return EXIT.clean;
  const threshold = SEVERITY_RANK[flags.failOn];
  const failing = report.findings.some(
    (f) => (f.status === 'new' || f.status === 'open') && SEVERITY_RANK[f.severity] >= threshold,
  );
  return failing ? EXIT.findings : EXIT.clean;
}

async function exportCommand(flags: ExportFlags, io: SafeIo): Promise<number> {
  if (flags.fromTable) return exportFromTable(flags, flags.fromTable, io);
  if (flags.account.length > 0) {
    throw new ConfigError(
      '--account',
      "only with --from-table (a live export reads the credentials' account)",
    );
  }
  const live = liveSettings(flags, io.env);
  refuseStdout(flags.output);
  await writablePath('--output', flags.output);
  await checkCredentials(live.connection);
  const { result, stopped } = await runLive(flags.timeout, live.apiBudgetTps, io, (signal, onProgress) =>
    exportRooms({ ...live, output: flags.output, signal, ...(onProgress ? { onProgress } : {}) }),
  );
  for (const e of result.errors) {
    const room = e.roomArn ? ` ${e.roomArn}` : '';
    io.stderr(`error: ${stripControl(`${e.region} ${e.operation}${room}: ${e.code} ${e.message}`)}\n`);
  }
  const rooms = result.rooms === 1 ? '1 room' : `${result.rooms} rooms`;
  io.stdout(`${rooms} from ${live.regions.join(', ')} written to ${result.path}\n`);
  if (result.complete) return EXIT.clean;
  io.stderr(`error: export incomplete${stopped ? ` (${stopped})` : ''}: ${flags.output} was not written\n`);
  return EXIT.incomplete;
}

async function exportFromTable(flags: ExportFlags, tableName: string, io: SafeIo): Promise<number> {
  checkRegionFlags(flags.region);
  const accounts = checkAccounts(flags.account);
  if (flags.endpoint && !URL.canParse(flags.endpoint)) {
    throw new ConfigError('--endpoint', `not a URL: "${flags.endpoint}" (e.g. http://127.0.0.1:8000)`);
  }
  const tableRegion = io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION ?? '';
  if (!tableRegion) throw new ConfigError('AWS_REGION', "is not set: it names the state table's region");
  refuseStdout(flags.output);
  await writablePath('--output', flags.output);
  const connection = { ...CLI_CONNECTION, ...(flags.endpoint ? { endpoint: flags.endpoint } : {}) };
  await checkCredentials(connection);
  const client = dynamodbClient(tableRegion, connection);
  try {
    const result = await exportSnapshot({
      store: new RoomSnapshotStore(client, tableName),
      accounts,
      regions: [...new Set(flags.region)],
      output: flags.output,
    });
    for (const s of result.snapshots) {
      io.stderr(`${s.accountId}/${s.region}: ${s.rooms} room(s) as of ${s.takenAt}\n`);
    }
    if (result.snapshots.length === 0) {
      io.stderr(
        `error: state table ${tableName} holds no room snapshot${accounts.length || flags.region.length ? ' for the accounts and regions asked' : ''}: the auditor writes one after each complete audit of a target\n`,
      );
    }
    const missing = result.missing.join(', ');
    if (missing) io.stderr(`${result.complete ? 'note' : 'error'}: no snapshot of ${missing}\n`);
    const rooms = result.rooms === 1 ? '1 room' : `${result.rooms} rooms`;
    const covered = result.regions.length > 0 ? ` (complete for ${result.regions.join(', ')})` : '';
    io.stdout(`${rooms} from state table ${tableName} written to ${result.path}${covered}\n`);
    if (result.complete) return EXIT.clean;
    io.stderr(`error: export incomplete: ${flags.output} was not written\n`);
    return EXIT.incomplete;
  } finally {
    client.destroy();
  }
}

/**
 * export-rooms writes a file only: an incomplete export goes to `<file>.partial` so it is never
 * taken for every room there is, and stdout cannot be set aside like that.
 */
function refuseStdout(output: string): void {
  if (output === STDOUT) {
    throw new ConfigError(
      '--output',
      '- (standard output) is not supported by export-rooms: an incomplete export is kept apart as <file>.partial, which stdout cannot be; name a file',
    );
  }
}

/** The state file's own messages name the file; the user also needs to know which flag gave it. */
function namingState(error: unknown): never {
  if (error instanceof InputError) throw new InputError(`--state: ${error.message}`, { cause: error });
  throw error;
}

function policiesDirArgument(policiesDefault: { dir: string; description: string }): Argument {
  return new Argument(
    '[dir]',
    "policy folder, or a git ref (a pull request's head) whose copy of the default policy folder is read with git",
  ).default(policiesDefault.dir, policiesDefault.description);
}

/** The findings of one account in a state file that holds several accounts' findings. */
function ownFindings(store: StateStore, accountId: string): StateStore {
  return {
    load: async () =>
      new Map([...(await store.load())].filter(([, record]) => record.finding.accountId === accountId)),
    save: (changes, now) => store.save(changes, now),
  };
}

/** The state file's errors name the flag that gave it. */
function namedState(store: StateStore): StateStore {
  return {
    load: () => store.load().catch(namingState),
    save: (changes, now) => store.save(changes, now).catch(namingState),
  };
}

function publisherFor(topicArn: string, endpoint: string | undefined) {
  const region = topicRegion(topicArn);
  if (!region) throw new ConfigError('--publish', `not an SNS topic ARN: ${topicArn}`);
  // The same bounded connection as the audit: a silent endpoint must not hold the publish either.
  return snsPublisher(snsClient(region, { ...CLI_CONNECTION, ...(endpoint ? { endpoint } : {}) }), topicArn);
}

function handleError(error: unknown, io: SafeIo): number {
  if (error instanceof CommanderError) {
    // Help and version are not errors; commander already printed its message.
    return error.exitCode === 0 ? EXIT.clean : EXIT.usage;
  }
  // A policy set's message is one line per problem, each already escaped (PolicyError).
  if (error instanceof PolicySetError) {
    io.stderr(`error: ${error.message}\n`);
    return EXIT.usage;
  }
  if (error instanceof ConfigError || error instanceof InputError) {
    io.stderr(`error: ${oneLine(error.message)}\n`);
    return EXIT.usage;
  }
  if (error instanceof AuditorError) {
    io.stderr(`error: ${oneLine(error.message)}\n`);
    return EXIT.incomplete;
  }
  const e = error as Error;
  io.stderr(
    `error: unexpected failure: ${oneLine(`${e?.name ?? 'Error'}: ${e?.message ?? String(error)}`)}\n`,
  );
  if (io.env.DEBUG) io.stderr(`${e?.stack}\n`);
  return EXIT.incomplete;
}

/**
 * A message that quotes outside text (a path, a ref, a policy file, room data) as one line: a
 * newline in it is escaped like every other control character, so it cannot start a line of its
 * own (the writer keeps newlines, which are the CLI's own line breaks).
 */
function oneLine(message: string): string {
  return escapeControlCharacters(message);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function number(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
  return n;
}

/**
 * --api-budget is read by the deployed setting's rule, except that a budget above the IVS Chat
 * quota passes here: it is allowed against an --endpoint, which liveSettings checks.
 */
function apiBudgetArgument(raw: string): number {
  const setting = SETTINGS.apiBudgetTps;
  const parsed = parseSetting(setting, raw);
  if (parsed.ok) return parsed.value;
  const aboveQuota = parseSetting({ ...setting, max: Number.MAX_SAFE_INTEGER }, raw);
  if (aboveQuota.ok) return aboveQuota.value;
  throw new InvalidArgumentError(parsed.problems.join('; '));
}

/** A flag that is also a deployment setting is read with the same rules as the stack and the Lambda. */
function settingArgument(setting: NumberSetting, raw: string): number {
  const parsed = parseSetting(setting, raw);
  if (!parsed.ok) throw new InvalidArgumentError(parsed.problems.join('; '));
  return parsed.value;
}
