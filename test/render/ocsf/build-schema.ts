/**
 * Builds the JSON Schema of one OCSF event class, and of every object it reaches, from a checkout of
 * ocsf/ocsf-schema (its dictionary.json, events/ and objects/). The result is committed as a test
 * fixture (test/render/fixtures/ocsf-compliance-finding.schema.json) so the tests need neither the
 * schema repository nor the network; run this again to move to another OCSF release:
 *
 *   git clone https://github.com/ocsf/ocsf-schema && git -C ocsf-schema checkout 1.8.0
 *   npx tsx test/render/ocsf/build-schema.ts ocsf-schema 1.8.0 > test/render/fixtures/ocsf-compliance-finding.schema.json
 *   npx biome format --write test/render/fixtures/ocsf-compliance-finding.schema.json
 *
 * (The committed fixture was built from the release tag 1.8.0 of ocsf/ocsf-schema; the schema
 * repository's own files are not kept here.) test/render/ocsf/build-schema.test.ts runs this on a
 * small made-up schema tree to pin the rules below.
 *
 * How the OCSF sources become JSON Schema, as the OCSF server compiles them:
 * - a class or object `extends` its parent: the parent's attributes first, the child's merged over
 *   them key by key (so a child can narrow a requirement or add enum values);
 * - `$include` brings in a profile's (or include file's) attributes; a profile's attributes count
 *   only when that profile is applied. This build applies the profiles the renderer declares in
 *   `metadata.profiles` (`cloud`), so any other profile's attribute is refused;
 * - each attribute's type and enum come from the dictionary, overridden by the class or object;
 *   `requirement: required` makes it required, and no other attribute is allowed
 *   (additionalProperties false), so a misspelt attribute fails validation;
 * - an object's `constraints` (`at_least_one`, `just_one`) become anyOf / oneOf;
 * - data types map to their JSON type with the type's regex, length and range limits;
 * - `class_uid`, `category_uid` and `type_uid` are fixed to the class's values.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

type Json = Record<string, unknown>;
interface Attribute {
  type?: string;
  is_array?: boolean;
  requirement?: string;
  enum?: Record<string, unknown>;
  profile?: string | null;
  [key: string]: unknown;
}
interface SourceFile {
  name: string;
  uid?: number;
  extends?: string;
  category?: string;
  attributes?: Record<string, Attribute | string[]>;
  constraints?: { at_least_one?: string[]; just_one?: string[] };
}

const [rootArg, version, className = 'compliance_finding', ...profileArgs] = process.argv.slice(2);
if (!rootArg || !version) {
  process.stderr.write('usage: build-schema.ts <ocsf-schema checkout> <version> [class] [profile...]\n');
  process.exit(2);
}
const root: string = rootArg;
const appliedProfiles = new Set(profileArgs.length > 0 ? profileArgs : ['cloud']);

const read = (path: string): Json => JSON.parse(readFileSync(join(root, path), 'utf8')) as Json;
const dictionary = read('dictionary.json') as {
  attributes: Record<string, Attribute>;
  types: { attributes: Record<string, Json> };
};
const categories = read('categories.json') as { attributes: Record<string, { uid: number }> };

/** Every JSON file under a folder, by its `name` (events are in one folder per category). */
function byName(folder: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir))) {
      const path = join(dir, entry);
      if (statSync(join(root, path)).isDirectory()) walk(path);
      else if (entry.endsWith('.json')) files.set((read(path) as unknown as SourceFile).name, path);
    }
  };
  walk(folder);
  return files;
}
const eventFiles = byName('events');
const objectFiles = byName('objects');

/** Merges `over` into `base` attribute by attribute, and within one attribute key by key (enums too). */
function mergeAttributes(base: Record<string, Attribute>, over: Record<string, Attribute>) {
  for (const [name, attr] of Object.entries(over)) {
    const prior = base[name] ?? {};
    const merged: Attribute = { ...prior, ...attr };
    if (prior.enum || attr.enum) merged.enum = { ...(prior.enum ?? {}), ...(attr.enum ?? {}) };
    base[name] = merged;
  }
}

/** A file's own attributes, its `$include`s first (a profile marks what it brings with its name). */
function ownAttributes(source: SourceFile): Record<string, Attribute> {
  const out: Record<string, Attribute> = {};
  const { $include, ...own } = source.attributes ?? {};
  for (const path of ($include as string[] | undefined) ?? []) {
    const included = read(path) as unknown as SourceFile & { meta?: string };
    const attrs = (included.attributes ?? {}) as Record<string, Attribute>;
    const marked = Object.fromEntries(
      Object.entries(attrs).map(([k, v]) => [
        k,
        included.meta === 'profile' && !('profile' in v) ? { ...v, profile: included.name } : v,
      ]),
    );
    mergeAttributes(out, marked);
  }
  mergeAttributes(out, own as Record<string, Attribute>);
  return out;
}

interface Resolved {
  source: SourceFile;
  attributes: Record<string, Attribute>;
  /** The file's own constraints, or else the nearest parent's (an entity needs a name or a uid). */
  constraints: SourceFile['constraints'];
}

function resolved(files: Map<string, string>, name: string): Resolved {
  const path = files.get(name);
  if (!path) throw new Error(`OCSF: no definition of ${name}`);
  const source = read(path) as unknown as SourceFile;
  const attributes: Record<string, Attribute> = {};
  const parent = source.extends ? resolved(files, source.extends) : undefined;
  if (parent) mergeAttributes(attributes, parent.attributes);
  mergeAttributes(attributes, ownAttributes(source));
  return { source, attributes, constraints: source.constraints ?? parent?.constraints };
}

