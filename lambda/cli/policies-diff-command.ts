import { type Command, InvalidArgumentError, Option } from 'commander';
import { describeRange, parseSetting, SETTINGS } from '../settings/table.js';
import { DEFAULT_TIMEOUT_SECONDS } from './live-flags.js';
import type { SafeIo } from './main.js';
import { type DiffFlags, policiesDiff } from './policies-diff.js';
import type { DefaultPoliciesDir } from './policies-dir.js';

/**
 * Adds `ivschat-audit policies diff` (what a policy change will find, before it is merged) to
 * `policies`, whose output and exit handling it inherits.
 */
export function addPoliciesDiff(
  policies: Command,
  policiesDefault: DefaultPoliciesDir,
  io: SafeIo,
  setExitCode: (code: number) => void,
): Command {
  return policies
    .command('diff')
    .description(
      'preview a policy change: evaluate the base and the head policies over the same rooms and show, per policy, the findings before and after and the rooms newly failing or no longer failing',
    )
    .requiredOption(
      '--base <dir|git-ref>',
      'the policies before the change: a folder, or a git ref (origin/main) whose copy of the --head folder (the default policy folder when --head is a ref too) is read with git, without a checkout',
    )
    .addOption(
      new Option(
        '--head <dir|git-ref>',
        "the policies after the change: a folder, or a git ref (a pull request's head) whose copy of the default policy folder is read with git, so nothing of it is written to disk",
      ).default(policiesDefault.dir, policiesDefault.description),
    )
    .option(
      '-i, --input <rooms.json>',
      'the rooms: saved GetRoom documents, as `audit --input` reads them (what export-rooms writes, a JSON array, or one document)',
    )
    .option(
      '--from-snapshot <rooms.json>',
      'the rooms: a complete export (`export-rooms` output with its "regions"; `export-rooms --from-table` writes one from the deployed auditor\'s snapshot); refused when partial',
    )
    .option(
      '-r, --region <region>',
      'the rooms, live: read every room of this region with ListRooms and GetRoom (repeat for several)',
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .option('--endpoint <url>', 'live: AWS endpoint override, e.g. the local emulator http://127.0.0.1:4566')
    .option(
      '--api-budget <tps>',
      `live: calls per second per region and operation, ${describeRange(SETTINGS.apiBudgetTps)} (the IVS Chat quota, shared with your application); above it only with --endpoint`,
      apiBudget,
      SETTINGS.apiBudgetTps.default,
    )
    .option(
      '--timeout <seconds>',
      'live: stop reading rooms after this long (exit 3)',
      positiveNumber,
      DEFAULT_TIMEOUT_SECONDS,
    )
    .addOption(
      new Option('-f, --format <format>', 'output format')
        .choices(['text', 'json', 'markdown'])
        .default('text'),
    )
    .option(
      '--max-new <n>',
      'exit 1 when the change makes more than n findings newly fail, over every policy',
      wholeNumber,
    )
    .option('-o, --output <file>', 'write the preview to a file instead of stdout')
    .addHelpText(
      'after',
      '\nA finding is the same before and after when its policy, room and JSON pointer are: a room that\n' +
        'fails a lowered limit on the same field is still failing, not newly failing. A policy is\n' +
        '"changed" when its rule, appliesTo, regions, exemptions or severity are; wording, examples and\n' +
        'rollout are not. A new remediation text or fix is shown as "edited" (it changes what alerts say\n' +
        'and what remediate writes, not what is found). Exempt findings do not count as failing.\n' +
        "Policy files are validated against the schema this tool ships; a folder's own is ignored.\n" +
        '\nGuards: --max-new n over every policy, and each head policy\'s own "rollout": { "maxNewFindings": n }.\n' +
        "A guard that trips exits 1: raise the policy's guard in the same pull request to acknowledge.\n" +
        '\nExit codes: 0 preview done, 1 a guard tripped, 2 bad usage, rooms file or policy (the message names\n' +
        '--base or --head, the file and the JSON pointer), 3 a rule failed on a room or a live read was\n' +
        'incomplete (API errors, --timeout, Ctrl-C): the counts would understate the change.\n' +
        '\nExamples:\n' +
        '  $ ivschat-audit policies diff --base origin/main --input rooms.json\n' +
        '  $ ivschat-audit policies diff --base origin/main --region us-east-1 --region eu-west-1\n' +
        '  $ ivschat-audit policies diff --base origin/main --head policies --from-snapshot rooms.json --format markdown -o preview.md\n' +
        '  $ ivschat-audit policies diff --base ../old-policies --head policies --input rooms.json --format json --max-new 50',
    )
    .action(async (flags: DiffFlags) => {
      const now = (io.clock ?? (() => new Date()))().toISOString();
      setExitCode(await policiesDiff(flags, { ...io, now, policiesDir: policiesDefault.dir }));
    });
}

function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a whole number ≥ 0, got "${value}"`);
  return Number(value);
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
  return n;
}

/** Read as the setting is; the IVS Chat quota is enforced by liveSettings, which knows --endpoint. */
function apiBudget(raw: string): number {
  const parsed = parseSetting({ ...SETTINGS.apiBudgetTps, max: Number.MAX_SAFE_INTEGER }, raw);
  if (!parsed.ok) throw new InvalidArgumentError(parsed.problems.join('; '));
  return parsed.value;
}
