import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSetting } from '../../lambda/settings/parse.js';
import { SETTING_NAMES, SETTINGS, type SettingName } from '../../lambda/settings/table.js';

// Every `-c key=value` the README and docs/deploy.md tell a user to type must be a setting the stack
// takes, with a value it accepts: a renamed key or a tightened range fails here, not at their deploy.
const DOCS = ['README.md', 'docs/deploy.md'];
/** A typo the docs make on purpose (to show synth's message), and the `-c key=value` form itself. */
const NOT_KEYS = new Set(['remediaton', 'key']);

function contextFlags(file: string): { key: string; value: string; line: number }[] {
  const text = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
  return text.split('\n').flatMap((content, index) =>
    [...content.matchAll(/-c ([A-Za-z]+)=('[^']*'|"[^"]*"|[^\s`]+)/g)].map((m) => ({
      key: m[1] as string,
      value: (m[2] as string).replace(/^['"]|['"]$/g, ''),
      line: index + 1,
    })),
  );
}

describe('the -c flags the docs show', () => {
  it.each(DOCS)('%s names settings, with values they accept', (file) => {
    const flags = contextFlags(file).filter(({ key }) => !NOT_KEYS.has(key));
    expect(flags.length).toBeGreaterThan(0);
    const problems = flags.flatMap(({ key, value, line }) => {
      if (!(key in SETTINGS)) return [`${file}:${line}: ${key} is not a setting`];
      // A placeholder (<…>, key=value, an ellipsis) is not a value to check.
      if (/[<…]|^value$/.test(value)) return [];
      const parsed = parseSetting(SETTINGS[key as SettingName], value);
      return parsed.ok ? [] : [`${file}:${line}: ${key}=${value}: ${parsed.problems.join('; ')}`];
    });
    expect(problems).toEqual([]);
  });

  it('turns the Security Hub and EventBridge sinks on with context keys, as a deployer does', () => {
    const keys = contextFlags('README.md').map(({ key, value }) => `${key}=${value}`);
    expect(keys).toContain('securityHub=true');
    expect(keys).toContain('eventBus=default');
  });
});

describe("the README's settings paragraph (Deploy)", () => {
  it('names every setting (docs/deploy.md has the table with ranges and variables)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf('Settings (`cdk.json` context');
    expect(start).toBeGreaterThan(0);
    const paragraph = readme.slice(start, readme.indexOf('\n\n', start));
    expect(SETTING_NAMES.filter((name) => !paragraph.includes(`\`${name}\``))).toEqual([]);
  });
});
