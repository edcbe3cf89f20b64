/** Upload labels: the member's file name or an image URL's last segment, made harmless (reliability U5). */
import { describe, expect, it } from 'vitest';
import { labelFromUrl, uploadLabel } from './upload-name';

describe('uploadLabel', () => {
  it.each([
    ['holiday.jpg', 'holiday.jpg'],
    ['../../x', 'x'],
    ['C:\\Users\\me\\photo.png', 'photo.png'],
    ['a\u0000b\u0007c.png', 'abc.png'],
    ['photo\u202Egnp.exe', 'photognp.exe'],
    ['zero\u200Bwidth.png', 'zerowidth.png'],
    ['CON', '_CON'],
    ['lpt1.webp', '_lpt1.webp'],
    ['what?<now>.png', 'what__now_.png'],
    ['   ', 'image'],
    [undefined, 'image'],
    [null, 'image'],
  ])('turns %j into %j', (name, label) => {
    expect(uploadLabel(name)).toBe(label);
  });

  it('keeps at most 100 characters, and copes with a huge name', () => {
    expect(uploadLabel(`${'a'.repeat(300)}.png`)).toHaveLength(100);
    expect(uploadLabel('b'.repeat(1_000_000)).length).toBeLessThanOrEqual(100);
  });
});

describe('labelFromUrl', () => {
  it('uses the last path segment, decoded, else the default', () => {
    expect(labelFromUrl('https://example.com/photos/sunset%20beach.png?size=large')).toBe('sunset beach.png');
    expect(labelFromUrl('https://example.com/a/%2e%2e%2f%2e%2e%2fetc%2fpasswd')).toBe('passwd');
    expect(labelFromUrl('https://example.com/bad%E0%A4%A.png')).toBe('bad%E0%A4%A.png');
    expect(labelFromUrl('https://example.com/')).toBe('image');
  });
});
