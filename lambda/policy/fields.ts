import { GET_ROOM_ONLY_FIELDS, JOINED_FIELDS } from '../core/room-fields.js';
import type { CompiledPolicy } from './compile.js';

/** Keywords whose sub-schemas apply to the same (root) object. */
const SAME_OBJECT = ['allOf', 'anyOf', 'oneOf'] as const;
const SAME_OBJECT_SINGLE = ['not', 'if', 'then', 'else'] as const;
/** Keywords at the root that can read any property: the fields read cannot be known. */
const OPAQUE = [
  'patternProperties',
  'additionalProperties',
  'unevaluatedProperties',
  'propertyNames',
  '$ref',
  '$dynamicRef',
  'dependentSchemas',
  'minProperties',
  'maxProperties',
  'enum',
  'const',
];

/**
 * The top-level room fields a schema can look at, or `'all'` when that cannot be told from its shape.
 * Conservative: anything unusual at the root counts as reading every field.
 */
export function fieldsRead(schema: unknown): Set<string> | 'all' {
  if (typeof schema === 'boolean') return new Set();
  if (schema === null || typeof schema !== 'object') return 'all';
  const s = schema as Record<string, unknown>;
  if (OPAQUE.some((k) => k in s)) return 'all';
  const fields = new Set<string>();
  for (const key of Object.keys((s.properties as object | undefined) ?? {})) fields.add(key);
  for (const key of (s.required as string[] | undefined) ?? []) fields.add(key);
  for (const [key, deps] of Object.entries(
    (s.dependentRequired as Record<string, string[]> | undefined) ?? {},
  )) {
    fields.add(key);
    for (const d of deps) fields.add(d);
  }
  const subs: unknown[] = [
    ...SAME_OBJECT.flatMap((k) => (Array.isArray(s[k]) ? (s[k] as unknown[]) : [])),
    ...SAME_OBJECT_SINGLE.filter((k) => k in s).map((k) => s[k]),
  ];
  for (const sub of subs) {
    const read = fieldsRead(sub);
    if (read === 'all') return 'all';
    for (const f of read) fields.add(f);
  }
  return fields;
}

/**
 * The top-level fields a `$data` reference anywhere in `schema` reads (`{"$data": "/accountId"}` reads
 * `accountId`), or `'all'` for a relative or whole-document reference, whose target depends on where
 * it is used.
 */
export function dataFieldsRead(schema: unknown): Set<string> | 'all' {
  const fields = new Set<string>();
  let all = false;
  const walk = (value: unknown) => {
    if (all || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const item of value) walk(item);
      return;
    }
    const ref = (value as Record<string, unknown>).$data;
    if (typeof ref === 'string') {
      const match = /^\/([^/]+)/.exec(ref);
      if (match?.[1]) fields.add(match[1].replace(/~1/g, '/').replace(/~0/g, '~'));
      else all = true;
    }
    for (const child of Object.values(value)) walk(child);
  };
  walk(schema);
  return all ? 'all' : fields;
}

/** Every top-level room field a policy (rule and appliesTo, `$data` included) may read, or `'all'`. */
export function policyFieldsRead({ policy }: CompiledPolicy): Set<string> | 'all' {
  return schemasFieldsRead([policy.rule, policy.appliesTo]);
}

/** The top-level room fields some of `schemas` (undefined ones skipped) may read, or `'all'`. */
export function schemasFieldsRead(schemas: readonly unknown[]): Set<string> | 'all' {
  const fields = new Set<string>();
  for (const schema of schemas) {
    if (schema === undefined) continue;
    for (const read of [fieldsRead(schema), dataFieldsRead(schema)]) {
      if (read === 'all') return 'all';
      for (const f of read) fields.add(f);
    }
  }
  return fields;
}

/** True when some policy may read a field only GetRoom returns, so summaries alone are not enough. */
export function policiesNeedGetRoom(policies: readonly CompiledPolicy[]): boolean {
  return policies.some((compiled) => {
    const read = policyFieldsRead(compiled);
    return read === 'all' || GET_ROOM_ONLY_FIELDS.some((f) => read.has(f));
  });
}

/**
 * The joined fields (core/room-fields.ts) a policy may read: a room without them cannot be judged by
 * it. A policy whose reads cannot be told needs them all (never a finding from a missing join).
 */
export function joinedFieldsRead(compiled: CompiledPolicy): string[] {
  const read = policyFieldsRead(compiled);
  return JOINED_FIELDS.filter((f) => read === 'all' || read.has(f));
}

/** True when some policy may read `field` (a joined field): then the target's listing is needed. */
export function policiesNeedJoin(policies: readonly CompiledPolicy[], field: string): boolean {
  return policies.some((compiled) => joinedFieldsRead(compiled).includes(field));
}
