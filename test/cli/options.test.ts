import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { type CliCommand, declareCommand, flagsOf } from '../../lambda/cli/command.js';
import { addInputs, option, ownOption, policiesDirArgument } from '../../lambda/cli/options.js';
import { cli } from './run.js';

describe('Function: addInputs', () => {
  it('declares the inputs in the order of the table', () => {
    const command = new Command('x');
    addInputs(command, {
      timeout: option('timeout', 'stop after this long'),
      region: option('region', 'a region'),
      endpoint: option('endpoint'),
    });
    expect(command.options.map((o) => o.long)).toEqual(['--timeout', '--region', '--endpoint']);
  });

  it('refuses an option filed under a key that is not its name', () => {
    expect(() => addInputs(new Command('x'), { regions: option('region', 'a region') })).toThrow(
      'x: option -r, --region <region> is filed under "regions"',
    );
  });

  it('gives each command its own copy of a list default', () => {
    const first = new Command('a');
    const second = new Command('b');
    addInputs(first, { region: option('region', 'a region') });
    addInputs(second, { region: option('region', 'a region') });
    const [a, b] = [first.opts().region, second.opts().region] as string[][];
    expect(a).toEqual([]);
    expect(a).not.toBe(b);
  });
});

describe('Function: flagsOf', () => {
  it('hands a command its positional arguments and its options as one object of flags', async () => {
    let seen: unknown;
    const command: CliCommand<{ dir: string; format: string }> = {
      name: 'check',
      description: 'd',
      inputs: {
        dir: policiesDirArgument({ dir: 'policies', description: 'the bundled policies' }),
        format: ownOption('--format <format>', 'f', { default: 'text' }),
      },
      run: (flags) => {
        seen = flags;
        return 0;
      },
    };
    const program = new Command().exitOverride();
    const declared = declareCommand(program, command);
    declared.action(() => {
      command.run(flagsOf(command, declared));
    });
    await program.parseAsync(['check', 'mine', '--format', 'json'], { from: 'user' });
    expect(seen).toEqual({ dir: 'mine', format: 'json' });
    await program.parseAsync(['check'], { from: 'user' });
    expect(seen).toEqual({ dir: 'policies', format: 'text' });
  });
});

describe('shared options', () => {
  it('policies diff reads --api-budget by the rule audit does, and says so with the quota', async () => {
    const { code, stderr } = await cli('policies', 'diff', '--base', 'x', '--api-budget', '0');
    expect(code).toBe(2);
    expect(stderr).toContain('"0" must be a number between 0.1 and 5\n');
  });
});
