/**
 * `ivschat-audit remediate`: plan the fixes (no write), apply them with --apply, undo one with
 * --undo (the runs themselves are `remediate.ts`).
 */
import type { CliCommand, CommandContext } from '../command.js';
import { option, ownOption } from '../options.js';
import {
  DEFAULT_WRITE_BUDGET_TPS,
  type RemediateFlags,
  remediate,
  UPDATE_ROOM_QUOTA_TPS,
} from '../remediate.js';
import { DEFAULT_PLAN_FILE, DEFAULT_TRAIL_FILE, WORK_DIR } from '../work-dir.js';

export function remediateCommand({ io, policiesDefault }: CommandContext): CliCommand<RemediateFlags> {
  return {
    name: 'remediate',
    description:
      'plan the UpdateRoom calls that fix violations of policies with a "fix" (no write), apply them with --apply, undo one with --undo',
    inputs: {
      region: option('region', 'region to remediate (repeat for several; default $AWS_REGION)'),
      policies: option('policies', undefined, {
        default: policiesDefault.dir,
        defaultDescription: policiesDefault.description,
      }),
      policy: option('policy', 'only fix violations of this policy (repeat for several)'),
      maxChanges: option(
        'maxChanges',
        'guard: refuse the whole plan (exit 1, nothing changed) when it has more changes',
      ),
      maxPercent: option(
        'maxPercent',
        'guard: refuse the whole plan when it changes more than this percentage of the audited rooms',
      ),
      tag: ownOption(
        '--tag <key=value>',
        'only rooms carrying this tag are planned and written (the deployed auditor opts rooms in with ivschat-auditor:remediate=true)',
      ),
      apply: ownOption<boolean>(
        '--apply',
        'execute the plan: re-read each room just before writing it, then verify the write',
      ),
      plan: ownOption<string | true>(
        '--plan [file]',
        `without --apply: save the plan to this file; with --apply: apply that saved plan, not a new one (file default: ${DEFAULT_PLAN_FILE})`,
      ),
      trail: ownOption(
        '--trail <file>',
        `the audit trail (JSONL) every change, skip and undo is appended to (default: ${DEFAULT_TRAIL_FILE}; the ${WORK_DIR}/ folder is git-ignored by its own .gitignore)`,
      ),
      // Not a deployment setting: the deployed auditor writes at its own fixed rate.
      writeBudget: ownOption(
        '--write-budget <tps>',
        `UpdateRoom calls per second per region, at most the quota of ${UPDATE_ROOM_QUOTA_TPS} (shared with your application)`,
        { parse: Number, default: DEFAULT_WRITE_BUDGET_TPS },
      ),
      undo: ownOption(
        '--undo <change-id>',
        'restore what one applied change (from --trail) wrote, if the room is still as it left it',
      ),
      endpoint: option('endpoint'),
      apiBudget: option('apiBudget'),
      timeout: option('timeout', 'stop the whole run after this long (exit 3)'),
    },
    helpAfter:
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
    run: (flags) => remediate(flags, io),
  };
}
