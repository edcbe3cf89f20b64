/** The reference-image picker's rules: what is sent, and why the rest is not. */
import { describe, expect, it } from 'vitest';
import { ACCEPT_ATTRIBUTE, formatLimit, pastedImageFiles, planFiles } from './reference-images-plan';

const file = (name: string, type: string, size = 1000) => ({ name, type, size });

describe('planFiles', () => {
  it('sends files in order while there is room and refuses the rest as full', () => {
    const files = [file('a.png', 'image/png'), file('b.jpg', 'image/jpeg'), file('c.webp', 'image/webp')];
    const plan = planFiles(files, 2);
    expect(plan.send.map((f) => f.name)).toEqual(['a.png', 'b.jpg']);
    expect(plan.refused).toEqual([{ file: files[2], reason: 'full' }]);
    expect(planFiles(files, 0).send).toEqual([]);
  });

  it('refuses known other types and files over the limit, without using room for them', () => {
    const files = [
      file('anim.gif', 'image/gif'),
      file('doc.pdf', 'application/pdf'),
      file('vector.svg', 'image/svg+xml'),
      file('huge.png', 'image/png', 11 * 1024 * 1024),
      file('fine.JPG', 'IMAGE/JPEG'),
    ];
    const plan = planFiles(files, 1, 10 * 1024 * 1024);
    expect(plan.send.map((f) => f.name)).toEqual(['fine.JPG']);
    expect(plan.refused.map((r) => [r.file.name, r.reason])).toEqual([
      ['anim.gif', 'notImage'],
      ['doc.pdf', 'notImage'],
      ['vector.svg', 'notImage'],
      ['huge.png', 'tooLarge'],
    ]);
  });

  it('leaves a file of unknown type to the server, and ignores size when no limit is known', () => {
    const plan = planFiles([file('photo.heic?', ''), file('big.png', 'image/png', 10 ** 9)], 5);
    expect(plan.send).toHaveLength(2);
  });
});

describe('helpers', () => {
  it('formats limits and lists the accepted types for the file input', () => {
    expect([formatLimit(10 * 1024 * 1024), formatLimit(512 * 1024), formatLimit(10)]).toEqual([
      '10 MB',
      '512 KB',
      '10 B',
    ]);
    expect(ACCEPT_ATTRIBUTE).toBe('image/png,image/jpeg,image/webp');
  });

  it('picks the image files of a paste and nothing from a text paste', () => {
    const image = new File([new Uint8Array(4)], 'image.png', { type: 'image/png' });
    const text = new File(['hello'], 'note.txt', { type: 'text/plain' });
    expect(pastedImageFiles({ files: [image, text] as unknown as FileList })).toEqual([image]);
    expect(pastedImageFiles({ files: [] as unknown as FileList })).toEqual([]);
    expect(pastedImageFiles(null)).toEqual([]);
  });
});
