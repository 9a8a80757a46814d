import { closest } from '../core/did-you-mean.js';
import { PatternError } from '../core/errors.js';
import { compileLinear } from './regex.js';
import { escapePointer, forEachSchema } from './schema-walk.js';

/** A problem inside a rule schema, at the JSON pointer of the keyword itself. */
export interface SchemaProblem {
  pointer: string;
  detail: string;
}

/**
 * Every `pattern` and `patternProperties` key that RE2 cannot run. Checked before ajv compiles the
 * rule because ajv's own error names neither the pattern's place nor, often, the reason.
 */
export function unrunnablePatterns(schema: unknown, pointer: string): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const check = (pattern: string, at: string) => {
    try {
      compileLinear(pattern);
    } catch (error) {
      if (!(error instanceof PatternError)) throw error;
      problems.push({ pointer: at, detail: error.message });
    }
  };
  forEachSchema(schema, pointer, (s, at) => {
    if (typeof s.pattern === 'string') check(s.pattern, `${at}/pattern`);
    const patternProperties = s.patternProperties;
    if (typeof patternProperties === 'object' && patternProperties !== null) {
      for (const key of Object.keys(patternProperties))
        check(key, `${at}/patternProperties/${escapePointer(key)}`);
    }
  });
  return problems;
}

/**
 * Keywords ajv does not know, each at its own pointer (ajv's strict mode names only the word).
 * `known` is the ajv instance's keyword table, so custom keywords (errorMessage, formats) count.
 */
export function unknownKeywords(
  schema: unknown,
  pointer: string,
  known: Readonly<Record<string, unknown>>,
): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const names = Object.keys(known);
  forEachSchema(schema, pointer, (s, at) => {
    for (const key of Object.keys(s)) {
      if (Object.hasOwn(known, key)) continue;
      const guess = closest(key, names);
      problems.push({
        pointer: `${at}/${escapePointer(key)}`,
        detail: `unknown keyword "${key}"${guess ? ` (did you mean "${guess}"?)` : ''}; a misspelt keyword would silently check nothing`,
      });
    }
  });
  return problems;
}
