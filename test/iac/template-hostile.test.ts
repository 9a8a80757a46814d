import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICIES_DIR } from '../../lambda/policy/load-dir.js';
import { cli } from '../cli/run.js';

// A template is untrusted: a pull request writes it. Markup, mentions and terminal escapes in a
// room's name, tags and logical id must reach no output as such.
const TEMPLATE = `Resources:
  Room:
    Type: AWS::IVSChat::Room
    Properties:
      Name: "<script>alert(1)</script> @octo-org/admins \\e[31mRED\\e[0m"
      MaximumMessageLength: 400
      Tags:
        - Key: owner
          Value: "<img src=x onerror=alert(1)> [link](https://evil.example) \\e]8;;https://evil.example\\a"
  "Ro<b>om":
    Type: AWS::IVSChat::Room
    Properties:
      MaximumMessageLength: !Ref "<img src=x>"
`;

let dir: string;
let file: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'iac-hostile-'));
  file = join(dir, 'hostile.yaml');
  writeFileSync(file, TEMPLATE);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** C0 (but tab and newline), DEL and C1 characters left in `text`. */
function rawControl(text: string): number[] {
  return [...text]
    .map((c) => c.codePointAt(0) ?? 0)
    .filter((n) => (n < 0x20 && n !== 0x09 && n !== 0x0a) || (n >= 0x7f && n <= 0x9f));
}

const run = (format: string) =>
  cli('template', file, '--region', 'us-east-1', '--policies', DEFAULT_POLICIES_DIR, '--format', format);

describe('template content is escaped in every format', () => {
  it.each(['text', 'json', 'markdown', 'sarif', 'asff'])('%s: no raw control character', async (format) => {
    const { code, stdout, stderr } = await run(format);
    expect(code).toBe(1);
    // ESC and BEL would start terminal sequences (colour, a hyperlink); the outputs escape them.
    expect(rawControl(stdout)).toEqual([]);
    expect(rawControl(stderr)).toEqual([]);
  });

  it('markdown: no tag, link or mention forms from the room name, tag value or logical id', async () => {
    const { stdout } = await run('markdown');
    expect(stdout).toContain('message-length-max');
    const body = stdout.split('\n').filter((line) => line.startsWith('|') || line.startsWith('- '));
    expect(body.length).toBeGreaterThan(2);
    for (const line of body) {
      expect(line).not.toMatch(/[<>]/);
      expect(line).not.toContain('](');
      expect(line).not.toContain('@octo-org');
      expect(line).not.toContain('://');
    }
  });

  it('json: the values are kept, as data', async () => {
    const { stdout } = await run('json');
    const report = JSON.parse(stdout);
    const names = report.findings.map((f: { roomName: string }) => f.roomName);
    expect(names.some((n: string) => n.startsWith('<script>alert(1)</script>'))).toBe(true);
    expect(report.notEvaluated[0].reason).toContain('<img src=x>');
  });
});
