import { RE2JS, RE2JSException } from 're2js';
import { PatternError } from '../core/errors.js';

/**
 * Policy patterns run on RE2 (re2js), whose matching time is linear in the input: a pattern such as
 * `^(a+)+$` cannot stall an audit however hostile the tag value. re2js is pure JavaScript, so it
 * bundles with esbuild and needs no native build or download in the Lambda.
 *
 * Patterns are still written as JSON Schema says (ECMA-262, `u` flag) and must be valid there, so an
 * editor and this engine agree on what a pattern means. Where JS and RE2 read the same text
 * differently, the text is rewritten to keep the JS meaning:
 * - `\s` / `\S`: JS counts Unicode spaces (U+00A0, U+2028, U+FEFF, ...), RE2 only ASCII ones;
 * - `.`: JS stops at \n, \r, U+2028 and U+2029, RE2 only at \n;
 * - `[]` (never matches) and `[^]` (any character): RE2 would read `]` as a member;
 * - `[` inside a class is a plain character, never the start of a POSIX class such as `[:alpha:]`;
 * - `\p{Script=Greek}` / `\p{gc=Lu}`: RE2 spells them `\p{Greek}` / `\p{Lu}`;
 * - `\uXXXX`, `\u{...}`, `(?<name>...)`, `\cX`: rewritten by re2js' translateRegExp.
 * `\d`, `\w`, `\b`, `^` and `$` (end of input, not before a final newline) already agree.
 * Backreferences and lookaround cannot run in linear time and are refused with that reason.
 */

const JS_WHITESPACE =
  '\\t\\n\\v\\f\\r \\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}\\x{feff}';
const JS_DOT = '[^\\n\\r\\x{2028}\\x{2029}]';
const NOTHING = '[^\\x{0}-\\x{10FFFF}]';
const ANYTHING = '[\\x{0}-\\x{10FFFF}]';
const PROPERTY_PREFIX = /^(?:Script|sc|General_Category|gc)=/;

/** Compiles an ECMA-262 pattern for RE2, or throws a PatternError saying why it cannot run there. */
export function compileLinear(pattern: string): RE2JS {
  try {
    new RegExp(pattern, 'u');
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new PatternError(pattern, `is not a valid regular expression (${detail})`, { cause });
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    const next = pattern[i + 1] ?? '';
    if (c === '\\') {
      if (next === 'k' || (next >= '1' && next <= '9')) {
        throw new PatternError(pattern, `uses a backreference (\\${next}), which cannot run in linear time`);
      }
      if (next === 's') out += inClass ? JS_WHITESPACE : `[${JS_WHITESPACE}]`;
      else if (next === 'S' && !inClass) out += `[^${JS_WHITESPACE}]`;
      else if ((next === 'p' || next === 'P') && pattern[i + 2] === '{') {
        const close = pattern.indexOf('}', i);
        out += `\\${next}{${pattern.slice(i + 3, close).replace(PROPERTY_PREFIX, '')}}`;
        i = close;
        continue;
      } else out += c + next;
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
      // `[[:alpha:]]` is a POSIX class to RE2 but plain characters to JS.
      out += c === '[' ? '\\[' : c;
    } else if (c === '[' && next === ']') {
      out += NOTHING;
      i++;
    } else if (c === '[' && next === '^' && pattern[i + 2] === ']') {
      out += ANYTHING;
      i += 2;
    } else if (c === '[') {
      inClass = true;
      out += c;
    } else if (c === '(' && next === '?' && lookaround(pattern.slice(i + 2, i + 4))) {
      throw new PatternError(
        pattern,
        `uses ${lookaround(pattern.slice(i + 2, i + 4))}, which cannot run in linear time`,
      );
    } else if (c === '.') out += JS_DOT;
    else out += c;
  }
  try {
    return RE2JS.compile(RE2JS.translateRegExp(out));
  } catch (cause) {
    if (!(cause instanceof RE2JSException)) throw cause;
    throw new PatternError(pattern, `cannot run on the linear-time engine (RE2: ${cause.message})`, {
      cause,
    });
  }
}

function lookaround(after: string): string | undefined {
  if (after.startsWith('=') || after.startsWith('!')) return `a lookahead "(?${after[0]}"`;
  if (after === '<=' || after === '<!') return `a lookbehind "(?${after}"`;
  return undefined;
}

/** What ajv needs of a compiled pattern; `toString` is ajv's cache key, so it must name the pattern. */
export interface LinearRegExp {
  test(input: string): boolean;
  toString(): string;
}

/**
 * ajv's `code.regExp` engine: `pattern`, `patternProperties` and `$data` patterns compile here.
 * ajv passes the `u` flag (RE2 is always Unicode-aware); any other flag is refused.
 */
export const linearRegExp = Object.assign(
  (pattern: string, flags = ''): LinearRegExp => {
    if (flags !== '' && flags !== 'u') throw new PatternError(pattern, `flags "${flags}" are not supported`);
    const re = compileLinear(pattern);
    return { test: (input) => re.test(input), toString: () => `/${pattern}/${flags}` };
  },
  // Only read when generating standalone validator code, which policies never do.
  { code: 'linearRegExp' },
);

/** The `format: "regex"` check with the same meaning: a string is a regex when RE2 can run it. */
export function isLinearPattern(value: string): boolean {
  try {
    compileLinear(value);
    return true;
  } catch (error) {
    if (error instanceof PatternError) return false;
    throw error;
  }
}
