import { GET_ROOM_ONLY_FIELDS } from '../core/room-fields.js';
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

/** True when some policy may read a field only GetRoom returns, so summaries alone are not enough. */
export function policiesNeedGetRoom(policies: readonly CompiledPolicy[]): boolean {
  return policies.some(({ policy }) =>
    [policy.rule, policy.appliesTo].some((schema) => {
      if (schema === undefined) return false;
      const read = fieldsRead(schema);
      return read === 'all' || GET_ROOM_ONLY_FIELDS.some((f) => read.has(f));
    }),
  );
}
