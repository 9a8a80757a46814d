/**
 * `npx tsx bench/offline-cli.ts` — peak memory of an offline CLI audit at scale, run the way a user
 * runs it: `node bin/ivschat-audit.js audit --input rooms.json --format json -o out.json --state s.json`,
 * twice (a first audit, then a re-run against the state it wrote), in a fresh child process each,
 * its peak RSS read by `/usr/bin/time -v` (the kernel's maximum resident set of the child).
 *
 * Input files: 100,000 generated rooms in two regions (bench/rooms.ts, ~25 % compliant), as
 * `small` rooms (~600 bytes each) and `large` ones (16 more tags of 256 characters: a ~460 MB file).
 * `--max` adds a third set at the API's limit (50 tags, 128-character keys, 256-character values).
 * Figures go to bench/results.json under `cli.offline100k` only; other keys are kept.
 * Options: `--rooms N` (default 100000), `--only small,large,max`, `--max`, `--keep` (keep files).
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prng } from '../local-aws/prng.js';
import { benchRoomDocuments } from './rooms.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = join(BENCH_DIR, '..');
const TARGET_MB = 1024;
const REGIONS = ['us-east-1', 'eu-west-1'];

interface Variant {
  name: string;
  extraTags: number;
  keyChars: number;
  valueChars: number;
}

const VARIANTS: Variant[] = [
  { name: 'small', extraTags: 0, keyChars: 0, valueChars: 0 },
  { name: 'large', extraTags: 16, keyChars: 8, valueChars: 256 },
  { name: 'max', extraTags: 47, keyChars: 128, valueChars: 256 },
];

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const rooms = Number(option('--rooms') ?? 100_000);
const only = option('--only')?.split(',') ?? (flag('--max') ? ['small', 'large', 'max'] : ['small', 'large']);

/** Writes the rooms as a JSON array, a megabyte at a time (the file can be gigabytes). */
function writeRooms(path: string, variant: Variant): void {
  const rand = prng(7);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 -_.:/=+@';
  const text = (n: number) =>
    Array.from({ length: n }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
  // A pool of distinct values, so tags differ between rooms without generating 400 MB of randomness.
  const values = Array.from({ length: 97 }, () => text(variant.valueChars));
  const keys = Array.from(
    { length: variant.extraTags },
    (_, k) => `t${String(k).padStart(2, '0')}${text(Math.max(0, variant.keyChars - 3))}`,
  );
  const fd = openSync(path, 'w');
  let buffer: string[] = ['['];
  let size = 1;
  let first = true;
  for (const region of REGIONS) {
    const count = Math.round(rooms / REGIONS.length);
    for (const [i, doc] of benchRoomDocuments(region, count, region.slice(0, 2)).entries()) {
      const tags = { ...doc.tags };
      keys.forEach((key, k) => {
        tags[key] = values[(i + k) % values.length] as string;
      });
      const item = `${first ? '' : ','}\n${JSON.stringify({ ...doc, tags })}`;
      first = false;
      buffer.push(item);
      size += item.length;
      if (size > 1 << 20) {
        writeSync(fd, buffer.join(''));
        buffer = [];
        size = 0;
      }
    }
  }
  buffer.push('\n]\n');
  writeSync(fd, buffer.join(''));
  closeSync(fd);
}

interface Measured {
  exitCode: number;
  peakRssMb: number;
  seconds: number;
  stderr: string;
}

/** Runs the CLI under GNU time and reads the child's maximum resident set size. */
function measure(cliArgs: string[]): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      '/usr/bin/time',
      ['-v', process.execPath, join(ROOT, 'bin', 'ivschat-audit.js'), ...cliArgs],
      {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: '1' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', () => {
      const kb = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1];
      const exit = /Exit status: (\d+)/.exec(stderr)?.[1];
      if (!kb || exit === undefined) return reject(new Error(`no figures from /usr/bin/time:\n${stderr}`));
      resolve({
        exitCode: Number(exit),
        peakRssMb: Math.round((Number(kb) / 1024) * 10) / 10,
        seconds: Math.round((performance.now() - started) / 100) / 10,
        stderr: stderr.split('\tCommand being timed')[0]?.trim() ?? '',
      });
    });
  });
}

