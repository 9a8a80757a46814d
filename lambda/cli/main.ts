import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { type AuditRun, auditAccount } from '../audit.js';
import { snsClient, topicRegion } from '../aws/clients.js';
import { DEFAULT_API_BUDGET_TPS, IVSCHAT_QUOTA_TPS } from '../aws/rate-limit.js';
import { isRegionName } from '../core/arn.js';
import { AuditorError, ConfigError, InputError, PolicySetError, PublishError } from '../core/errors.js';
import { reconcile, roomsWithFindings } from '../core/lifecycle.js';
import { SEVERITIES, SEVERITY_RANK, type Severity } from '../core/types.js';
import { notifyAndRecord, snsPublisher } from '../notify.js';
import { runExamples } from '../policy/examples.js';
import { DEFAULT_POLICIES_DIR, loadPolicyDir } from '../policy/load-dir.js';
import { stripControl } from '../render/escape.js';
import { FileStateStore } from '../state/file-store.js';
import { statelessStore } from '../state/store.js';
import { auditRoomsFile } from './offline.js';
import { checkFilePaths } from './paths.js';
import { writeReport } from './report-output.js';

export const EXIT = { clean: 0, findings: 1, usage: 2, incomplete: 3 } as const;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  isTTY?: boolean;
}

interface AuditFlags {
  region: string[];
  policies: string;
  input?: string;
  endpoint?: string;
  format: 'text' | 'json' | 'sarif';
  failOn: Severity;
  publish?: string;
  state?: string;
  output?: string;
  apiBudget: number;
  renotifyAfterHours: number;
}

