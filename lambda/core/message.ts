import type { ErrorObject } from 'ajv';

/** One failed check of a rule: where in the room it failed, the value found there, and a human sentence. */
export interface Violation {
  path: string;
  actual?: unknown;
  message: string;
}

const COMPARISON: Record<string, string> = { '<=': '≤', '>=': '≥', '<': '<', '>': '>' };
/** Keywords that only say "a sub-schema failed"; their sub-errors carry the useful detail. */
const WRAPPERS = new Set(['if', 'then', 'else', 'anyOf', 'oneOf', 'allOf', '$ref']);

/** Builds the violation for one ajv error (the Evaluator's cached describer, or `describeViolation`). */
export type Describer = (error: ErrorObject, room: unknown) => Violation;

/**
 * Turns ajv's errors into one violation per JSON pointer, each sentence naming the actual value
 * ("maximumMessageLength is 500; must be ≤ 200"). ajv's `errors` is overwritten by the next
 * validation, so callers pass it here at once.
 */
export function violationsFrom(
  errors: readonly ErrorObject[],
  room: unknown,
  describe: Describer = describeViolation,
): Violation[] {
  if (errors.length === 1) return [describe(errors[0] as ErrorObject, room)];
  const byPath = new Map<string, { violation: Violation; wrapper: boolean }>();
  for (const error of errors) {
    const wrapper = WRAPPERS.has(error.keyword);
    const violation = describe(error, room);
    const existing = byPath.get(violation.path);
    if (!existing || (existing.wrapper && !wrapper)) byPath.set(violation.path, { violation, wrapper });
  }
  const specific = [...byPath.values()].filter((v) => !v.wrapper);
  return (specific.length > 0 ? specific : [...byPath.values()]).map((v) => v.violation);
}

/** Where an error points in the room, parsed once: the pointer, its keys, and how a message names it. */
export interface Site {
  path: string;
  keys: readonly string[];
  /** `tags.owner`, or `room` for the whole document. */
  label: string;
}

/** The JSON pointer an error is about: `required` and `additionalProperties` name a child of instancePath. */
export function pointerOf(error: ErrorObject): string {
  const p = error.params as Record<string, unknown>;
  if (error.keyword === 'required') return childPointer(error.instancePath, String(p.missingProperty));
  if (error.keyword === 'additionalProperties') {
    return childPointer(error.instancePath, String(p.additionalProperty));
  }
  return error.instancePath;
}

export function siteAt(path: string): Site {
  const keys = pointerKeys(path);
  return { path, keys, label: keys.length === 0 ? 'room' : keys.join('.') };
}

/** The value a room holds at a site. */
export function valueAtSite(room: unknown, site: Site): { present: boolean; value?: unknown } {
  return lookup(room, site.keys);
}

/** The violation as one error and one room make it, with nothing shared. */
export function describeViolation(error: ErrorObject, room: unknown): Violation {
  const site = siteAt(pointerOf(error));
  const found = lookup(room, site.keys);
  const message = sentence(error, site, found);
  return found.present ? { path: site.path, actual: found.value, message } : { path: site.path, message };
}

/** The human sentence for an error at a site, naming the value found there. */
export function sentence(
  error: ErrorObject,
  site: Site,
  found: { present: boolean; value?: unknown },
): string {
  const p = error.params as Record<string, unknown>;
  const label = site.label;
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

function lookup(doc: unknown, keys: readonly string[]): { present: boolean; value?: unknown } {
  let current: unknown = doc;
  for (const key of keys) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key))
      return { present: false };
    current = (current as Record<string, unknown>)[key];
  }
  return { present: true, value: current };
}

/** The keys of a JSON pointer (RFC 6901): `/tags/a~1b` → `tags`, `a/b`. */
function pointerKeys(pointer: string): string[] {
  if (pointer === '') return [];
  const keys = pointer.slice(1).split('/');
  return pointer.includes('~') ? keys.map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~')) : keys;
}

function childPointer(parent: string, key: string): string {
  return `${parent}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
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
