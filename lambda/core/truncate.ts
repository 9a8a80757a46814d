/**
 * Cuts `s` to at most `max` UTF-16 code units, ending in `ellipsis` when cut, never splitting a
 * surrogate pair (an emoji cut in half is a lone surrogate: invalid UTF-8 for every sink after).
 */
export function truncate(s: string, max: number, ellipsis = '…'): string {
  if (s.length <= max) return s;
  if (max <= ellipsis.length) return ellipsis.slice(0, Math.max(0, max));
  let end = max - ellipsis.length;
  const last = s.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return s.slice(0, end) + ellipsis;
}
