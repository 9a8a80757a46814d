/**
 * The README's "What it prints" block is `npm run demo`'s output, abridged by fixed rules, so it can
 * be regenerated (`npm run docs:demo`) and checked (test/demo/demo.test.ts) instead of drifting.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const README = join(ROOT, 'README.md');
const START = '<!-- demo-output:start -->';
const END = '<!-- demo-output:end -->';
const FENCE = '```text';

/**
 * How many lines of a quoted block (`  | …`) the README keeps, by the heading above it; the rest is
 * one `  | …` line. Blocks under any other heading are short and kept whole.
 */
const QUOTED_HEAD: [RegExp, number][] = [
  [/^--- EMAIL/, 17],
  [/^--- SLACK/, 5],
  [/^From the state table/, 4],
];
/** Sections shown once: a later run's email, Slack message and sinks keep only the email's subject. */
const REPEATS_ONCE = [/^--- EMAIL/, /^--- SLACK/, /^--- SNS message attributes/, /^SECURITY HUB/];
/** A quoted line always kept (with its wrapped continuation): the hostile tag, shown inert. */
const ALWAYS = /partner-webinar.*tags\.owner/;

/** Runs `npm run demo` (the same script, without npm's banner) and returns what it printed. */
export async function runDemo(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'demo/run.ts', ...args],
    { cwd: ROOT, maxBuffer: 32 * 1024 * 1024, timeout: 120_000 },
  );
  return stdout;
}

/** The demo's output from `RUN 1` on, banners and the run-specific set-up (ports) left out. */
export function abridgeDemo(output: string): string {
  const lines = output.split('\n');
  const first = lines.findIndex((line) => line.startsWith('RUN 1:'));
  const kept: string[] = [];
  const seen = new Set<string>();
  let limit = Number.POSITIVE_INFINITY;
  let hidden = false;
  let quoted = 0;
  let continuing = false;
  // A title stands between two rules: the rule after a title closes it, the one before opens it.
  let afterRule = false;
  let title = false;
  for (const line of lines.slice(Math.max(first, 0))) {
    if (/^={20,}$/.test(line)) {
      afterRule = !title;
      title = false;
      continue;
    }
    title = afterRule;
    afterRule = false;
    if (line === 'Done') continue;
    const heading = title || line.startsWith('--- ') || line.startsWith('From the state table');
    if (heading) {
      const repeat = REPEATS_ONCE.find((section) => section.test(line));
      hidden = repeat !== undefined && seen.has(repeat.source);
      if (repeat) seen.add(repeat.source);
      limit = QUOTED_HEAD.find(([pattern]) => pattern.test(line))?.[1] ?? Number.POSITIVE_INFINITY;
      if (hidden) continue;
      if (title) kept.push('');
    }
    if (hidden && !/^ {2}Subject: /.test(line)) continue;
    if (!line.startsWith('  |')) {
      quoted = 0;
      continuing = false;
      // A sub-heading's dashes pad it to the terminal width: the README keeps the words.
      kept.push(line.startsWith('--- ') ? line.replace(/ -{3,}$/, ' ---') : line);
      continue;
    }
    quoted += 1;
    const wrapped = /^ {2}\| {3}\S/.test(line) && !/^ {2}\| {3}•/.test(line);
    continuing = ALWAYS.test(line) || (continuing && wrapped);
    if (quoted <= limit || continuing) kept.push(line);
    else if (kept.at(-1) !== '  | …') kept.push('  | …');
  }
  return kept
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * What differs from one demo run to the next: times, durations, change ids, the handler result's size,
 * and the peak call rate, which a busy machine lowers (demo.test.ts holds it to the budget).
 */
export function normaliseDemo(text: string): string {
  return text
    .replace(/peak \d+ calls\/s \(\w+\)/g, 'peak <n> calls/s')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, '<time>')
    .replace(/\b\d+\.\d+ s\b/g, '<n> s')
    .replace(/chg-[0-9a-f]{12}/g, 'chg-<id>')
    .replace(/handler result {3}\d+ bytes/g, 'handler result   <n> bytes');
}

/** The block between the README's demo markers, as it stands. */
export function readmeDemoBlock(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${START} … ${END} block`);
  const inner = readme.slice(start + START.length, end).trim();
  if (!inner.startsWith(FENCE) || !inner.endsWith('```')) {
    throw new Error(`the README's demo block is not one ${FENCE} fence`);
  }
  return inner.slice(FENCE.length, -3).trim();
}

/** The README with its demo block replaced by `block`. */
export function withDemoBlock(readme: string, block: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${START} … ${END} block`);
  return `${readme.slice(0, start)}${START}\n${FENCE}\n${block}\n\`\`\`\n${readme.slice(end)}`;
}

// `npm run docs:demo`: run the demo and write its abridged output into the README.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const block = abridgeDemo(await runDemo());
  writeFileSync(README, withDemoBlock(readFileSync(README, 'utf8'), block));
  process.stdout.write(`README.md: demo block rewritten (${block.split('\n').length} lines)\n`);
}
