import type { ErrorObject } from 'ajv';
import { getOrCreate } from './maps.js';

/** One failed check of a rule: where in the room it failed, the value found there, and a human sentence. */
export interface Violation {
  path: string;
  actual?: unknown;
  message: string;
}

const COMPARISON: Record<string, string> = { '<=': '≤', '>=': '≥', '<': '<', '>': '>' };
/** Keywords that only say "a sub-schema failed"; their sub-errors carry the useful detail. */
const WRAPPERS = new Set(['if', 'then', 'else', 'anyOf', 'oneOf', 'allOf', '$ref']);

/**
 * Turns ajv's errors into one violation per JSON pointer, each sentence naming the actual value
 * ("maximumMessageLength is 500; must be ≤ 200"). ajv's `errors` is overwritten by the next
 * validation, so callers pass it here at once. `owner` (the compiled policy) keys the shared sentences.
 */
export function violationsFrom(errors: readonly ErrorObject[], room: unknown, owner?: object): Violation[] {
  if (errors.length === 1) return [describe(errors[0] as ErrorObject, room, owner)];
  const byPath = new Map<string, { violation: Violation; wrapper: boolean }>();
  for (const error of errors) {
    const wrapper = WRAPPERS.has(error.keyword);
    const violation = describe(error, room, owner);
    const existing = byPath.get(violation.path);
    if (!existing || (existing.wrapper && !wrapper)) byPath.set(violation.path, { violation, wrapper });
  }
  const specific = [...byPath.values()].filter((v) => !v.wrapper);
  return (specific.length > 0 ? specific : [...byPath.values()]).map((v) => v.violation);
}

function describe(error: ErrorObject, room: unknown, owner: object | undefined): Violation {
  const p = error.params as Record<string, unknown>;
  let path = error.instancePath;
  if (error.keyword === 'required') path = childPointer(path, String(p.missingProperty));
  if (error.keyword === 'additionalProperties') {
    path = childPointer(path, String(p.additionalProperty));
  }
  const found = valueAt(room, path);
  const value = found.present ? found.value : MISSING;
  const shared = shareable(owner, error, value) ? sharedSentences(owner, error, path) : undefined;
  let message = shared?.get(value);
  if (message === undefined) {
    message = sentence(error, p, labelOf(path), found);
    if (shared && memoSize < MAX_MEMOISED) {
      shared.set(value, message);
      memoSize++;
    }
  }
  // One object shape either way (this runs once per violation).
  return found.present ? { path, actual: found.value, message } : { path, message };
}

function sentence(
  error: ErrorObject,
  p: Record<string, unknown>,
  label: string,
  found: { present: boolean; value?: unknown },
): string {
  const is = () => (found.present ? `${label} is ${show(found.value)}` : `${label} is missing`);
  switch (error.keyword) {
    case 'maximum':
    case 'minimum':
    case 'exclusiveMaximum':
    case 'exclusiveMinimum':
      return `${is()}; must be ${COMPARISON[String(p.comparison)] ?? p.comparison} ${show(p.limit)}`;
    case 'maxLength':
    case 'minLength':
      return `${label} has ${lengthOf(found.value)} characters; must have ${error.keyword === 'maxLength' ? 'at most' : 'at least'} ${p.limit}`;
    case 'maxItems':
    case 'minItems': {
      const n = Array.isArray(found.value) ? found.value.length : 0;
      const head = n === 0 ? `${label} is empty` : `${label} has ${n} item${n === 1 ? '' : 's'}`;
      return `${head}; must have ${error.keyword === 'maxItems' ? 'at most' : 'at least'} ${p.limit} item${p.limit === 1 ? '' : 's'}`;
    }
    case 'maxProperties':
    case 'minProperties':
      return `${label} has ${countKeys(found.value)} entries; ${error.message}`;
    case 'required':
      return `${label} is missing; it is required`;
    case 'const':
      return `${is()}; must be ${show(p.allowedValue)}`;
    case 'enum':
      return `${is()}; must be one of ${(p.allowedValues as unknown[]).map(show).join(', ')}`;
    case 'type':
      return `${is()}; must be of type ${p.type}`;
    case 'pattern':
      return `${is()}; must match /${p.pattern}/`;
    case 'format':
      return `${is()}; must be a valid ${p.format}`;
    case 'additionalProperties':
      return `${label} is not allowed`;
    case 'errorMessage':
      return error.message ?? `${label} is invalid`;
    default:
      return `${is()}; ${error.message ?? `fails ${error.keyword}`}`;
  }
}

