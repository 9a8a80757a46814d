import type { Readable } from 'node:stream';
import type { Evaluator } from '../audit/evaluate.js';
import { isRegionName, parseRoomArn } from '../core/arn.js';
import { emptyInventory } from '../core/empty-inventory.js';
import { InputError } from '../core/errors.js';
import { fileProblem } from '../core/file-problem.js';
import { GET_ROOM_ONLY_FIELDS } from '../core/room-fields.js';
import { truncate } from '../core/truncate.js';
import type { RegionInventory, RoomDocument } from '../core/types.js';
import { RegionEvaluation } from '../inventory/room-evaluation.js';
import { stripControl } from '../render/escape.js';
import {
  EMPTY_SOURCE,
  type JsonPath,
  JsonSyntaxError,
  jsonPointer,
  walkJsonFile,
} from '../state/json-stream.js';

/** `--input -`: the rooms come from standard input (`aws ivschat get-room … | ivschat-audit audit --input -`). */
export const STDIN = '-';

/** How a rooms file is named in messages: `-` is standard input. */
export function inputName(path: string): string {
  return path === STDIN ? 'standard input' : path;
}

export interface RoomsFileOptions {
  /** Read for `-` (default process.stdin). */
  stdin?: Readable;
  /** Audit only rooms in these regions (every region when empty). */
  regions: readonly string[];
  /** The run's one evaluator: its per-policy memos serve every room of the file. */
  evaluator: Evaluator;
  /** The run's time (exemption expiry, firstSeen/lastSeen). */
  now: string;
  /**
   * The path as the user gave it when `file` is a copy of it (`policies diff --input -` keeps
   * standard input in a private temporary file): messages name what the user typed, not the copy.
   */
  givenAs?: string;
}

export interface RoomsFile {
  /** One per account and region with audited rooms; evaluated, documents not kept. */
  inventories: RegionInventory[];
  /** Every account and region a room in the file belongs to, the region filter aside. */
  accounts: Set<string>;
  regions: Set<string>;
  /** The regions the file says it covers (`"regions"`, written by a complete export), rooms or not. */
  declaredRegions: Set<string>;
}

const SHAPES = 'a JSON array of GetRoom documents, { "rooms": [...] }, or one GetRoom document';

/**
 * Reads saved room documents — a JSON array of GetRoom responses, `{ "rooms": [...] }` (what
 * `ivschat-audit export-rooms` writes), or a single `aws ivschat get-room` response — and evaluates
 * each room as it is read, grouped into per-region inventories as a live audit produces them. The
 * file is streamed: neither its text nor its documents are ever all in memory.
 */
