import { type Command, InvalidArgumentError } from 'commander';

/**
 * Every option with fixed choices (`--format`, `--fail-on`, …) takes them in any case and passes
 * them on in lower case: one rule for all, so `--format JSON` is as good as `--fail-on HIGH`. Applied
 * to the whole program once its commands are declared, so a command added later follows it too.
 */
export function anyCaseChoices(command: Command): void {
  for (const option of command.options) {
    const choices = option.argChoices;
    if (!choices) continue;
    option.argParser((value: string) => {
      const lower = value.toLowerCase();
      if (!choices.includes(lower)) {
        throw new InvalidArgumentError(`Allowed choices are ${choices.join(', ')} (any case).`);
      }
      return lower;
    });
  }
  for (const sub of command.commands) anyCaseChoices(sub);
}
