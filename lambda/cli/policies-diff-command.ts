import { type Command, InvalidArgumentError, Option } from 'commander';
import type { CliIo } from './main.js';
import { type DiffFlags, policiesDiff } from './policies-diff.js';
import type { DefaultPoliciesDir } from './policies-dir.js';

/**
 * Adds `ivschat-audit policies diff` (what a policy change will find, before it is merged) to
 * `policies`, whose output and exit handling it inherits.
 */
export function addPoliciesDiff(
  policies: Command,
  policiesDefault: DefaultPoliciesDir,
  io: CliIo,
  setExitCode: (code: number) => void,
): Command {
  return policies
    .command('diff')
    .description(
      'preview a policy change: evaluate the base and the head policies over the same rooms and show, per policy, the findings before and after and the rooms newly failing or no longer failing',
    )
    .requiredOption(
      '--base <dir|git-ref>',
      'the policies before the change: a folder, or a git ref (origin/main) whose copy of the --head folder is read with git, without a checkout',
    )
    .addOption(
      new Option('--head <dir>', 'the policies after the change').default(
        policiesDefault.dir,
        policiesDefault.description,
      ),
    )
    .option(
      '-i, --input <rooms.json>',
      'the rooms: saved GetRoom documents, as `audit --input` reads them (what export-rooms writes, a JSON array, or one document)',
    )
    .option(
      '--from-snapshot <rooms.json>',
      'the rooms: a complete export (`export-rooms` output with its "regions"); refused when partial',
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
        'rollout are not. Exempt findings do not count as failing.\n' +
        '\nGuards: --max-new n over every policy, and each head policy\'s own "rollout": { "maxNewFindings": n }.\n' +
        "A guard that trips exits 1: raise the policy's guard in the same pull request to acknowledge.\n" +
        '\nExit codes: 0 preview done, 1 a guard tripped, 2 bad usage, rooms file or policy (the message names\n' +
        '--base or --head, the file and the JSON pointer), 3 a rule failed on a room (counts incomplete).\n' +
        '\nExamples:\n' +
        '  $ ivschat-audit policies diff --base origin/main --input rooms.json\n' +
        '  $ ivschat-audit policies diff --base origin/main --head policies --from-snapshot rooms.json --format markdown -o preview.md\n' +
        '  $ ivschat-audit policies diff --base ../old-policies --head policies --input rooms.json --format json --max-new 50',
    )
    .action(async (flags: DiffFlags) => {
      const now = (io.clock ?? (() => new Date()))().toISOString();
      setExitCode(await policiesDiff(flags, { stdout: io.stdout, stderr: io.stderr, now }));
    });
}

function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a whole number ≥ 0, got "${value}"`);
  return Number(value);
}
