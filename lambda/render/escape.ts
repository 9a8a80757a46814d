/**
 * Making untrusted room data inert before it reaches a person.
 *
 * Tag values, handler URIs and the messages that quote them are free text chosen by whoever
 * can create a chat room. Rendered as-is they could ping a whole Slack channel (`<!channel>`),
 * disguise a link (`<http://evil|click>`), forge a line of an email, reorder text with bidi
 * overrides, or inject terminal escape sequences into CLI output.
 */

import { controlCharacterPattern } from '../core/control-chars.js';
import { truncate } from '../core/truncate.js';

/** Moved to core (policy and CLI messages cut text too); renderers and sinks keep importing it here. */

/** Characters that end a line in some renderer: they become a single space inside a field value. */
const LINE_BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]/g;

/**
 * Control characters as core/control-chars.ts defines them (C0, DEL, C1, bidi and other format
 * characters, line separators), which can inject terminal sequences or make "1 resolved" read as
 * something else.
 */
const CONTROL = controlCharacterPattern();

/** A UTF-16 surrogate without its other half: not a character, and not encodable as UTF-8. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * `s` with every lone surrogate replaced by U+FFFD, as `String.prototype.toWellFormed` (ES2024)
 * would: such a string cannot be written as UTF-8 (a terminal, an email, SNS) or passed to
 * `encodeURIComponent`, which throws on it.
 */
export function wellFormed(s: string): string {
  return s.replace(LONE_SURROGATE, '\ufffd');
}

/**
 * Removes control and bidi-override characters; line breaks and tabs become a space; lone
 * surrogates become U+FFFD.
 */
export function stripControl(s: string): string {
  return wellFormed(s).replace(LINE_BREAKS, ' ').replace(CONTROL, '');
}

/**
 * Markdown metacharacters mapped to their fullwidth look-alikes.
 *
 * Why fullwidth rather than a zero-width joiner: Slack only honours `*bold*` when the markers
 * sit at a word boundary, and whether a zero-width character counts as one is an undocumented
 * detail of each client (Slack desktop, mobile, Teams via the same `client-markdown`), so a
 * zero-width trick may stop working silently. A fullwidth asterisk is simply not markdown in any
 * renderer. The cost is that a copied value differs from the original in these four characters;
 * the exact value is always in the email and in the machine JSON.
 */
const MARKDOWN_LOOKALIKE: Record<string, string> = {
  '*': '\uff0a',
  _: '\uff3f',
  '~': '\uff5e',
  '`': '\uff40',
  '[': '\uff3b',
  ']': '\uff3d',
};

/**
 * URL schemes that make a link without `//` (`mailto:a@b`, `javascript:x`, `tel:+1`). Any
 * `scheme://` (`https://`, `slack://`...) is caught by the generic `://` rule instead, whatever
 * the scheme, so this list only needs the schemes that work without slashes.
 */
const COLON_SCHEMES =
  'mailto|slack|tel|sms|callto|facetime|facetime-audio|skype|sip|sips|xmpp|im|magnet|news|nntp|' +
  'javascript|vbscript|data|blob|file|msteams|zoommtg|itms-services|intent|market|geo|maps|webcal';
/** `mailto:x`, `javascript:alert(1)`; not "data: 3 rooms" (a space after the colon is prose). */
const COLON_SCHEME = new RegExp(`(?<![A-Za-z0-9+.-])(${COLON_SCHEMES}):(?=\\S)`, 'gi');

/**
 * Defangs anything a chat client could turn into a link: every `://` (so `https://`, `http://`,
 * `ftp://`, `slack://`, and any scheme at all, even glued to a preceding word) becomes `[:]//`,
 * a slash-less scheme such as `mailto:` or `javascript:` becomes `mailto[:]`, and `www.` becomes
 * `www[.]`. Runs before the bracket escaping, so the marker ends up as `［:］`.
 *
 * Why defang rather than wrap in code or rely on Slack's escaping: entity-escaping `<` and `>`
 * only stops Slack's `<url|text>` syntax; Slack still auto-links a bare URL, and a disguised one
 * can be made from markdown link syntax in `client-markdown`. `[:]` is the usual defanging mark,
 * so a reader still sees where the text pointed, and a copy of it does not open by accident. Its
 * brackets become fullwidth like every other bracket, so the output holds no ASCII `[` or `]`
 * that could start a markdown link (`mailto[:](x)` would otherwise be one).
 */
