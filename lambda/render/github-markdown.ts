import { escapeSlack } from './escape.js';

/**
 * What GitHub markdown adds to Slack's dangers: `@user` and `@org/team` mentions (and bare e-mail
 * addresses, which it links), `#123` issue references, `|` ending a table cell, `\` escaping the
 * character after it (a cell's closing `|`), and `$` starting math. Each becomes its fullwidth
 * look-alike, for the reason escape.ts gives: a look-alike is plain text in every renderer, while
 * whether a backslash or a zero-width character stops a mention is each renderer's own business.
 */
const GITHUB_LOOKALIKE: Record<string, string> = {
  '@': '\uff20',
  '#': '\uff03',
  '|': '\uff5c',
  '\\': '\uff3c',
  $: '\uff04',
};

/**
 * Escapes UNTRUSTED text (room names, tag values quoted in messages) for a GitHub comment, in a
 * table cell, a list item or a `<details>` body. On top of `escapeSlack` (no HTML: `<` `>` `&`
 * become entities, which GitHub shows as text; links defanged; no emphasis, code or link brackets;
 * one line), mentions, issue references, cell breaks, backslash escapes and math cannot form.
 *
 * The result contains none of `< > * _ ~ \` [ ] @ # | \\ $`, no `://` and no line break.
 * What GitHub still links is inside the repository and not the writer's choice of target: a commit
 * SHA that exists in it, `GH-123`, and the repository's own custom autolink prefixes.
 */
export function escapeGitHubMarkdown(s: string): string {
  // The word joiner escapeSlack puts after `@here` is not needed once `@` is a look-alike, and as a
  // format character it would reach the comment escaped (`\u2060`) through the CLI's output.
  return escapeSlack(s).replace(/@\u2060|[@#|\\$]/g, (c) => GITHUB_LOOKALIKE[c.charAt(0)] ?? c);
}
