import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The README's folder table is where a new contributor looks for code: a folder added under lambda/
// without a word there fails here.
const ROOT = join(import.meta.dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

describe("the README's folder table", () => {
  it('names every folder of lambda/', () => {
    const row = README.split('\n').find((line) => line.startsWith('| `lambda/` |')) ?? '';
    const folders = readdirSync(join(ROOT, 'lambda'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `\`${entry.name}/\``);
    expect(folders.filter((folder) => !row.includes(folder))).toEqual([]);
  });
});

describe("the README's SNS message attributes", () => {
  it('names every attribute the alert can carry (subscription filters match on them)', () => {
    const source = readFileSync(join(ROOT, 'lambda', 'sinks', 'sns-message.ts'), 'utf8');
    const body = source.slice(source.indexOf('function attributes('));
    const names = new Set(
      [...body.slice(0, body.indexOf('\n}\n')).matchAll(/(?:attrs\.(\w+) =|(\w+): \{ DataType)/g)].map(
        (m) => (m[1] ?? m[2]) as string,
      ),
    );
    expect(names.size).toBeGreaterThanOrEqual(8);
    const section = README.slice(README.indexOf('Message attributes `severity`')).split('\n\n')[0] ?? '';
    expect([...names].filter((name) => !section.includes(`\`${name}\``))).toEqual([]);
  });
});

describe('the GitHub workflows in docs/deploy.md', () => {
  const deploy = readFileSync(join(ROOT, 'docs', 'deploy.md'), 'utf8');
  const section = deploy.slice(deploy.indexOf('## GitHub workflows'));
  const workflows = readdirSync(join(ROOT, '.github', 'workflows')).filter((name) => name.endsWith('.yml'));

  it.each(workflows)('%s is described, with every repository variable it reads', (name) => {
    expect(section).toContain(`\`.github/workflows/${name}\``);
    const workflow = readFileSync(join(ROOT, '.github', 'workflows', name), 'utf8');
    const variables = [...new Set([...workflow.matchAll(/vars\.([A-Z0-9_]+)/g)].map((m) => m[1] as string))];
    expect(variables.filter((variable) => !deploy.includes(`\`${variable}\``))).toEqual([]);
  });
});

describe('the npm scripts the docs name', () => {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };

  it.each(['README.md', 'docs/deploy.md', 'local-aws/README.md', 'bench/README.md'])(
    '%s: each is in package.json',
    (file) => {
      const text = readFileSync(join(ROOT, file), 'utf8');
      const named = [...new Set([...text.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1] as string))];
      expect(named.filter((name) => !(name in scripts))).toEqual([]);
    },
  );
});
