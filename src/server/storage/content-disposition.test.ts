import { describe, expect, it } from 'vitest';
import { contentDisposition, MAX_FILENAME_LENGTH, sanitizeFilename } from './content-disposition';

const png = { extension: 'png' };

describe('sanitizeFilename', () => {
  it.each([
    ['../../x', 'x.png'],
    ['..\\..\\windows\\system32\\x.png', 'x.png'],
    ['/etc/passwd', 'passwd.png'],
    ['a\u0000b.png', 'ab.png'],
    ['line\nbreak\r.png', 'linebreak.png'],
    ['photo\u202egnp.exe', 'photognp.exe.png'],
    ['zero\u200bwidth\u2066isolate\u2069.png', 'zerowidthisolate.png'],
    ['CON', '_CON.png'],
    ['con.png', '_con.png'],
    ['LPT1.tar.gz', '_LPT1.tar.gz.png'],
    ['Console.png', 'Console.png'],
    ['report.html', 'report.html.png'],
    ['a<b>:c"d|e?f*.png', 'a_b__c_d_e_f_.png'],
    ['  spaced   out  .png', 'spaced out.png'],
    ['trailing dots...', 'trailing dots.png'],
    ['.hidden', 'hidden.png'],
    ['', 'image.png'],
    ['...', 'image.png'],
    ['\u202e', 'image.png'],
    ['猫咪的照片.png', '猫咪的照片.png'],
    ['photo.JPEG', 'photo.JPEG'],
  ])('%j becomes %j', (input, expected) => {
    const extension = input === 'photo.JPEG' ? 'jpg' : 'png';
    expect(sanitizeFilename(input, { extension })).toBe(expected);
  });

  it('keeps a name without a served extension as it is', () => {
    expect(sanitizeFilename('notes.txt')).toBe('notes.txt');
    expect(sanitizeFilename('README')).toBe('README');
  });

  it('limits the length, keeping the extension and whole characters', () => {
    const long = sanitizeFilename(`${'a'.repeat(300)}.png`, png);
    expect(long).toHaveLength(MAX_FILENAME_LENGTH);
    expect(long.endsWith('aaa.png')).toBe(true);

    const emoji = sanitizeFilename(`${'😀'.repeat(150)}.png`, png);
    expect([...emoji]).toHaveLength(MAX_FILENAME_LENGTH);
    expect(emoji.endsWith('😀.png')).toBe(true);
    // No lone surrogate: every character survived whole.
    expect(/[\ud800-\udfff]/u.test(emoji)).toBe(false);
  });
});

describe('contentDisposition', () => {
  it('sends an ASCII name and the UTF-8 name', () => {
    expect(contentDisposition('inline', 'cat.png')).toBe(
      `inline; filename="cat.png"; filename*=UTF-8''cat.png`,
    );
    expect(contentDisposition('attachment', '猫咪.png')).toBe(
      `attachment; filename="image.png"; filename*=UTF-8''%E7%8C%AB%E5%92%AA.png`,
    );
  });

  it('keeps the ASCII part of a mixed name and escapes what the grammar forbids', () => {
    expect(contentDisposition('attachment', "my cat's (1) 猫*.png")).toBe(
      `attachment; filename="my cat's (1) _*.png"; filename*=UTF-8''my%20cat%27s%20%281%29%20%E7%8C%AB%2A.png`,
    );
    expect(contentDisposition('inline', '100%.png')).toBe(
      `inline; filename="100_.png"; filename*=UTF-8''100%25.png`,
    );
  });

  it('produces a header value without quotes, backslashes or controls inside the quoted name', () => {
    const names = [
      '../../x',
      'a\u0000b',
      '"quoted"',
      'back\\slash',
      'tab\there',
      'photo\u202egnp.exe',
      'CON',
    ];
    for (const name of names) {
      const header = contentDisposition('attachment', sanitizeFilename(name, png));
      const quoted = /filename="([^"]*)"/.exec(header)?.[1];
      expect(quoted).toBeDefined();
      expect(quoted).toMatch(/^[\x20-\x7e]+$/);
      expect(quoted).not.toMatch(/[\\/%]/);
      expect(header).toMatch(/^attachment; filename="[^"]*"; filename\*=UTF-8''[A-Za-z0-9!#$&+\-.^_`|~%]+$/);
    }
  });
});
