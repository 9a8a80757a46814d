import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Evaluator } from '../audit/evaluate.js';
import { diffPolicySets, type PolicyDiff, type PolicySide } from '../audit/policy-diff.js';
import { ConfigError, InputError, PolicySetError } from '../core/errors.js';
import type { AuditError, Finding } from '../core/types.js';
import type { CompiledPolicy, PolicyWarning } from '../policy/compile.js';
import type { RouteTable } from '../policy/routes.js';
import { stripControl } from '../render/escape.js';
import { renderDiffJson, renderDiffMarkdown, renderDiffText } from '../render/policy-diff.js';
import { terminalSafe } from '../render/terminal.js';
import { checkCredentials } from './credentials.js';
import { EXIT } from './exit-codes.js';
import { exportRooms } from './export-rooms.js';
import { inputName, readRoomsFile, STDIN } from './input.js';
import type { SafeIo } from './io.js';
import { type LiveFlags, liveSettings } from './live-flags.js';
import { checkFilePaths, OutputWriteError, STDOUT } from './paths.js';
import { isFolder, loadPolicies } from './policies-source.js';
import { runLive } from './run-bound.js';

export interface DiffFlags extends LiveFlags {
  base: string;
  head: string;
  input?: string;
  fromSnapshot?: string;
  format: 'text' | 'json' | 'markdown';
  maxNew?: number;
  output?: string;
}

/**
 * The CLI's io (its stdin is what `--input -` and `--from-snapshot -` read), with the run's time and
 * `policiesDir`: the folder a git ref is read at when neither side is a folder (the default one).
 */
export type DiffIo = SafeIo & { now: string; policiesDir: string };

/**
 * `policies diff`: both policy sets over the same rooms, each evaluated once by the same evaluator
 * an audit uses, then compared finding by finding. Exit 1 when a guard trips (`--max-new`, a head
 * policy's `rollout.maxNewFindings`), 3 when a rule failed on a room (the counts are incomplete).
 */
