import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderAll, singleAccountAlert } from './single-account.js';

// Recorded from the renderers before run alerts (several accounts, targets not audited) existed.
const golden = JSON.parse(
  readFileSync(new URL('./fixtures/single-account.golden.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

describe('single-account alerts', () => {
  it('render byte-identical to before run alerts existed: text, email, Slack, SNS whole and split', () => {
    const rendered = JSON.parse(JSON.stringify(renderAll(singleAccountAlert()))) as Record<string, unknown>;
    for (const key of Object.keys(golden)) expect(rendered[key], key).toEqual(golden[key]);
  });

  it('render the same when the alert names its one account in `accounts` and has no target left unaudited', () => {
    const alert = { ...singleAccountAlert(), accounts: ['123456789012'], notAudited: [] };
    const rendered = JSON.parse(JSON.stringify(renderAll(alert))) as Record<string, unknown>;
    for (const key of Object.keys(golden)) expect(rendered[key], key).toEqual(golden[key]);
  });
});