export async function readRoomsFile(file: string, options: RoomsFileOptions): Promise<RoomsFile> {
  const given = options.givenAs ?? file;
  const path = inputName(given);
  const result: RoomsFile = {
    inventories: [],
    accounts: new Set(),
    regions: new Set(),
    declaredRegions: new Set(),
  };
  const byRegion = new Map<string, { inventory: RegionInventory; evaluation: RegionEvaluation }>();
  const seenArns = new Set<string>();
  let rootKind: 'object' | 'array' | undefined;
  let sawRooms = false;
  // A top-level object without "rooms" is one GetRoom document, read member by member.
  const single: Record<string, unknown> = {};

  const addRoom = (value: unknown, at: JsonPath) => {
    const doc = roomDocument(path, value, jsonPointer(at));
    if (seenArns.has(doc.arn)) throw inputError(path, at, `room ${clip(doc.arn)} appears twice`);
    seenArns.add(doc.arn);
    const { accountId, region } = parseRoomArn(doc.arn) ?? { accountId: '', region: '' };
    result.accounts.add(accountId);
    result.regions.add(region);
    if (options.regions.length > 0 && !options.regions.includes(region)) return;
    const key = `${accountId}/${region}`;
    let entry = byRegion.get(key);
    if (!entry) {
      const inventory = emptyFileRegion(accountId, region);
      const evaluation = new RegionEvaluation(inventory, { evaluator: options.evaluator, now: options.now });
      entry = { inventory, evaluation };
      byRegion.set(key, entry);
    }
    entry.inventory.listed.push(doc.arn);
    entry.inventory.audited.push(doc.arn);
    // Evaluated now, as a live audit does, so no document outlives its turn. A plain GetRoom
    // document has no joined facts: the policies reading them are reported as not evaluated.
    entry.evaluation.add(doc);
  };

  try {
    await walkJsonFile(file === STDIN ? (options.stdin ?? process.stdin) : file, {
      visit(at, kind) {
        if (at.length === 0) {
          rootKind = kind;
          return 'descend';
        }
        if (at.length === 1 && at[0] === 'rooms' && rootKind === 'object' && kind === 'array') {
          sawRooms = true;
          return 'descend';
        }
        return 'assemble';
      },
      onValue(at, value) {
        if (at.length === 0) throw inputError(path, at, `expected ${SHAPES}`);
        if (rootKind === 'array' && at.length === 1) return addRoom(value, at);
        if (at[0] === 'rooms') {
          if (at.length === 2) return addRoom(value, at);
          throw inputError(path, at, 'expected an array of GetRoom documents');
        }
        if (at[0] === 'regions' && rootKind === 'object') {
          for (const region of declaredRegions(path, value)) result.declaredRegions.add(region);
          return;
        }
        single[at[0] as string] = value;
      },
    });
  } catch (error) {
    if (error instanceof InputError) throw error;
    if (error instanceof JsonSyntaxError) {
      // A whole-file problem (empty, not JSON at all) has no pointer worth showing.
      const at = error.pointer ? ` ${error.pointer}` : '';
      const detail =
        given === STDIN && error.message === EMPTY_SOURCE ? 'nothing came in (it was empty)' : error.message;
      throw new InputError(`${path}${at}: ${detail}`, { cause: error });
    }
    throw new InputError(`${path}: ${fileProblem(error)}`, { cause: error });
  }
  if (rootKind === 'object' && !sawRooms) {
    if (!('arn' in single)) throw inputError(path, [], `expected ${SHAPES}`);
    addRoom(single, []);
  }
  result.inventories = [...byRegion.values()].map(({ inventory, evaluation }) => {
    evaluation.writeTo(inventory);
    return inventory;
  });
  return result;
}

function declaredRegions(path: string, value: unknown): string[] {
  if (!Array.isArray(value)) throw inputError(path, ['regions'], 'expected an array of region names');
  value.forEach((region, i) => {
    if (typeof region !== 'string' || !isRegionName(region)) {
      const shown = typeof region === 'string' ? `"${clip(region)}"` : JSON.stringify(region);
      throw inputError(path, ['regions', i], `${clip(String(shown))} is not a region name (e.g. us-east-1)`);
    }
  });
  return value as string[];
}

/** A region the file covers with no room in it: the file says it has none, so their findings resolve. */
export function emptyFileRegion(accountId: string, region: string): RegionInventory {
  return {
    ...emptyInventory(accountId, region),
    // The file is the whole inventory of a region it covers: a room with findings not in it is gone.
    authoritative: true,
    absentReason: 'no longer in the input file',
  };
}

function roomDocument(path: string, value: unknown, pointer: string): RoomDocument {
  const at = pointer || '/';
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError(`${path} ${at}: a room document must be an object with a string "arn"`);
  }
  const doc = value as RoomDocument;
  if (typeof doc.arn !== 'string') {
    throw new InputError(`${path} ${at}: a room document must be an object with a string "arn"`);
  }
  if (!parseRoomArn(doc.arn)) {
    throw new InputError(
      `${path} ${pointer}/arn: "${clip(doc.arn)}" is not an IVS Chat room ARN (arn:aws:ivschat:<region>:<account>:room/<id>)`,
    );
  }
  if (GET_ROOM_ONLY_FIELDS.every((field) => !(field in doc))) {
    throw new InputError(
      `${path} ${at}: this looks like ListRooms output (no ${GET_ROOM_ONLY_FIELDS.join(' or ')}); ` +
        'GetRoom documents are needed: write them with "ivschat-audit export-rooms --region <region> -o rooms.json" ' +
        'or "aws ivschat get-room --identifier <arn>" per room',
    );
  }
  // A saved handler with an empty uri is no handler, as in a live audit: the evaluator sees to it
  // (core/room-facts.ts withDerivedFacts), and the document goes nowhere else.
  return doc;
}

function inputError(path: string, at: JsonPath, detail: string): InputError {
  return new InputError(`${path} ${jsonPointer(at) || '/'}: ${detail}`);
}

/** Room data is untrusted text: no control characters, and not a whole page of it, in a message. */
function clip(text: string): string {
  const clean = stripControl(text);
  return truncate(clean, 201);
}
