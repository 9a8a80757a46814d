import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWith } from './run.js';
import { startBin } from './spawn.js';

/**
 * What a pull request or a room owner controls, run through the CLI as users run it (the real bin,
 * on pipes as in CI): nothing it prints may drive a terminal or the GitHub Actions runner.
 */
const SHIPPED = fileURLToPath(new URL('../../policies', import.meta.url));

const ESC = '\u001b';
const BEL = '\u0007';
const OSC52 = `${ESC}]52;c;ZXZpbA==${BEL}`;
const RLO = '\u202e';
/** Every trick at once: a clipboard write, a screen clear, a line rewrite, a bidi override, workflow commands. */
const EVIL = `x${OSC52}${ESC}[2J\rok${RLO}\n::error title=Approved::forged\n##[error]forged\u0085\u009b2J`;

interface Run {
  code: number | null;
  stdout: Buffer;
  stderr: Buffer;
}

async function runBin(args: string[], cwd: string, nodeOptions: string[] = []): Promise<Run> {
  const run = startBin(args, { cwd, nodeOptions, stdin: '' });
  const { code } = await run.closed;
  return { code, ...run.bytes };
}

/** The bytes hold no control character but newlines, no bidi control, and no workflow command. */
function expectInert(bytes: Buffer, stream: string): string {
  for (const [i, b] of bytes.entries()) {
    if ((b < 0x20 && b !== 0x0a) || b === 0x7f) {
      expect.fail(`${stream}: byte 0x${b.toString(16)} at ${i}: ${JSON.stringify(bytes.toString())}`);
    }
  }
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    const bidi =
      (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || [0x061c, 0x200e, 0x200f].includes(c);
    if ((c >= 0x80 && c <= 0x9f) || bidi || c === 0x2028 || c === 0x2029) {
      expect.fail(`${stream}: U+${c.toString(16)} in ${JSON.stringify(text)}`);
    }
  }
  for (const line of text.split('\n')) {
    // The runner trims leading whitespace before it looks for `::`, and finds `##[` anywhere.
    if (line.trimStart().startsWith('::') || line.includes('##[')) {
      expect.fail(`${stream}: a workflow command: ${JSON.stringify(line)}`);
    }
  }
  return text;
}

function expectInertRun(run: Run): { stdout: string; stderr: string } {
  return { stdout: expectInert(run.stdout, 'stdout'), stderr: expectInert(run.stderr, 'stderr') };
}

const shipped = (name: string) => JSON.parse(readFileSync(join(SHIPPED, `${name}.json`), 'utf8'));

