import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  escapeControlCharacters,
  hasControlCharacter,
  SURELY_NOT_CONTROL,
} from '../../lambda/core/control-chars.js';
import { TERMINAL, TerminalSanitizer, terminalSafe } from '../../lambda/render/terminal.js';
import { hasControlChars } from './fixtures.js';

/** A line the GitHub Actions runner would take as a workflow command, in either of its syntaxes. */
function hasWorkflowCommand(text: string): boolean {
  return text.split('\n').some((line) => line.trimStart().startsWith('::')) || text.includes('##[');
}

describe('Function: terminalSafe', () => {
  it.each([
    ['plain text', 'us-east-1 12 rooms', 'us-east-1 12 rooms'],
    ['newlines between lines', 'a\nb\n', 'a\nb\n'],
    ['screen clear', 'x\u001b[2Jy', 'x\\u001b[2Jy'],
    ['OSC 52 clipboard write', '\u001b]52;c;ZXZpbA==\u0007', '\\u001b]52;c;ZXZpbA==\\u0007'],
    ['carriage return', 'ok\rforged', 'ok\\u000dforged'],
    ['tab', 'a\tb', 'a\\u0009b'],
    ['DEL and C1 CSI', 'a\u007fb\u009b2J', 'a\\u007fb\\u009b2J'],
    ['bidi override and isolate', 'abc\u202edef\u2066x\u2069', 'abc\\u202edef\\u2066x\\u2069'],
    ['zero-width and BOM', 'a\u200bb\ufeff', 'a\\u200bb\\ufeff'],
    ['line separator', 'a\u2028b', 'a\\u2028b'],
    ['tag character (astral)', 'a\u{e0041}', 'a\\udb40\\udc41'],
    ['lone surrogate', 'a\ud800b', 'a\\ud800b'],
    ['workflow command at a line start', '::error::forged', '\\u003a:error::forged'],
    ['after blanks', '  \t::add-mask::x', '  \\u0009::add-mask::x'],
    ['after spaces', '   ::stop-commands::t', '   \\u003a:stop-commands::t'],
    ['on a later line', 'ok\n::error title=x::y', 'ok\n\\u003a:error title=x::y'],
    ['mid-line is harmless', 'a ::error::b', 'a ::error::b'],
    ['old syntax anywhere in a line', 'tag ##[error]forged', 'tag ##\\u005berror]forged'],
    ['emoji and accents stay', 'café 😀 ≤ 200', 'café 😀 ≤ 200'],
  ])('%s', (_, input, output) => {
    expect(terminalSafe(input)).toBe(output);
  });

  it('leaves no control character (but newlines) and no workflow command in any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const out = terminalSafe(s);
        return !hasControlChars(out, { allowNewline: true }) && !hasWorkflowCommand(out);
      }),
    );
  });

  it('changes nothing more when applied twice', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => terminalSafe(terminalSafe(s)) === terminalSafe(s)),
    );
  });

  it('keeps JSON valid and equal to what was written: the escapes are JSON escapes', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: 'binary' }), (value, s) => {
        const data = { value, s, tricky: `##[error]x\u202e\u0085\u2028` };
        const out = terminalSafe(JSON.stringify(data, null, 2));
        return !hasControlChars(out, { allowNewline: true }) && !out.includes('##[')
          ? JSON.stringify(JSON.parse(out)) === JSON.stringify(data)
          : false;
      }),
    );
  });
});

describe('Class: TerminalSanitizer', () => {
  it('catches a workflow command split across writes', () => {
    const s = new TerminalSanitizer();
    expect([s.write('report\n  '), s.write(':'), s.write(':error::x\n')].join('')).toBe(
      'report\n  \\u003a:error::x\n',
    );
    const t = new TerminalSanitizer();
    expect([t.write('tag #'), t.write('#'), t.write('[error]x')].join('')).toBe('tag ##\\u005berror]x');
  });

  it('writes the CLI’s own codes as they are and escapes the text around them', () => {
    const s = new TerminalSanitizer();
    expect(s.write([TERMINAL.bold, 'id\u001b[8m', TERMINAL.reset])).toBe('\u001b[1mid\\u001b[8m\u001b[0m');
    expect(s.write([TERMINAL.clearLine, '::error::x'])).toBe('\r\u001b[K\\u003a:error::x');
  });

  it('a string that looks like a code is text: only TerminalCode objects pass', () => {
    expect(new TerminalSanitizer().write([TERMINAL.clearLine.sequence])).toBe('\\u000d\\u001b[K');
  });
});

describe('Function: escapeControlCharacters', () => {
  it('escapes newlines too unless told to keep them', () => {
    expect(escapeControlCharacters('a\nb\u001b')).toBe('a\\u000ab\\u001b');
    expect(escapeControlCharacters('a\nb\u001b', { keepNewlines: true })).toBe('a\nb\\u001b');
  });

  it('the fast first pass skips only code points that are no control character', () => {
    const ranges = [...SURELY_NOT_CONTROL.matchAll(/\\[xu]([0-9a-f]+)-\\[xu]([0-9a-f]+)/g)];
    expect(ranges.length).toBeGreaterThan(3);
    for (const [, from, to] of ranges) {
      for (let c = Number.parseInt(from ?? '', 16); c <= Number.parseInt(to ?? '', 16); c += 1) {
        const ch = String.fromCharCode(c);
        if (hasControlCharacter(ch)) expect.fail(`U+${c.toString(16)} is a control character`);
      }
    }
  });

  it('hasControlCharacter: the same set', () => {
    for (const c of [
      '\u0000',
      '\u001b',
      '\n',
      '\u007f',
      '\u0085',
      '\u200e',
      '\u202e',
      '\u2069',
      '\u2028',
      '\ud800',
    ])
      expect(hasControlCharacter(`a${c}b`)).toBe(true);
    expect(hasControlCharacter('message-length-max ≤ 200 😀')).toBe(false);
  });
});
