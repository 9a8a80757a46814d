/**
 * A template's text (CloudFormation JSON or YAML, or `terraform show -json` output) as plain values
 * with the line of every key. The `yaml` package parses both JSON and YAML (JSON is YAML 1.2 flow
 * syntax), so one parser gives positions for both; CloudFormation's short tags (`!Ref`, `!GetAtt`,
 * `!Sub`, …) are registered as custom tags and turned into their long form (`{ "Ref": … }`,
 * `{ "Fn::GetAtt": [...] }`), the one form the rest of this layer reads. Pure: text in, values out.
 */
import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type Tags,
} from 'yaml';
import { InputError } from '../core/errors.js';

/** A parsed template: its value and the 1-based line of each key, by JSON pointer. */
export interface ParsedText {
  value: unknown;
  /** JSON pointer (`/Resources/Room/Properties/Name`, array items by index) → the line of its key or item. */
  lines: ReadonlyMap<string, number>;
}

/** CloudFormation's intrinsic functions that have a short YAML tag (`!Name`), and their long names. */
const SHORT_TAGS: Readonly<Record<string, string>> = {
  Ref: 'Ref',
  Condition: 'Condition',
  ...Object.fromEntries(
    [
      'And',
      'Base64',
      'Cidr',
      'Equals',
      'FindInMap',
      'GetAtt',
      'GetAZs',
      'If',
      'ImportValue',
      'Join',
      'Not',
      'Or',
      'Select',
      'Split',
      'Sub',
      'Transform',
      'ToJsonString',
      'Length',
    ].map((name) => [name, `Fn::${name}`]),
  ),
};

/**
 * Each short tag on a scalar, a sequence and a mapping. `resolve` keeps the node as parsed: the
 * conversion below reads the tag from the node, where it also has the node's position.
 */
const CUSTOM_TAGS: Tags = Object.keys(SHORT_TAGS).flatMap((name) => [
  { tag: `!${name}`, resolve: (value: string) => value },
  { tag: `!${name}`, collection: 'seq' as const, resolve: (value: unknown) => value },
  { tag: `!${name}`, collection: 'map' as const, resolve: (value: unknown) => value },
]) as Tags;

/** Parses `text` (named `file` in messages); throws InputError naming the file and line when it is not JSON or YAML. */
export function parseTemplateText(text: string, file: string): ParsedText {
  if (text.length > MAX_TEXT_LENGTH) {
    throw new InputError(
      `${file}: ${text.length} characters, more than the ${MAX_TEXT_LENGTH} a template may have`,
    );
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { customTags: CUSTOM_TAGS, lineCounter, prettyErrors: false });
  const problem = doc.errors[0];
  if (problem) {
    const line = lineCounter.linePos(problem.pos[0]).line;
    throw new InputError(`${file}:${line}: not a JSON or YAML template: ${problem.message.split('\n')[0]}`);
  }
  const lines = new Map<string, number>();
  const lineOf = (node: Node | null | undefined) =>
    node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
  const value = convert(doc.contents, '', 0, {
    doc,
    file,
    lines,
    lineOf,
    aliases: 0,
    aliasNodes: 0,
    nodes: 0,
    sizes: new Map(),
    expanding: new Set(),
    inAlias: false,
  });
  return { value, lines };
}

/**
 * A template is untrusted (a pull request writes it): YAML aliases may nest into an exponential
 * document ("billion laughs"), repeat a long anchor many times (linear amplification), or refer to
 * themselves, and nesting may run deeper than the stack. Each alias is charged the nodes its anchor
 * expands to, before it is expanded, as yaml's own `maxAliasCount` does; past these limits the file
 * is refused. No CloudFormation template comes near them (its own limit is 1 MB of text).
 */
export const MAX_ALIASES = 1000;
/** The nodes all aliases together may expand to. */
export const MAX_ALIAS_NODES = 100_000;
/** The nodes a document may hold, aliases expanded (a large plan holds a few hundred thousand). */
export const MAX_NODES = 5_000_000;
export const MAX_DEPTH = 200;
/** The characters a template's text may have (the file reader refuses larger files unread). */
export const MAX_TEXT_LENGTH = 64 * 1024 * 1024;

