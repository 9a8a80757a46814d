import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { truncate } from '../../lambda/core/truncate.js';
import { asciiSubject, escapeSlack, stripControl, wellFormed } from '../../lambda/render/escape.js';
import { HOSTILE, HOSTILE_LINES, hasControlChars } from './fixtures.js';

describe('Function: stripControl', () => {
  it('turns line breaks into spaces and removes other control and bidi characters', () => {
    expect(stripControl('a\nb\r\nc\u2028d')).toBe('a b  c d');
    expect(stripControl('\u001b[31mred\u0007\u202eevil\u2066x\u2069\u0085y\u007f')).toBe('[31mredevilx y');
  });

  it('leaves no control character in any string', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => !hasControlChars(stripControl(s))));
  });

  it('lone surrogates in room data: replaced by U+FFFD so the text is valid UTF-8', () => {
    expect(stripControl('a\ud800b\udc00c')).toBe('a\ufffdb\ufffdc');
    expect(wellFormed('ok 😀')).toBe('ok 😀');
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const out = stripControl(s);
        expect(() => encodeURIComponent(out)).not.toThrow();
        return Buffer.from(out, 'utf8').toString('utf8') === out;
      }),
    );
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

  it('never leaves <, >, markdown markers, brackets, :// or control characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const out = escapeSlack(s);
        return !/[<>*_~`[\]]/.test(out) && !out.includes('://') && !hasControlChars(out);
      }),
    );
    // also for text made of the characters that matter, which random strings rarely combine
    const parts = fc.constantFrom(
      'https',
      'mailto',
      'www',
      ':',
      '/',
      '//',
      '.',
      '[',
      ']',
      '(',
      ')',
      'x',
      ' ',
      '@here',
    );
    fc.assert(
      fc.property(fc.array(parts, { maxLength: 30 }), (a) => {
        const out = escapeSlack(a.join(''));
        return !/[[\]]/.test(out) && !out.includes('://') && !/@here/i.test(out);
      }),
    );
  });

  it('bare URL in room data was auto-linked by Slack: every scheme is defanged', () => {
    expect(escapeSlack('see https://evil.example/login now')).toBe('see https［:］//evil.example/login now');
    const samples = [
      'http://evil.example',
      'HTTPS://evil.example',
      'ftp://evil.example/f',
      'slack://open?team=T1',
      'xhttps://evil.example',
      'ms-settings://x',
      'mailto:boss@evil.example',
      'javascript:alert(1)',
      'tel:+15555550100',
      'data:text/html,hi',
    ];
    for (const s of samples) {
      const out = escapeSlack(s);
      expect(out, s).toContain('［:］');
      expect(out, s).not.toMatch(/[a-z]:(\/\/|\S)/i);
    }
    expect(escapeSlack('www.evil.example/x')).toBe('www［.］evil.example/x');
  });

  it('bare URL defanging leaves ordinary prose alone', () => {
    expect(escapeSlack('data: 3 rooms; tags.team is ops; hotel:5; 10:30')).toBe(
      'data: 3 rooms; tags.team is ops; hotel:5; 10:30',
    );
  });

  it('markdown link [text](url) in room data passed through: brackets become fullwidth', () => {
    const out = escapeSlack('[click](https://evil.example)');
    expect(out).toBe('［click］(https［:］//evil.example)');
    expect(escapeSlack('![img](https://evil.example/x.png) [ref]: https://evil.example')).not.toMatch(
      /[[\]]/,
    );
  });

  it('keeps <!here>, <!channel> and bare @here/@channel/@everyone neutralised', () => {
    const out = escapeSlack('<!here> <!channel> <!everyone> @here @CHANNEL x@everyone <@U123>');
    expect(out).not.toMatch(/<|>/);
    expect(out).toContain('&lt;!here&gt;');
    expect(out).not.toMatch(/@(here|channel|everyone)/i);
    expect(out).toContain('@\u2060here');
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
