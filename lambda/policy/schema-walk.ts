/** Keywords (draft 2020-12, plus draft-07 spellings ajv accepts) whose value is one schema. */
const ONE_SCHEMA = [
  'not',
  'if',
  'then',
  'else',
  'additionalProperties',
  'propertyNames',
  'unevaluatedProperties',
  'unevaluatedItems',
  'contains',
  'items',
  'additionalItems',
  'contentSchema',
];
/** Keywords whose value is an array of schemas. */
const SCHEMA_ARRAY = ['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items'];
/** Keywords whose value maps names to schemas. */
const SCHEMA_MAP = [
  'properties',
  'patternProperties',
  '$defs',
  'definitions',
  'dependentSchemas',
  'dependencies',
];

export type SchemaObject = Record<string, unknown>;

/**
 * Calls `visit` with every object (sub)schema of `schema` and its JSON pointer, the root included.
 * Only places that hold schemas are entered, never `const`, `enum`, `default`, `examples` or
 * `errorMessage`, whose objects are data. Safe on malformed schemas: anything unexpected is skipped.
 */
export function forEachSchema(
  schema: unknown,
  pointer: string,
  visit: (schema: SchemaObject, pointer: string) => void,
): void {
  if (!isObject(schema)) return;
  visit(schema, pointer);
  for (const key of ONE_SCHEMA) forEachSchema(schema[key], `${pointer}/${key}`, visit);
  for (const key of SCHEMA_ARRAY) {
    const list = schema[key];
    if (!Array.isArray(list)) continue;
    list.forEach((s, i) => {
      forEachSchema(s, `${pointer}/${key}/${i}`, visit);
    });
  }
  for (const key of SCHEMA_MAP) {
    const map = schema[key];
    if (!isObject(map)) continue;
    for (const [name, s] of Object.entries(map))
      forEachSchema(s, `${pointer}/${key}/${escapePointer(name)}`, visit);
  }
}

/** RFC 6901: `~` and `/` inside a key. */
export function escapePointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

function isObject(value: unknown): value is SchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
