/** `ivschat-audit policies check [dir]`: every policy file valid, ids unique, rules compiled. */
import type { CliCommand, CommandContext } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { oneLine, type SafeIo } from '../io.js';
import { policiesDirArgument } from '../options.js';
import { loadPolicies } from '../policies-source.js';

export interface CheckFlags {
  dir: string;
}

export function policiesCheckCommand({ io, policiesDefault }: CommandContext): CliCommand<CheckFlags> {
  return {
    name: 'check',
    description: 'check that every policy file is valid, ids are unique and rules compile',
    inputs: { dir: policiesDirArgument(policiesDefault) },
    run: (flags) => policiesCheck(flags, policiesDefault.dir, io),
  };
}

/** Prints the policies that loaded (and any warnings); a policy that does not load throws. */
export function policiesCheck(flags: CheckFlags, policiesDir: string, io: SafeIo): number {
  const { policies, warnings, routes } = loadPolicies(flags.dir, policiesDir, new Date().toISOString());
  for (const w of warnings) io.stderr(`warning: ${oneLine(w.message)}\n`);
  const count = policies.length === 1 ? '1 policy' : `${policies.length} policies`;
  io.stdout(`${count} OK: ${policies.map((p) => p.policy.id).join(', ')}\n`);
  if (routes) {
    // Route ids and allow-listed values come from the file: printed through the io's escaping.
    const ids = routes.destinations().map((d) => d.id);
    io.stdout(`${routes.file} OK (mode ${routes.mode}): routes ${ids.join(', ')}\n`);
  }
  return EXIT.clean;
}
