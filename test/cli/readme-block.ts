import { readFileSync } from 'node:fs';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The fenced block after an HTML comment marker (`<!-- marker -->`) in the README. */
export function readmeBlock(marker: string): string {
  const at = README.indexOf(`<!-- ${marker} -->`);
  const fence = /```\w*\n([\s\S]*?)```/.exec(README.slice(at));
  if (at < 0 || !fence?.[1]) throw new Error(`README.md: no block after <!-- ${marker} -->`);
  return fence[1];
}