/** Runs the CLI and returns its exit code (never calls process.exit, so tests run it in-process). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.clean;
  const program = new Command('ivschat-audit')
    .description(
      'Audit Amazon IVS Chat rooms against JSON-Schema policies.\n\n' +
        'Exit codes: 0 clean, 1 findings at or above --fail-on, 2 bad usage/config/policy, 3 audit incomplete.',
    )
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('audit')
    .description('audit rooms (live via AWS, or offline from --input) and report violations')
    .option('-r, --region <region>', 'region to audit (repeat for several; default $AWS_REGION)', collect, [])
    .option('-p, --policies <dir>', 'policy folder', DEFAULT_POLICIES_DIR)
    .option(
      '-i, --input <rooms.json>',
      'evaluate saved room documents offline (JSON array of GetRoom responses)',
    )
    .option('--endpoint <url>', 'AWS endpoint override, e.g. the local emulator http://127.0.0.1:4566')
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(['text', 'json', 'sarif']).default('text'),
    )
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity')
        .choices([...SEVERITIES])
        .default('info'),
    )
    .option('--publish <topicArn>', 'publish the alert to this SNS topic (as the scheduled Lambda does)')
    .option('--state <file>', 'keep finding lifecycle (new/open/resolved) in this JSON file between runs')
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option(
      '--api-budget <tps>',
      'client-side calls per second per region and operation, at most 5 (the IVS Chat quota) unless --endpoint is set',
      number,
      DEFAULT_API_BUDGET_TPS,
    )
    .option(
      '--renotify-after-hours <hours>',
      'with --state: remind of still-open findings after this long',
      number,
      24,
    )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ ivschat-audit audit --region us-east-1 --region eu-west-1\n' +
        '  $ ivschat-audit audit --input rooms.json --format json --fail-on high\n' +
        '  $ ivschat-audit audit --input rooms.json --state .audit-state.json\n' +
        '  $ ivschat-audit audit --endpoint http://127.0.0.1:4566 --region us-east-1 --format sarif -o audit.sarif',
    )
    .action(async (flags: AuditFlags) => {
      exitCode = await audit(flags, io);
    });

  const policies = program.command('policies').description('validate and test policy files');
  policies
    .command('check')
    .description('check that every policy file is valid, ids are unique and rules compile')
    .argument('[dir]', 'policy folder', DEFAULT_POLICIES_DIR)
    .action((dir: string) => {
      const { policies: loaded } = loadPolicyDir(dir);
      io.stdout(`${loaded.length} policies OK: ${loaded.map((p) => p.policy.id).join(', ')}\n`);
    });
  policies
    .command('test')
    .description("run every policy's examples: each pass example must pass and each fail example must fail")
    .argument('[dir]', 'policy folder', DEFAULT_POLICIES_DIR)
    .action((dir: string) => {
      const { policies: loaded } = loadPolicyDir(dir);
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

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    return handleError(error, io);
  }
}

async function audit(flags: AuditFlags, io: CliIo): Promise<number> {
  // Checked in every mode and before any work: a typo must not pass as "0 rooms, clean".
  const badRegion = flags.region.find((r) => !isRegionName(r));
  if (badRegion) throw new ConfigError('--region', `"${badRegion}" is not a region name (e.g. us-east-1)`);
  await checkFilePaths(flags);
  const { policies } = loadPolicyDir(flags.policies);
  const now = new Date().toISOString();
  // One store for both the finding lifecycle and the room cache: they share the file.
  const stateFile = flags.state ? new FileStateStore(flags.state) : undefined;
  const store = stateFile ?? statelessStore;
  const previous = await store.load();
  let run: AuditRun;
  if (flags.input) {
    const offline = await auditRoomsFile({
      file: flags.input,
      regions: flags.region,
      policies,
      previous,
      now,
    });
    for (const warning of offline.warnings) io.stderr(`warning: ${warning}\n`);
    run = offline;
  } else {
    const regions = liveRegions(flags, io);
    if (flags.endpoint && !URL.canParse(flags.endpoint)) {
      throw new ConfigError('--endpoint', `not a URL: "${flags.endpoint}" (e.g. http://127.0.0.1:4566)`);
    }
    if (flags.apiBudget > IVSCHAT_QUOTA_TPS && !flags.endpoint) {
      throw new ConfigError(
        '--api-budget',
        `${flags.apiBudget} is above the IVS Chat quota of ${IVSCHAT_QUOTA_TPS} calls per second, shared with your application`,
      );
    }
    const known = roomsWithFindings(previous);
    run = await auditAccount({
      regions,
      policies,
      connection: flags.endpoint ? { endpoint: flags.endpoint } : {},
      apiBudgetTps: flags.apiBudget,
      knownRooms: (region) => known.get(region) ?? [],
      ...(stateFile ? { roomCache: stateFile } : {}),
    });
  }

  const reconciliation = reconcile(run.report, run.inventories, previous, {
    now,
    renotifyAfterHours: flags.renotifyAfterHours,
  });
  const report = reconciliation.report;
  const accountId = run.inventories.find((i) => i.accountId)?.accountId ?? '';
  const publisher = flags.publish ? publisherFor(flags.publish, flags.endpoint) : undefined;
  const outcome = await notifyAndRecord({
    reconciliation,
    accountId,
    regions: run.inventories.map((i) => i.region),
    store,
    ...(publisher ? { publisher } : {}),
    now,
  });

  await writeReport(report, reconciliation.resolvedFindings, {
    format: flags.format,
    ...(flags.output ? { output: flags.output } : {}),
    stdout: io.stdout,
    color: Boolean(io.isTTY) && !flags.output && !io.env.NO_COLOR,
    policies,
  });
  if (flags.publish) io.stderr(`published ${outcome.published} message(s) to ${flags.publish}\n`);

  if (!report.complete) return EXIT.incomplete;
  const threshold = SEVERITY_RANK[flags.failOn];
  const failing = report.findings.some(
    (f) => (f.status === 'new' || f.status === 'open') && SEVERITY_RANK[f.severity] >= threshold,
  );
  return failing ? EXIT.findings : EXIT.clean;
}

function liveRegions(flags: AuditFlags, io: CliIo): string[] {
  const regions =
    flags.region.length > 0 ? flags.region : [io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION ?? ''];
  if (!regions[0]) throw new ConfigError('--region', 'no region given: pass --region or set AWS_REGION');
  const bad = regions.find((r) => !isRegionName(r));
  if (bad) throw new ConfigError('--region', `"${bad}" is not a region name (e.g. us-east-1)`);
  return [...new Set(regions)];
}

function publisherFor(topicArn: string, endpoint: string | undefined) {
  const region = topicRegion(topicArn);
  if (!region) throw new ConfigError('--publish', `not an SNS topic ARN: ${topicArn}`);
  return snsPublisher(snsClient(region, endpoint ? { endpoint } : {}), topicArn);
}

function handleError(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    // Help and version are not errors; commander already printed its message.
    return error.exitCode === 0 ? EXIT.clean : EXIT.usage;
  }
  if (error instanceof PolicySetError || error instanceof ConfigError || error instanceof InputError) {
    io.stderr(`error: ${error.message}\n`);
    return EXIT.usage;
  }
  if (error instanceof PublishError) {
    io.stderr(`error: ${error.message}\n`);
    return EXIT.incomplete;
  }
  if (error instanceof AuditorError) {
    io.stderr(`error: ${error.message}\n`);
    return EXIT.incomplete;
  }
  const e = error as Error;
  io.stderr(`error: unexpected failure: ${e?.name ?? 'Error'}: ${e?.message ?? String(error)}\n`);
  if (io.env.DEBUG) io.stderr(`${e?.stack}\n`);
  return EXIT.incomplete;
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