let dir: string;
/** Loads under the shipped schema; its words, messages and (failing) pass example are hostile. */
let hostile: string;
/** A file name with ESC and a newline, and a JSON key with a newline, OSC 52 and BEL. */
let refused: string;
/** Two files named like workflow commands: their errors list them at the start of lines. */
let colons: string;
let rooms: string;
const BAD_NAME = `bad${ESC}[2J\n::error::name`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hostile-output-'));
  hostile = join(dir, 'hostile');
  refused = join(dir, 'refused');
  colons = join(dir, 'colons');
  for (const d of [hostile, refused, colons]) mkdirSync(d);

  const length = shipped('message-length-max');
  const text = {
    ...length,
    id: 'hostile-text',
    title: `Title ${EVIL}`,
    description: `Description ${EVIL}`,
    remediation: `Remediation ${EVIL}`,
    rule: { ...length.rule, errorMessage: { properties: { maximumMessageLength: `too long ${EVIL}` } } },
    examples: {
      ...length.examples,
      // A pass example that fails: `policies test` prints the policy's message for it.
      pass: [{ arn: 'arn:aws:ivschat:us-east-1:111111111111:room/PassEvil0001', maximumMessageLength: 500 }],
    },
  };
  delete text.fix;
  writeFileSync(join(hostile, 'hostile-text.json'), JSON.stringify(text, null, 2));
  copyFileSync(join(SHIPPED, 'required-tags.json'), join(hostile, 'required-tags.json'));

  copyFileSync(join(SHIPPED, 'message-length-max.json'), join(refused, 'message-length-max.json'));
  writeFileSync(join(refused, `${BAD_NAME}.json`), JSON.stringify({ ...length, id: BAD_NAME }));
  writeFileSync(
    join(refused, 'key.json'),
    JSON.stringify({ ...length, id: 'key', [`\n::error::k${OSC52}`]: 1 }),
  );

  for (const name of ['::error::a', '::error::b']) {
    writeFileSync(join(colons, `${name}.json`), JSON.stringify({ ...length, id: name }));
  }

  rooms = join(dir, 'rooms.json');
  writeFileSync(
    rooms,
    JSON.stringify([
      {
        arn: 'arn:aws:ivschat:us-east-1:111111111111:room/EvilRoom0001',
        id: 'EvilRoom0001',
        name: `::error::room${EVIL}`,
        maximumMessageLength: 500,
        maximumMessageRatePerSecond: 10,
        tags: { owner: `##[error]owner ${EVIL}`, [`\n::error::key${ESC}`]: EVIL },
        loggingConfigurationIdentifiers: [],
        createTime: '2026-01-01T00:00:00.000Z',
        updateTime: '2026-01-01T00:00:00.000Z',
      },
    ]),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a policy folder with control characters in names and keys', () => {
  it.each([
    ['policies check', (d: string) => ['policies', 'check', d]],
    ['policies test', (d: string) => ['policies', 'test', d]],
    ['policies diff', (d: string) => ['policies', 'diff', '--base', SHIPPED, '--head', d, '--input', rooms]],
    ['audit --input', (d: string) => ['audit', '--input', rooms, '--policies', d]],
  ])(
    '%s refuses it (exit 2), naming each file with its control characters escaped',
    async (_, args) => {
      const run = await runBin(args(refused), dir);
      const { stdout, stderr } = expectInertRun(run);
      expect(run.code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain(
        'refused/bad\\u001b[2J\\u000a::error::name.json /: the file name holds control characters (U+001B, U+000A)',
      );
      expect(stderr).toContain(
        'refused/key.json /\\u000a::error::k\\u001b]52;c;ZXZpbA==\\u0007: key holds control characters',
      );
    },
    60_000,
  );

  it('policies check lists files named like workflow commands without making them commands', async () => {
    const run = await runBin(['policies', 'check', '.'], colons);
    const { stderr } = expectInertRun(run);
    expect(run.code).toBe(2);
    expect(stderr).toContain('\\u003a:error::a.json /id:');
    expect(stderr).toContain('\\u003a:error::b.json /id:');
  }, 60_000);
});

