/**
 * `audit --format ocsf` and `--format html` through the CLI (in-process) on the README's example
 * rooms: the formats are offered, any case, and write what the renderers make.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { HTML_CSP } from '../../lambda/render/html.js';
import type { OcsfComplianceFinding } from '../../lambda/render/ocsf.js';
import { cli } from '../cli/run.js';

const ROOMS = new URL('../../examples/rooms.json', import.meta.url).pathname;
const SCHEMA = JSON.parse(
  readFileSync(new URL('./fixtures/ocsf-compliance-finding.schema.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

describe('audit --format ocsf | html', () => {
  it('--format OCSF writes a JSON array of valid Compliance Findings, one per finding', async () => {
    const json = await cli('audit', '--input', ROOMS, '--format', 'json');
    const { code, stdout, stderr } = await cli('audit', '--input', ROOMS, '--format', 'OCSF');
    expect(code).toBe(1);
    expect(stderr).toBe('');
    const events = JSON.parse(stdout) as OcsfComplianceFinding[];
    expect(events.length).toBe((JSON.parse(json.stdout) as { findings: unknown[] }).findings.length);
    expect(events.length).toBeGreaterThan(0);
    const validate = new Ajv2020({ strict: true, strictRequired: false, unicodeRegExp: false }).compile(
      SCHEMA,
    );
    for (const event of events) expect(validate(event), JSON.stringify(validate.errors)).toBe(true);
  });

  it('--format html writes the page with its CSP and every finding in the table', async () => {
    const json = await cli('audit', '--input', ROOMS, '--format', 'json');
    const { code, stdout } = await cli('audit', '--input', ROOMS, '--format', 'html');
    expect(code).toBe(1);
    expect(stdout.startsWith('<!DOCTYPE html>\n')).toBe(true);
    expect(stdout).toContain(`content="${HTML_CSP}"`);
    const rows = stdout.match(/<tr data-i="/g) ?? [];
    // As many rows as `--format json` lists findings (resolved ones included, none here).
    const findings = (JSON.parse(json.stdout) as { findings: unknown[] }).findings;
    expect(findings.length).toBeGreaterThan(0);
    expect(rows).toHaveLength(findings.length);
    expect(stdout).toContain(`<h2>Findings (${rows.length})</h2>`);
  });
});
