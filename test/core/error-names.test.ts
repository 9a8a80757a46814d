/**
 * Lambda reports a thrown error by its `name` (errorType), and the TargetFailed step records it as the
 * reason a target was not audited. The bundle is minified, which renames classes: each error must
 * carry its name itself.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

const MODULES = [
  'lambda/core/errors.ts',
  'lambda/aws/clients.ts',
  'lambda/modes/state-machine/events.ts',
  'lambda/cli/run-bound.ts',
  'lambda/cli/paths.ts',
  'lambda/state/json-stream.ts',
];

const dir = mkdtempSync(join(tmpdir(), 'error-names-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Error names in the minified bundle', () => {
  it('keeps every exported error class named as in the source', async () => {
    const entry = join(dir, 'entry.ts');
    writeFileSync(
      entry,
      MODULES.map((m, i) => `export * as m${i} from ${JSON.stringify(resolve(m))};`).join('\n'),
    );
    const out = join(dir, 'bundle.mjs');
    await build({
      entryPoints: [entry],
      bundle: true,
      minify: true,
      platform: 'node',
      format: 'esm',
      outfile: out,
      packages: 'external',
      logLevel: 'silent',
    });
    const bundle = (await import(pathToFileURL(out).href)) as Record<string, Record<string, unknown>>;
    const names: [string, string][] = [];
    for (const exports of Object.values(bundle)) {
      for (const [exported, value] of Object.entries(exports)) {
        if (typeof value !== 'function' || !(value.prototype instanceof Error)) continue;
        const error = Reflect.construct(value, ['x', 'y', 'z']) as Error;
        names.push([exported, error.name]);
      }
    }
    expect(names.length).toBeGreaterThanOrEqual(15);
    for (const [exported, name] of names) expect({ exported, name }).toEqual({ exported, name: exported });
  });
});
