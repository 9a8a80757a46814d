/**
 * Making untrusted room data inert before it reaches a person.
 *
 * Tag values, handler URIs and the messages that quote them are free text chosen by whoever
 * can create a chat room. Rendered as-is they could ping a whole Slack channel (`<!channel>`),
 * disguise a link (`<http://evil|click>`), forge a line of an email, reorder text with bidi
 * overrides, or inject terminal escape sequences into CLI output.
 */

/** Characters that end a line in some renderer: they become a single space inside a field value. */
const LINE_BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]/g;

/**
 * C0 controls, DEL, C1 controls, bidi embeddings/overrides/isolates (U+202A–U+202E,
 * U+2066–U+2069) and the invisible directional marks (U+061C, U+200E, U+200F), which can make
 * "1 resolved" read as something else.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Removes control and bidi-override characters; line breaks and tabs become a space. */
export function stripControl(s: string): string {
  return s.replace(LINE_BREAKS, ' ').replace(CONTROL, '');
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
};

/**
 * Escapes text for Slack mrkdwn delivered by Amazon Q Developer in chat applications.
 *
 * `&`, `<`, `>` are entity-escaped (Slack's documented escaping), so `<!channel>`, `<@U123>` and
 * `<http://x|y>` cannot form; `* _ ~ \`` become fullwidth look-alikes; a bare `@here`,
 * `@channel` or `@everyone` gets a word joiner so it cannot be parsed as a mention either.
 */
export function escapeSlack(s: string): string {
  return stripControl(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[*_~`]/g, (c) => MARKDOWN_LOOKALIKE[c] ?? c)
    .replace(/@(channel|here|everyone)\b/gi, '@\u2060$1');
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

/**
 * Cuts `s` to at most `max` UTF-16 code units, ending in `ellipsis` when cut, never splitting a
 * surrogate pair.
 */
export function truncate(s: string, max: number, ellipsis = '…'): string {
  if (s.length <= max) return s;
  if (max <= ellipsis.length) return ellipsis.slice(0, Math.max(0, max));
  let end = max - ellipsis.length;
  const last = s.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return s.slice(0, end) + ellipsis;
}

/** A single-line, control-free value cut to `max` characters: for plain-text fields. */
export function inlineValue(s: string, max = 2000): string {
  return truncate(stripControl(s), max);
}

/** UTF-8 byte length, as SNS counts it. */
export function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}