interface Conversion {
  doc: Document;
  file: string;
  lines: Map<string, number>;
  lineOf: (node: Node | null | undefined) => number | undefined;
  /** Aliases expanded so far, and the nodes they expanded to. */
  aliases: number;
  aliasNodes: number;
  /** Nodes converted so far. */
  nodes: number;
  /** An anchored node → the nodes it expands to (its own aliases expanded), counted once. */
  sizes: Map<unknown, number>;
  /** The anchored nodes being expanded (or sized), to refuse one that contains itself. */
  expanding: Set<unknown>;
  /** Inside an alias's expansion: its lines are the anchor's, elsewhere in the file, so none is recorded. */
  inAlias: boolean;
}

function tooFar(c: Conversion): InputError {
  return new InputError(
    `${c.file}: YAML aliases expand too far (more than ${MAX_ALIASES} aliases or ${MAX_ALIAS_NODES} nodes, or one contains itself)`,
  );
}

/**
 * The nodes `node` expands to, its aliases expanded, memoized per node so the count itself stays
 * linear in the text; stops counting once past the alias budget.
 */
function sizeOf(node: unknown, c: Conversion, depth: number): number {
  if (depth > MAX_DEPTH) throw new InputError(`${c.file}: nested more than ${MAX_DEPTH} levels deep`);
  const memo = c.sizes.get(node);
  if (memo !== undefined) return memo;
  if (c.expanding.has(node)) throw tooFar(c);
  let size = 1;
  if (isAlias(node)) {
    const target = node.resolve(c.doc);
    c.expanding.add(node);
    size = sizeOf(target, c, depth + 1);
    c.expanding.delete(node);
  } else if (isMap(node) || isSeq(node)) {
    c.expanding.add(node);
    for (const item of node.items) {
      size += isPair(item) ? 1 + sizeOf(item.value, c, depth + 1) : sizeOf(item, c, depth + 1);
      if (size > MAX_ALIAS_NODES) break;
    }
    c.expanding.delete(node);
  }
  c.sizes.set(node, size);
  return size;
}

/** A node as a plain value, its short tag (if any) in long form; records the line of every key and item. */
function convert(node: unknown, pointer: string, depth: number, c: Conversion): unknown {
  if (depth > MAX_DEPTH) throw new InputError(`${c.file}: nested more than ${MAX_DEPTH} levels deep`);
  c.nodes += 1;
  if (c.nodes > MAX_NODES)
    throw new InputError(`${c.file}: more than ${MAX_NODES} values, more than a template holds`);
  if (isAlias(node)) {
    c.aliases += 1;
    const target = node.resolve(c.doc);
    if (c.aliases > MAX_ALIASES || c.expanding.has(target)) throw tooFar(c);
    c.aliasNodes += sizeOf(target, c, depth + 1);
    if (c.aliasNodes > MAX_ALIAS_NODES) throw tooFar(c);
    const outer = c.inAlias;
    c.inAlias = true;
    c.expanding.add(target);
    const value = convert(target, pointer, depth + 1, c);
    c.expanding.delete(target);
    c.inAlias = outer;
    return value;
  }
  let value: unknown;
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
      const at = `${pointer}/${escapePointer(key)}`;
      record(c, at, pair.key as Node);
      out[key] = convert(pair.value, at, depth + 1, c);
    }
    value = out;
  } else if (isSeq(node)) {
    value = node.items.map((item, i) => {
      const at = `${pointer}/${i}`;
      record(c, at, item as Node);
      return convert(item, at, depth + 1, c);
    });
  } else if (isScalar(node)) {
    value = node.value;
  } else {
    value = node ?? null;
  }
  const tag = (node as { tag?: string } | null)?.tag;
  return tag?.startsWith('!') ? longForm(tag.slice(1), value) : value;
}

function record(c: Conversion, pointer: string, node: Node): void {
  if (c.inAlias) return;
  const line = c.lineOf(node);
  if (line !== undefined) c.lines.set(pointer, line);
}

/** `!GetAtt Room.Arn` → `{ "Fn::GetAtt": ["Room", "Arn"] }`; any other short tag wraps its value. */
function longForm(name: string, value: unknown): unknown {
  const long = SHORT_TAGS[name];
  if (!long) return value;
  if (long === 'Fn::GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    return { [long]: dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [long]: value };
}

/** A key as one JSON pointer segment (RFC 6901). */
export function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
