import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli } from './run.js';

// A new flag without a line in the README's synopsis, or a synopsis flag the CLI no longer has,
// fails here: each command's `--help` is the truth the README is held to.
const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The README's synopsis: the first text fence under "## The CLI". */
function synopsis(): string {
  const section = README.slice(README.indexOf('## The CLI: `ivschat-audit`'));
  const fence = /```text\n([\s\S]*?)```/.exec(section);
  if (!fence?.[1]) throw new Error('README.md: no synopsis fence under "## The CLI"');
  return fence[1];
}

/** The synopsis lines of one command: each `ivschat-audit <command>` line and its indented continuation. */
function usageOf(command: string): string {
  const blocks = synopsis().split(/\n(?=ivschat-audit )/);
  return blocks.filter((block) => block.startsWith(`ivschat-audit ${command} `)).join('\n');
}

/** `--help`'s option list: the long flag of each option, with its short alias if any. */
async function helpOptions(command: string[]): Promise<{ long: string; short?: string }[]> {
  const { code, stdout } = await cli(...command, '--help');
  expect(code).toBe(0);
  const options = stdout.split('Options:\n')[1]?.split('\n\n')[0] ?? '';
  return [...options.matchAll(/^ {2}(?:(-[A-Za-z]), )?(--[a-z][a-z-]*)/gm)]
    .map((m) => ({ long: m[2] as string, short: m[1] }))
    .filter((option) => option.long !== '--help');
}

/** The flags a usage names; a `quoted` span in a description is another command's. */
const flagsIn = (usage: string) =>
  new Set(
    [...usage.replace(/`[^`]*`/g, '').matchAll(/(?<![\w-])(--?[a-z][a-z-]*)/g)].map((m) => m[1] as string),
  );

const COMMANDS = [
  'audit',
  'export-rooms',
  'remediate',
  'doctor',
  'policies check',
  'policies test',
  'policies diff',
];

describe("the README's CLI synopsis lists what each command's --help lists", () => {
  it.each(COMMANDS)('ivschat-audit %s', async (name) => {
    const usage = usageOf(name);
    expect(usage, `no "ivschat-audit ${name}" line in the README's synopsis`).not.toBe('');
    const documented = flagsIn(usage);
    const options = await helpOptions(name.split(' '));
    const missing = options
      .filter(({ long, short }) => !documented.has(long) && !(short && documented.has(short)))
      .map(({ long }) => long);
    expect(missing, 'options --help lists that the README synopsis lacks').toEqual([]);
    const known = new Set(options.flatMap(({ long, short }) => (short ? [long, short] : [long])));
    const stale = [...documented].filter((flag) => !known.has(flag));
    expect(stale, 'flags in the README synopsis the command does not take').toEqual([]);
  });
});
