/**
 * The one definition of a "control character": a character that must never reach a person's
 * terminal, log, email or chat message as it is, because a terminal, a log viewer or a text
 * renderer would act on it instead of showing it.
 *
 * - `Cc`: C0 controls (ESC starts a terminal escape sequence: screen clears, OSC 52 clipboard
 *   writes; BEL; CR rewrites a line), DEL, and C1 controls (U+009B is a one-character CSI);
 * - `Cf`: format characters: the bidi embeddings, overrides and isolates (U+202A–U+202E,
 *   U+2066–U+2069) and marks that reorder what is shown, zero-width characters, the BOM and the
 *   invisible tag characters (U+E0000 block) that hide text from a reader;
 * - `Zl`, `Zp`: the Unicode line and paragraph separators (U+2028, U+2029), line breaks to some
 *   renderers;
 * - `Cs`: a lone UTF-16 surrogate, which is not a character at all and cannot be written as UTF-8.
 *
 * The render layer removes them from single-line field values (`stripControl`), the CLI escapes
 * them in everything it prints (`escapeControlCharacters`), and policy files whose names, ids or
 * JSON keys hold one are refused (`hasControlCharacter`).
 */
const CONTROL_CLASS = String.raw`\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}`;

/** A fresh global regex over the control characters (a shared /g regex would carry `lastIndex`). */
export function controlCharacterPattern(): RegExp {
  return new RegExp(`[${CONTROL_CLASS}]`, 'gu');
}

const ANY_CONTROL = new RegExp(`[${CONTROL_CLASS}]`, 'u');

/**
 * UTF-16 ranges that hold no control character at all (printable ASCII, most letters, punctuation
 * and symbols, CJK, private use). Only for speed: a first pass over a report of many megabytes finds
 * the few candidates outside them with a plain character class, and only those are matched against
 * the Unicode categories above, which is several times slower per character. A test checks every
 * code point of these ranges against the categories.
 */
export const SURELY_NOT_CONTROL = String.raw`\x20-\x7e\u00a0-\u00ac\u00ae-\u05ff\u2010-\u2027\u2030-\u205f\u2070-\ud7ff\ue000-\ufefe`;
/** A surrogate pair (one astral character) or a single unit outside SURELY_NOT_CONTROL. */
const CANDIDATE = new RegExp(String.raw`[\ud800-\udbff][\udc00-\udfff]|[^${SURELY_NOT_CONTROL}]`, 'g');
const CANDIDATE_BUT_NEWLINE = new RegExp(
  String.raw`[\ud800-\udbff][\udc00-\udfff]|[^\n${SURELY_NOT_CONTROL}]`,
  'g',
);
const CONTROL = controlCharacterPattern();

export function hasControlCharacter(s: string): boolean {
  return ANY_CONTROL.test(s);
}

/**
 * Each control character written as a JavaScript/JSON escape, one `\uXXXX` per UTF-16 unit
 * (lower-case hex): ESC becomes `\u001b`, a newline `\u000a`, U+202E `\u202e`, a tag character a
 * surrogate pair `\udb40\udc01`. The reader sees that something was there and what; nothing acts
 * on it. JSON text stays valid and means the same, since inside a JSON string `\u202e` is that very
 * character. `keepNewlines` leaves `\n` alone, for text whose lines are the writer's own.
 */
export function escapeControlCharacters(s: string, options: { keepNewlines?: boolean } = {}): string {
  return s.replace(options.keepNewlines ? CANDIDATE_BUT_NEWLINE : CANDIDATE, (candidate) =>
    candidate.replace(CONTROL, unicodeEscape),
  );
}

/** `U+001B, U+000A`: the distinct control characters of `s`, for a message that says what was found. */
export function describeControlCharacters(s: string): string {
  const found = new Set<string>();
  for (const [ch] of s.matchAll(controlCharacterPattern())) {
    found.add(`U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`);
  }
  return [...found].join(', ');
}

/** `\u001b`-style escapes for every UTF-16 unit of `s`. */
export function unicodeEscape(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i += 1) out += `\\u${s.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
}