export function valueAt(doc: unknown, pointer: string): { present: boolean; value?: unknown } {
  if (pointer === '') return { present: true, value: doc };
  let current: unknown = doc;
  for (const key of parsePointer(pointer).keys) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key))
      return { present: false };
    current = (current as Record<string, unknown>)[key];
  }
  return { present: true, value: current };
}

interface ParsedPointer {
  keys: string[];
  label: string;
}

/** Pointers repeat (one per policy field), so parse each once; the cap keeps odd inputs from growing it. */
const parsedPointers = new Map<string, ParsedPointer>();

function parsePointer(pointer: string): ParsedPointer {
  let parsed = parsedPointers.get(pointer);
  if (!parsed) {
    const keys =
      pointer === ''
        ? []
        : pointer
            .slice(1)
            .split('/')
            .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
    parsed = { keys, label: keys.length === 0 ? 'room' : keys.join('.') };
    if (parsedPointers.size < 10_000) parsedPointers.set(pointer, parsed);
  }
  return parsed;
}

function labelOf(pointer: string): string {
  return parsePointer(pointer).label;
}

const childPointers = new Map<string, Map<string, string>>();

/** `parent` + `/key` (escaped), memoised: the same few pointers recur for every room. */
function childPointer(parent: string, key: string): string {
  let byKey = childPointers.get(parent);
  if (!byKey) {
    byKey = new Map();
    if (childPointers.size < 1_000) childPointers.set(parent, byKey);
  }
  let pointer = byKey.get(key);
  if (pointer === undefined) {
    pointer = `${parent}/${escapePointer(key)}`;
    if (byKey.size < 1_000) byKey.set(key, pointer);
  }
  return pointer;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Messages repeat across rooms ("maximumMessageLength is 500; must be ≤ 200"), and each one built
 * by concatenation is a tree of string fragments: a first audit of 50,000 rooms held 35 MB of them.
 * So each policy keeps the sentences it has built, by schema location, pointer and (primitive)
 * value, and rooms with the same value share one string. Lookups use those keys as they are
 * (hashing the built sentence instead cost more than building it); the cap bounds a policy whose
 * values are all different.
 */
const MISSING = Symbol('missing');
type Memo = Map<string, Map<string, Map<unknown, string>>>;
const memos = new WeakMap<object, Memo>();
let memoSize = 0;
const MAX_MEMOISED = 50_000;

/** The shared sentences of one policy at one schema location and pointer, by value. */
function sharedSentences(owner: object, error: ErrorObject, path: string): Map<unknown, string> {
  const byLocation = getOrCreate(memos, owner, (): Memo => new Map());
  const byPath = getOrCreate(byLocation, error.schemaPath, () => new Map<string, Map<unknown, string>>());
  return getOrCreate(byPath, path, () => new Map<unknown, string>());
}

/**
 * Custom errorMessage texts may quote other fields of the room: never shared. Objects and long
 * strings are not keys either (the table would keep them alive).
 */
function shareable(owner: object | undefined, error: ErrorObject, value: unknown): owner is object {
  if (!owner || error.keyword === 'errorMessage') return false;
  if (value !== null && typeof value === 'object') return false;
  return typeof value !== 'string' || value.length <= 256;
}

const MAX_SHOWN = 120;

/** A value as a person reads it in a message: strings quoted and cut short. */
export function show(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') {
    const cut = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value;
    return JSON.stringify(cut);
  }
  if (value === undefined) return 'undefined';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}

function lengthOf(value: unknown): number {
  return typeof value === 'string' ? [...value].length : 0;
}

function countKeys(value: unknown): number {
  return value !== null && typeof value === 'object' ? Object.keys(value).length : 0;
}
