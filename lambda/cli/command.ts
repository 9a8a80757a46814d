/**
 * What a CLI command is: its name, words and inputs as data, and a `run` that returns its exit code.
 * `declareCommand` turns one into a commander command; `main.ts` adds the action that runs it.
 */
import type { Command } from 'commander';
import type { SafeIo } from './io.js';
import { addInputs, argumentNames, type CommandInputs, type InputSpec } from './options.js';
import type { DefaultPoliciesDir } from './policies-dir.js';

/** What every command is built with: where it prints, and the policy folder used when none is given. */
export interface CommandContext {
  io: SafeIo;
  policiesDefault: DefaultPoliciesDir;
}

export interface CliCommand<Flags> {
  readonly name: string;
  readonly description: string;
  readonly inputs: CommandInputs<Flags>;
  /** Shown after the options by --help: how long, exit codes, examples. */
  readonly helpAfter?: string;
  /** Runs the command with its parsed flags; returns its exit code (EXIT). */
  run(flags: Flags): Promise<number> | number;
}

/** Adds `command` to `parent` with its inputs and help, without an action. */
export function declareCommand<Flags>(parent: Command, command: CliCommand<Flags>): Command {
  const declared = parent.command(command.name).description(command.description);
  addInputs(declared, inputTable(command));
  if (command.helpAfter) declared.addHelpText('after', command.helpAfter);
  return declared;
}

/** The command's flags from commander's action arguments: its positional arguments, then its options. */
export function flagsOf<Flags>(command: CliCommand<Flags>, declared: Command): Flags {
  const names = argumentNames(inputTable(command));
  const values = declared.processedArgs as unknown[];
  return { ...declared.opts(), ...Object.fromEntries(names.map((name, i) => [name, values[i]])) } as Flags;
}

function inputTable<Flags>(command: CliCommand<Flags>): Readonly<Record<string, InputSpec<unknown>>> {
  return command.inputs as Readonly<Record<string, InputSpec<unknown>>>;
}
