/**
 * `ivschat-audit policies diff`: what a policy change will find, before it is merged (the preview
 * itself is `policies-diff.ts`).
 */

import { describeRange } from '../../settings/parse.js';
import { SETTINGS } from '../../settings/table.js';
import type { CliCommand, CommandContext } from '../command.js';
import { option, ownOption, wholeNumber } from '../options.js';
import { type DiffFlags, policiesDiff } from '../policies-diff.js';

export function policiesDiffCommand({ io, policiesDefault }: CommandContext): CliCommand<DiffFlags> {
  return {
    name: 'diff',
    description:
      'preview a policy change: evaluate the base and the head policies over the same rooms and show, per policy, the findings before and after and the rooms newly failing or no longer failing',
    inputs: {
      base: ownOption(
        '--base <dir|git-ref>',
        'the policies before the change: a folder, or a git ref (origin/main) whose copy of the --head folder (the default policy folder when --head is a ref too) is read with git, without a checkout',
        { required: true },
      ),
      head: ownOption(
        '--head <dir|git-ref>',
        "the policies after the change: a folder, or a git ref (a pull request's head) whose copy of the default policy folder is read with git, so nothing of it is written to disk",
        { default: policiesDefault.dir, defaultDescription: policiesDefault.description },
      ),
      input: option(
        'input',
        'the rooms: saved GetRoom documents, as `audit --input` reads them (what export-rooms writes, a JSON array, or one document)',
      ),
      fromSnapshot: ownOption(
        '--from-snapshot <rooms.json>',
        'the rooms: a complete export (`export-rooms` output with its "regions"; `export-rooms --from-table` writes one from the deployed auditor\'s snapshot); refused when partial',
      ),
      region: option(
        'region',
        'the rooms, live: read every room of this region with ListRooms and GetRoom (repeat for several)',
      ),
      endpoint: option(
        'endpoint',
        'live: AWS endpoint override, e.g. the local emulator http://127.0.0.1:4566',
      ),
      apiBudget: option(
        'apiBudget',
        `live: calls per second per region and operation, ${describeRange(SETTINGS.apiBudgetTps)} (the IVS Chat quota, shared with your application); above it only with --endpoint`,
      ),
      timeout: option('timeout', 'live: stop reading rooms after this long (exit 3)'),
      format: ownOption<DiffFlags['format']>('-f, --format <format>', 'output format', {
        choices: ['text', 'json', 'markdown'],
        default: 'text',
      }),
      maxNew: ownOption(
        '--max-new <n>',
        'exit 1 when the change makes more than n findings newly fail, over every policy',
        { parse: wholeNumber },
      ),
      output: ownOption('-o, --output <file>', 'write the preview to a file instead of stdout'),
    },
    helpAfter:
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
    run: (flags) => {
      const now = (io.clock ?? (() => new Date()))().toISOString();
      return policiesDiff(flags, { ...io, now, policiesDir: policiesDefault.dir });
    },
  };
}
