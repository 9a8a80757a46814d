import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asciiSubject, escapeSlack, stripControl, truncate } from '../../lambda/render/escape.js';
import { HOSTILE, HOSTILE_LINES, hasControlChars } from './fixtures.js';

describe('Function: stripControl', () => {
  it('turns line breaks into spaces and removes other control and bidi characters', () => {
    expect(stripControl('a\nb\r\nc\u2028d')).toBe('a b  c d');
    expect(stripControl('\u001b[31mred\u0007\u202eevil\u2066x\u2069\u0085y\u007f')).toBe('[31mredevilx y');
  });

  it('leaves no control character in any string', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => !hasControlChars(stripControl(s))));
  });
});

describe('Function: escapeSlack', () => {
  it('makes mentions, links and markdown inert', () => {
    const out = escapeSlack(HOSTILE);
    expect(out).not.toContain('<');
    expect(out).not.toContain('>');
    expect(out).not.toContain('*bold*');
    expect(out).toContain('&lt;!channel&gt;');
    expect(out).toContain('＊bold＊');
  });

  it('escapes & first so existing entities are shown literally', () => {
    expect(escapeSlack('&lt;')).toBe('&amp;lt;');
  });

  it('breaks bare @channel, @here and @everyone', () => {
    expect(escapeSlack('hi @here and @channel')).not.toMatch(/@(here|channel)/);
  });

  it('never leaves <, >, markdown markers or control characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const out = escapeSlack(s);
        return !/[<>*_~`]/.test(out) && !hasControlChars(out);
      }),
    );
  });
});

describe('Function: asciiSubject', () => {
  it('is printable ASCII, trimmed, collapsed and at most 100 characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (s) => {
        const out = asciiSubject(s);
        return /^[\x20-\x7e]*$/.test(out) && out.length <= 100 && out === out.trim() && !out.includes('  ');
      }),
    );
  });

  it('marks truncation with ...', () => {
    const out = asciiSubject('x'.repeat(150));
    expect(out).toHaveLength(100);
    expect(out.endsWith('...')).toBe(true);
  });

  it('drops accents and replaces other non-ASCII text with ?', () => {
    expect(asciiSubject('café 日本 room')).toBe('cafe ? room');
  });

  it('keeps a hostile value on one line', () => {
    expect(asciiSubject(HOSTILE_LINES)).not.toMatch(/[\r\n]/);
  });
});

describe('Function: truncate', () => {
  it('never splits a surrogate pair', () => {
    const out = truncate('a😀😀😀', 3);
    expect(out).toBe('a…');
  });
});