const isDataType = (type: string) => type.endsWith('_t');

/** The JSON Schema of an OCSF data type, following its base type. */
function dataType(type: string): Json {
  const def = dictionary.types.attributes[type];
  if (!def) throw new Error(`OCSF: unknown data type ${type}`);
  const base = def.type as string | undefined;
  const schema: Json = base
    ? dataType(base)
    : ({
        string_t: { type: 'string' },
        integer_t: { type: 'integer' },
        long_t: { type: 'integer' },
        float_t: { type: 'number' },
        boolean_t: { type: 'boolean' },
        json_t: {},
      }[type] ?? {});
  if (!base && !['string_t', 'integer_t', 'long_t', 'float_t', 'boolean_t', 'json_t'].includes(type)) {
    throw new Error(`OCSF: data type ${type} has no base type`);
  }
  const out: Json = { ...schema };
  if (typeof def.regex === 'string') out.pattern = def.regex;
  if (typeof def.max_len === 'number') out.maxLength = def.max_len;
  if (Array.isArray(def.range)) [out.minimum, out.maximum] = def.range as number[];
  if (Array.isArray(def.values)) out.enum = def.values;
  return out;
}

const defs: Record<string, Json> = {};

function attributeSchema(name: string, attr: Attribute): Json {
  const type = attr.type ?? dictionary.attributes[name]?.type;
  if (!type) throw new Error(`OCSF: attribute ${name} has no type`);
  let schema: Json;
  if (type === 'object') schema = { type: 'object' };
  else if (isDataType(type)) schema = dataType(type);
  else {
    objectSchema(type);
    schema = { $ref: `#/$defs/${type}` };
  }
  if (attr.enum) {
    const keys = Object.keys(attr.enum);
    schema = { ...schema, enum: schema.type === 'integer' ? keys.map(Number) : keys };
  }
  return attr.is_array ? { type: 'array', items: schema } : schema;
}

/** Properties and required list of a merged attribute map; attributes of unapplied profiles left out. */
function properties(attributes: Record<string, Attribute>): { properties: Json; required: string[] } {
  const props: Json = {};
  const required: string[] = [];
  for (const [name, own] of Object.entries(attributes).sort(([a], [b]) => a.localeCompare(b))) {
    const attr: Attribute = { ...(dictionary.attributes[name] ?? {}), ...own };
    if (dictionary.attributes[name]?.enum || own.enum) {
      attr.enum = { ...(dictionary.attributes[name]?.enum ?? {}), ...(own.enum ?? {}) };
    }
    if (own.profile && !appliedProfiles.has(own.profile)) continue;
    props[name] = attributeSchema(name, attr);
    if (own.requirement === 'required') required.push(name);
  }
  return { properties: props, required };
}

function withConstraints(schema: Json, constraints: SourceFile['constraints']): Json {
  if (constraints?.at_least_one) schema.anyOf = constraints.at_least_one.map((a) => ({ required: [a] }));
  if (constraints?.just_one) schema.oneOf = constraints.just_one.map((a) => ({ required: [a] }));
  return schema;
}

function objectSchema(name: string): void {
  if (defs[name]) return;
  defs[name] = {}; // placed first: objects refer to themselves (process.parent_process)
  const { attributes, constraints } = resolved(objectFiles, name);
  const { properties: props, required } = properties(attributes);
  defs[name] = withConstraints(
    { type: 'object', properties: props, required, additionalProperties: false },
    constraints,
  );
}

const {
  source: eventSource,
  attributes: eventAttributes,
  constraints: eventConstraints,
} = resolved(eventFiles, className);
let categoryName = eventSource.category;
for (let parent = eventSource.extends; !categoryName && parent; ) {
  const { source } = resolved(eventFiles, parent);
  categoryName = source.category;
  parent = source.extends;
}
const categoryUid = categories.attributes[categoryName ?? '']?.uid;
if (categoryUid === undefined || eventSource.uid === undefined)
  throw new Error(`OCSF: ${className} has no uid`);
const classUid = categoryUid * 1000 + eventSource.uid;
const event = properties(eventAttributes);
// The activities as the dictionary and every class in the chain define them, merged as for any enum.
const activityEnum = {
  ...(dictionary.attributes.activity_id?.enum ?? {}),
  ...(eventAttributes.activity_id?.enum ?? {}),
};
const activities = Object.keys(activityEnum).map(Number);
event.properties = {
  ...event.properties,
  class_uid: { const: classUid },
  category_uid: { const: categoryUid },
  type_uid: { enum: activities.map((a) => classUid * 100 + a) },
};

const schema = withConstraints(
  {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $comment: `Generated by test/render/ocsf/build-schema.ts from ocsf/ocsf-schema ${version} (dictionary.json, events/, objects/, profiles applied: ${[...appliedProfiles].join(', ')}). Do not edit: regenerate.`,
    title: `OCSF ${version} ${className} (class_uid ${classUid})`,
    type: 'object',
    properties: event.properties,
    required: event.required,
    additionalProperties: false,
    $defs: Object.fromEntries(Object.entries(defs).sort(([a], [b]) => a.localeCompare(b))),
  },
  eventConstraints,
);
process.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