export async function policiesDiff(flags: DiffFlags, io: DiffIo): Promise<number> {
  const source = roomsSource(flags);
  if (source !== 'live' && source.path !== STDIN) return preview(flags, source, io);
  const tmp = await mkdtemp(join(tmpdir(), 'ivschat-policies-diff-'));
  try {
    const path = join(tmp, 'rooms.json');
    // Standard input can be read once, and both sides evaluate the same rooms: it is kept in a private
    // temporary file, as a live read's rooms are.
    if (source !== 'live') {
      await pipeline(io.stdin ?? process.stdin, createWriteStream(path));
      return await preview(flags, { ...source, path, givenAs: STDIN }, io);
    }
    return await previewLive(flags, path, io);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The rooms exported live to `path` first, so both sides read the same rooms. */
async function previewLive(flags: DiffFlags, path: string, io: DiffIo): Promise<number> {
  const live = liveSettings(flags, io.env);
  await checkCredentials(live.connection);
  const { result, stopped } = await runLive(flags.timeout, live.apiBudgetTps, io, (signal, onProgress) =>
    exportRooms({ ...live, output: path, signal, ...(onProgress ? { onProgress } : {}) }),
  );
  if (!result.complete) {
    for (const e of result.errors) {
      const room = e.roomArn ? ` ${e.roomArn}` : '';
      io.stderr(`error: ${stripControl(`${e.region} ${e.operation}${room}: ${e.code} ${e.message}`)}\n`);
    }
    io.stderr(
      `error: could not read every room${stopped ? ` (${stopped})` : ''}: no preview, it would understate the change\n`,
    );
    return EXIT.incomplete;
  }
  return await preview(flags, { flag: '--region', path }, io);
}

async function preview(flags: DiffFlags, rooms: RoomsSource, io: DiffIo): Promise<number> {
  // -o must not overwrite the rooms file (the check calls it --input, whichever flag gave it).
  await checkFilePaths({
    input: rooms.path,
    ...(flags.output && flags.output !== STDOUT ? { output: flags.output } : {}),
  });
  // A side that is a git ref reads the other side's folder at that ref (the default folder when both
  // are refs, as the policy-preview workflow passes them: nothing of the pull request is on disk).
  const folder = isFolder(flags.head) ? flags.head : io.policiesDir;
  const head = loadSide('--head', flags.head, folder, io.now);
  const base = loadSide('--base', flags.base, folder, io.now);
  for (const w of head.warnings) io.stderr(`warning: --head: ${w.message}\n`);

  const before = await evaluateRooms(rooms, base, io.now);
  const after = await evaluateRooms(rooms, head, io.now);
  const diff = diffPolicySets({
    base: side(base, before),
    head: side(head, after),
    roomsEvaluated: after.rooms,
    ...(flags.maxNew === undefined ? {} : { maxNew: flags.maxNew }),
  });

  const text = render(diff, flags.format);
  // `-o -` is standard output, as `-` is for other tools.
  const output = flags.output === STDOUT ? undefined : flags.output;
  if (output) {
    // The file gets what stdout would (the preview comment and CI logs show it).
    await writeFile(output, terminalSafe(text)).catch((error: unknown) => {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new OutputWriteError(`--output: cannot write ${output}: ${reason}`, { cause: error });
    });
  } else {
    io.stdout(text);
  }
  for (const trip of diff.guard.tripped) {
    io.stderr(
      trip.policyId
        ? `error: ${trip.policyId}: ${trip.newlyFailing} newly failing findings, more than its rollout.maxNewFindings of ${trip.limit}\n`
        : `error: --max-new: ${trip.newlyFailing} newly failing findings, more than ${trip.limit}\n`,
    );
  }
  if (diff.errors.length > 0) {
    io.stderr(`error: ${diff.errors.length} rule error(s) while evaluating: the counts are incomplete\n`);
    return EXIT.incomplete;
  }
  return diff.guard.tripped.length > 0 ? EXIT.findings : EXIT.clean;
}

interface LoadedSide {
  label: string;
  policies: CompiledPolicy[];
  warnings: PolicyWarning[];
  routes?: RouteTable;
}

interface RoomsSource {
  /** `--region` for the rooms a live read exported. */
  flag: '--input' | '--from-snapshot' | '--region';
  path: string;
  /** `-` when `path` is the private copy of standard input: messages name standard input. */
  givenAs?: typeof STDIN;
}

/** One source of rooms: a file, a snapshot, or a live read (`--region`, explicit: it calls AWS). */
function roomsSource(flags: DiffFlags): RoomsSource | 'live' {
  const given = [
    flags.input ? '--input' : '',
    flags.fromSnapshot ? '--from-snapshot' : '',
    flags.region.length > 0 ? '--region' : '',
  ].filter(Boolean);
  if (given.length > 1) throw new ConfigError(given[1] ?? '', `give one of ${given.join(', ')}, not several`);
  if (flags.fromSnapshot) return { flag: '--from-snapshot', path: flags.fromSnapshot };
  if (flags.input) return { flag: '--input', path: flags.input };
  if (flags.region.length > 0) return 'live';
  throw new ConfigError(
    '--input',
    'the rooms to preview against are needed: --input rooms.json, --from-snapshot FILE, or --region R (live)',
  );
}

function loadSide(flag: '--base' | '--head', spec: string, folder: string, now: string): LoadedSide {
  try {
    return loadPolicies(spec, folder, now, flag);
  } catch (error) {
    throw named(flag, spec, error);
  }
}

/** A policy problem names the side it is on, then (as always) the file and the JSON pointer. */
function named(flag: string, value: string, error: unknown): unknown {
  if (error instanceof PolicySetError) {
    return new InputError(`${flag} ${value}: ${error.message}`, { cause: error });
  }
  return error;
}

interface Evaluated {
  rooms: number;
  findings: Finding[];
  errors: AuditError[];
}

/**
 * One streamed pass over the rooms file with one policy set's evaluator. Each side reads the file
 * on its own, so no room document is held longer than its evaluation, as in `audit --input`.
 */
async function evaluateRooms(source: RoomsSource, side: LoadedSide, now: string): Promise<Evaluated> {
  const read = await readRoomsFile(source.path, {
    regions: [],
    // Each side's own routes file, so the preview shows how findings move between routes.
    evaluator: new Evaluator(side.policies, { routes: side.routes }),
    now,
    ...(source.givenAs ? { givenAs: source.givenAs } : {}),
  }).catch((error: unknown) => {
    if (error instanceof InputError)
      throw new InputError(`${source.flag}: ${error.message}`, { cause: error });
    throw error;
  });
  // A snapshot is the whole fleet: a partial export would understate the blast radius.
  if (source.flag === '--from-snapshot' && read.declaredRegions.size === 0) {
    throw new InputError(
      `--from-snapshot: ${inputName(source.givenAs ?? source.path)} /regions: missing; a snapshot is a complete export ` +
        '(ivschat-audit export-rooms writes "regions" only when it got every room); use --input for other room files',
    );
  }
  const out: Evaluated = { rooms: 0, findings: [], errors: [] };
  for (const inventory of read.inventories) {
    out.rooms += inventory.audited.length;
    for (const f of inventory.evaluation?.findings ?? []) out.findings.push(f);
    for (const e of inventory.evaluation?.errors ?? []) out.errors.push(e);
  }
  return out;
}

function side(loaded: LoadedSide, evaluated: Evaluated): PolicySide {
  return {
    label: loaded.label,
    policies: loaded.policies,
    findings: evaluated.findings,
    errors: evaluated.errors,
  };
}

function render(diff: PolicyDiff, format: DiffFlags['format']): string {
  if (format === 'json') return renderDiffJson(diff);
  if (format === 'markdown') return renderDiffMarkdown(diff);
  return renderDiffText(diff);
}