function defangLinks(s: string): string {
  return s
    .replace(/:\/\//g, '[:]//')
    .replace(COLON_SCHEME, '$1[:]')
    .replace(/(?<![A-Za-z0-9-])www\./gi, (m) => `${m.slice(0, 3)}[.]`);
}

/**
 * Escapes UNTRUSTED text for Slack mrkdwn / `client-markdown` delivered by Amazon Q Developer in
 * chat applications. Never pass a URL the renderer built itself through it: its scheme would be
 * defanged too. Insert such a URL, made of percent-encoded parts, next to the escaped text.
 *
 * - `&`, `<`, `>` are entity-escaped (Slack's documented escaping), so `<!channel>`, `<@U123>` and
 *   `<http://x|y>` cannot form;
 * - links are defanged (see `defangLinks`): `https://evil` → `https［:］//evil`, so Slack does not
 *   auto-link a bare URL;
 * - `* _ ~ \`` and `[ ]` become fullwidth look-alikes, so neither emphasis nor a markdown link
 *   `[text](url)` (which `client-markdown` may render, hiding the target) can form. Fullwidth
 *   rather than a backslash escape because whether a backslash escapes is up to each client,
 *   and Slack mrkdwn has no backslash escaping at all (the backslash would just show);
 * - a bare `@here`, `@channel` or `@everyone` gets a word joiner after the `@` so it cannot be
 *   parsed as a mention either; also when a letter follows (`@heres`), since where a client ends
 *   the word is its own business, and the invisible joiner costs nothing there.
 *
 * The result contains no `<`, `>`, `*`, `_`, `~`, `` ` ``, `[`, `]`, `://` or control character.
 */
export function escapeSlack(s: string): string {
  return defangLinks(stripControl(s))
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[*_~`[\]]/g, (c) => MARKDOWN_LOOKALIKE[c] ?? c)
    .replace(/@(?=channel|here|everyone)/gi, '@\u2060');
}

/**
 * Printable ASCII (0x20–0x7E) only, whitespace collapsed, no leading or trailing whitespace,
 * at most `max` characters (ending in `...` when cut). Accented letters lose their accents;
 * other non-ASCII characters become `?` so the reader still sees that something was there.
 */
export function asciiSubject(s: string, max = 100): string {
  const ascii = stripControl(s)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]+/g, '?')
    .replace(/ +/g, ' ')
    .trim();
  return truncate(ascii, max, '...').trimEnd();
}

/** A single-line, control-free value cut to `max` characters: for plain-text fields. */
export function inlineValue(s: string, max = 2000): string {
  return truncate(stripControl(s), max);
}

/** UTF-8 byte length, as SNS counts it. */
export function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

const HTML_ENTITY: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '[': '&#91;',
};

/**
 * Escapes UNTRUSTED text for HTML, as element text or a quoted attribute value: control and bidi
 * characters removed (stripControl), then `& < > " '` as entities, so room data can never open a
 * tag, close an attribute or start an entity. `[` is an entity too, so a value holding `##[` reads
 * the same in the browser but is never the CI runner's `##[command]` in the file's bytes (a page is
 * also printed to stdout and read with `cat`); as stripControl leaves no line break, no value can
 * start a line with `::` either. Not for a URL attribute (`href`): a value there could still be
 * `javascript:`; the HTML report puts no room data in one.
 */
export function escapeHtml(s: string): string {
  return stripControl(s).replace(/[&<>"'[]/g, (c) => HTML_ENTITY[c] ?? c);
}

/**
 * JSON for a `<script type="application/json">` block: `<`, `>` and `&` as `\u003c`-style escapes,
 * so no value can close the block (`</script>`) or open a comment (`<!--`) in the HTML parser; the
 * line and paragraph separators too, for parsers that read the block as JavaScript; and `#`, which
 * JSON has only inside strings, so no value writes the CI runner's `##[`. `JSON.parse` reads the
 * same values back.
 */
export function jsonForHtml(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&#\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
