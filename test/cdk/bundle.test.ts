import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../lib/app.js';

const outdir = mkdtempSync(join(tmpdir(), 'ivschat-cdk-bundle-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('Bundling (esbuild, no Docker)', () => {
  it('bundles the handler as minified ESM with source maps and the policies beside it', () => {
    const { app, stack } = buildApp({ outdir });
    const template = app.synth().getStackByName(stack.stackName).template;
    const fn = Object.values<{ Type: string; Properties: { Code: { S3Key: string } } }>(
      template.Resources,
    ).find((r) => r.Type === 'AWS::Lambda::Function');
    // The asset folder is named after the asset hash, which is the S3 key without '.zip'.
    const assetDir = join(outdir, `asset.${fn?.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
    expect(existsSync(assetDir)).toBe(true);

    const code = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    expect(
      code.startsWith(
        "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      ),
    ).toBe(true);
    expect(code).toMatch(/export\s*\{[^}]*as handler/);
    expect(code).toContain('//# sourceMappingURL=index.mjs.map');
    expect(existsSync(join(assetDir, 'index.mjs.map'))).toBe(true);

    const repoPolicies = readdirSync('policies')
      .filter((f) => f.endsWith('.json'))
      .sort();
    expect(readdirSync(join(assetDir, 'policies')).sort()).toEqual(repoPolicies);

    // The change function runs the very same bundle: one asset, one S3 object.
    const keys = Object.values<{ Type: string; Properties: { Code: { S3Key: string } } }>(template.Resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((r) => r.Properties.Code.S3Key);
    expect(keys).toHaveLength(2);
    expect(new Set(keys).size).toBe(1);
  }, 120_000);
});
