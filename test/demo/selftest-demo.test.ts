import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { README, runDemo } from '../../demo/readme.js';

// `npm run demo -- --selftest`: the CLI's selftest against an emulated deployment, the change path running.

/** The command's lines after its `$` line: in the demo up to `exit code`, in the README to the fence's end. */
function transcript(text: string, from: string, end: string): string[] {
  const start = text.indexOf('\n', text.indexOf('$ ', text.indexOf(from))) + 1;
  return text.slice(start, text.indexOf(end, start)).trimEnd().split('\n');
}

/**
 * Ids and times aside; a read that catches an alert between its claim and its delivery (a slow machine)
 * adds a line the README does not show.
 */
function normalised(lines: string[]): string[] {
  return lines
    .filter((line) => !line.includes('alert not delivered yet'))
    .map((line) =>
      line
        .replace(/ivschat-auditor-selftest-[0-9a-f]{8}/g, 'ivschat-auditor-selftest-<id>')
        .replace(/room\/[A-Za-z0-9]+/g, 'room/<id>')
        .replace(/\d+\.\d s/g, '<t> s'),
    );
}

describe('npm run demo -- --selftest', () => {
  let out: string;
  beforeAll(async () => {
    out = await runDemo('--selftest');
  }, 120_000);

  it('creates, detects, deletes and resolves the room through the CLI, exit 0, leaving 0 rooms', () => {
    expect(out).toMatch(
      /created room ivschat-auditor-selftest-[0-9a-f]{8} \(arn:aws:ivschat:us-east-1:000000000000:room\//,
    );
    expect(out).toMatch(/after CreateRoom: recorded and alerted: .*message-length-max/);
    expect(out).toMatch(/after DeleteRoom: resolved and alerted \(room deleted\)/);
    expect(out).toMatch(/\nselftest passed: detected within \d+\.\d s of CreateRoom \(polled every 2 s;/);
    expect(out).toContain('\nexit code 0\n');
    expect(out).toMatch(/selftest exit 0; rooms left: 0; alerts published: 2 /);
  });

  it("is what the README's selftest block shows, ids and times aside", () => {
    const readme = readFileSync(README, 'utf8');
    const documented = transcript(readme, 'What it printed against the emulated deployment', '```');
    const printed = transcript(out, '--- ivschat-audit selftest, as its user sees it', '\nexit code');
    expect(normalised(documented)).toEqual(normalised(printed));
  });
});
