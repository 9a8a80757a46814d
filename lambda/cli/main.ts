/**
 * `ivschat-audit`: the program built from its commands (`commands/*`), and the one place an error
 * becomes a message and an exit code.
 */
import { Command, CommanderError } from 'commander';
import { AuditorError, ConfigError, InputError, PolicySetError } from '../core/errors.js';
import { anyCaseChoices } from './choices.js';
import { type CliCommand, type CommandContext, declareCommand, flagsOf } from './command.js';
import { auditCommand } from './commands/audit.js';
import { doctorCommand } from './commands/doctor.js';
import { exportRoomsCommand } from './commands/export-rooms.js';
import { policiesCheckCommand } from './commands/policies-check.js';
import { policiesDiffCommand } from './commands/policies-diff.js';
import { policiesTestCommand } from './commands/policies-test.js';
import { remediateCommand } from './commands/remediate.js';
import { EXIT } from './exit-codes.js';
import { type CliIo, oneLine, type SafeIo } from './io.js';
import { defaultPoliciesDir } from './policies-dir.js';
import { terminalIo } from './terminal-io.js';
import { VERSION } from './version.js';

export type { CliIo, SafeIo };
export { EXIT };

/** Runs the CLI and returns its exit code (never calls process.exit, so tests run it in-process). */
export async function runCli(argv: string[], rawIo: CliIo): Promise<number> {
  const io = terminalIo(rawIo);
  const context: CommandContext = { io, policiesDefault: defaultPoliciesDir(io.cwd ?? process.cwd()) };
  const program = new Command('ivschat-audit')
    .description(
      'Audit Amazon IVS Chat rooms against JSON-Schema policies.\n\n' +
        'Exit codes: 0 clean, 1 findings at or above --fail-on, 2 bad usage/config/policy, 3 audit incomplete.',
    )
    .version(VERSION, '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run with --help for usage)');

  // Help and version run no command: they exit clean.
  let exitCode: number = EXIT.clean;
  const add = <Flags>(parent: Command, command: CliCommand<Flags>) => {
    const declared = declareCommand(parent, command);
    declared.action(async () => {
      exitCode = await command.run(flagsOf(command, declared));
    });
  };
  add(program, auditCommand(context));
  add(program, exportRoomsCommand(context));
  add(program, remediateCommand(context));
  add(program, doctorCommand(context));
  const policies = program.command('policies').description('validate and test policy files');
  add(policies, policiesCheckCommand(context));
  add(policies, policiesTestCommand(context));
  add(policies, policiesDiffCommand(context));

  anyCaseChoices(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    return handleError(error, io);
  }
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