/** Counts findings in the written report without parsing it: one `"fingerprint"` per finding. */
function countOccurrences(path: string, needle: string): number {
  const data = readFileSync(path);
  const pattern = Buffer.from(needle);
  let count = 0;
  for (let at = data.indexOf(pattern); at >= 0; at = data.indexOf(pattern, at + pattern.length)) count++;
  return count;
}

function tagsDescription(v: Variant): string {
  const base = 'env, owner, cost-center (bench/rooms.ts)';
  return v.extraTags === 0
    ? base
    : `${base} + ${v.extraTags} tags: ${v.keyChars}-character keys, ${v.valueChars}-character values`;
}

const mb = (path: string) => Math.round((statSync(path).size / 2 ** 20) * 10) / 10;

const results: Record<string, unknown> = {};
let allPass = true;
for (const variant of VARIANTS.filter((v) => only.includes(v.name))) {
  const dir = mkdtempSync(join(tmpdir(), `ivschat-offline-${variant.name}-`));
  try {
    const input = join(dir, 'rooms.json');
    const t0 = performance.now();
    writeRooms(input, variant);
    console.log(
      `${variant.name}: ${rooms} rooms, ${mb(input)} MB written in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    const runs: Record<string, unknown>[] = [];
    for (const run of ['first', 'second']) {
      const out = join(dir, 'out.json');
      const state = join(dir, 's.json');
      const m = await measure(['audit', '--input', input, '--format', 'json', '-o', out, '--state', state]);
      const findings = countOccurrences(out, '"fingerprint":');
      const statuses = {
        new: countOccurrences(out, '"status": "new"'),
        open: countOccurrences(out, '"status": "open"'),
      };
      const figures = {
        run,
        exitCode: m.exitCode,
        peakRssMb: m.peakRssMb,
        seconds: m.seconds,
        findings,
        statuses,
        outputMb: mb(out),
        stateMb: mb(state),
      };
      console.log(`  ${run} run: ${JSON.stringify(figures)}`);
      if (m.exitCode !== 1) throw new Error(`expected exit 1 (findings), got ${m.exitCode}: ${m.stderr}`);
      runs.push(figures);
    }
    const peak = Math.max(...runs.map((r) => r.peakRssMb as number));
    const pass = peak <= TARGET_MB;
    allPass &&= pass;
    results[variant.name] = {
      rooms,
      regions: REGIONS,
      tags: tagsDescription(variant),
      inputMb: mb(input),
      peakRssMb: peak,
      targetMb: TARGET_MB,
      pass,
      runs,
    };
    console.log(`  peak ${peak} MB (target ≤ ${TARGET_MB} MB): ${pass ? 'pass' : 'FAIL'}`);
  } finally {
    if (!flag('--keep')) rmSync(dir, { recursive: true, force: true });
    else console.log(`  kept ${dir}`);
  }
}

const file = join(BENCH_DIR, 'results.json');
const previous = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
const cli = (previous.cli ?? {}) as Record<string, unknown>;
const offline100k = {
  ...((cli.offline100k ?? {}) as Record<string, unknown>),
  ...results,
  date: new Date().toISOString(),
  node: process.version,
  method:
    'node bin/ivschat-audit.js audit --input rooms.json --format json -o out.json --state s.json, twice (first audit, then a re-run on its state), each in a fresh process; peak = max RSS from /usr/bin/time -v',
};
if (rooms !== 100_000)
  console.log(`--rooms ${rooms}: not written to results.json (only 100,000-room figures are)`);
else {
  writeFileSync(file, `${JSON.stringify({ ...previous, cli: { ...cli, offline100k } }, null, 2)}\n`);
  console.log(`wrote cli.offline100k to ${file}`);
}
process.exitCode = allPass ? 0 : 1;