describe('policy text and room data with control characters', () => {
  it('policies check and policies test print them inert', async () => {
    const [check, test] = await Promise.all([
      runBin(['policies', 'check', hostile], dir),
      runBin(['policies', 'test', hostile], dir),
    ]);
    expect(expectInertRun(check).stdout).toBe('2 policies OK: hostile-text, required-tags\n');
    expect(check.code).toBe(0);
    const { stdout } = expectInertRun(test);
    expect(test.code).toBe(1);
    expect(stdout).toContain('hostile/hostile-text.json /examples/pass/0');
    expect(stdout).toContain('expected to pass, but: too long x');
  }, 60_000);

  it('policies diff prints them inert', async () => {
    const run = await runBin(
      ['policies', 'diff', '--base', SHIPPED, '--head', hostile, '--input', rooms],
      dir,
    );
    const { stdout } = expectInertRun(run);
    expect(run.code).toBe(0);
    expect(stdout).toContain('hostile-text');
  }, 60_000);

  it('audit --input prints them inert in text, and the shipped policies quote the tag value inert', async () => {
    const [own, starter] = await Promise.all([
      runBin(['audit', '--input', rooms, '--policies', hostile], dir),
      runBin(['audit', '--input', rooms, '--policies', SHIPPED, '--region', 'us-east-1'], dir),
    ]);
    for (const run of [own, starter]) {
      const { stdout } = expectInertRun(run);
      expect(stdout).toContain('EvilRoom0001');
    }
    expect(own.code).toBe(1);
    expect(expectInertRun(starter).stdout).toContain('tags.owner is');
  }, 60_000);

  it('audit --format json writes valid JSON with the exact values, control characters escaped', async () => {
    const run = await runBin(['audit', '--input', rooms, '--policies', hostile, '--format', 'json'], dir);
    const { stdout } = expectInertRun(run);
    expect(run.code).toBe(1);
    const report = JSON.parse(stdout) as { findings: { roomName: string; title: string }[] };
    expect(report.findings.map((f) => f.roomName)).toContain(`::error::room${EVIL}`);
    expect(report.findings.map((f) => f.title)).toContain(`Title ${EVIL}`);
  }, 60_000);

  it('-o files get the same treatment: the audit report and the policies diff preview', async () => {
    const report = join(dir, 'report.json');
    const preview = join(dir, 'preview.json');
    const [audit, diff] = await Promise.all([
      runBin(['audit', '--input', rooms, '--policies', hostile, '--format', 'json', '-o', report], dir),
      runBin(
        [
          'policies',
          'diff',
          '--base',
          SHIPPED,
          '--head',
          hostile,
          '--input',
          rooms,
          '--format',
          'json',
          '-o',
          preview,
        ],
        dir,
      ),
    ]);
    expect([audit.code, diff.code]).toEqual([1, 0]);
    const written = JSON.parse(expectInert(readFileSync(report), report)) as {
      findings: { roomName: string }[];
    };
    expect(written.findings[0]?.roomName).toBe(`::error::room${EVIL}`);
    expect(expectInert(readFileSync(preview), preview)).toContain('\\u001b');
  }, 60_000);
});

describe('an error nobody caught', () => {
  it('is printed through the same sanitizer, and the CLI exits 3', async () => {
    // Throws once the CLI listens for uncaught errors (or after 10 s, where it never does).
    const preload = join(dir, 'throw-later.mjs');
    writeFileSync(
      preload,
      `const started = Date.now();
const wait = setInterval(() => {
  if (process.listenerCount('uncaughtException') === 0 && Date.now() - started < 10000) return;
  clearInterval(wait);
  setImmediate(() => { throw new Error(${JSON.stringify(`boom ${EVIL}`)}); });
}, 10);`,
    );
    const run = await runBin(['policies', 'check', hostile], dir, ['--import', pathToFileURL(preload).href]);
    const { stderr } = expectInertRun(run);
    expect(run.code).toBe(3);
    expect(stderr).toContain('error: unexpected failure: Error: boom x\\u001b]52;c;ZXZpbA==\\u0007');
    expect(stderr).toContain('\\u000a::error title=Approved::forged\\u000a##\\u005berror]forged');
  }, 60_000);
});

describe('colours on a terminal', () => {
  it('keep the CLI’s own SGR codes and escape every ESC the data brings', async () => {
    const { code, stdout } = await cliWith(['audit', '--input', rooms, '--policies', hostile], {
      isTTY: true,
      env: {},
    });
    expect(code).toBe(1);
    expect(stdout).toContain('\u001b[1mhostile-text\u001b[0m');
    // With the CLI's own codes taken out, nothing is left for the terminal to act on.
    const ours = new RegExp(`${ESC}\\[(1;31|31|33|36|2|1|0)m`, 'g');
    expectInert(Buffer.from(stdout.replace(ours, '')), 'stdout');
    expect(stdout).toContain('tags.owner is "##\\u005berror]owner x\\u001b]52;c;');
  });
});
