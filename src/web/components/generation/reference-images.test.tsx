/**
 * The reference-image picker rendered on the server (no browser here): the
 * chosen uploads as thumbnails with remove buttons, the file input limited
 * to the stored types, and no more picking once the model's limit is
 * reached. Uploading itself needs a browser and is exercised where the
 * generator page wires this in.
 */
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ReferenceImages } from './reference-images';
import type { Upload } from './uploads-api';

function upload(id: string, name: string): Upload {
  return {
    id,
    name,
    contentType: 'image/png',
    width: 64,
    height: 32,
    bytes: 1234,
    url: `/api/uploads/${id}`,
    thumbUrl: `/api/uploads/${id}/thumb`,
    createdAt: '2027-03-04T10:00:00.000Z',
  };
}

/** The opening tag of the "Add images" button. */
const pickButton = (html: string) =>
  /<button[^>]*data-testid="reference-images-pick"[^>]*>/.exec(html)?.[0] ?? '';

const render = (props: Partial<Parameters<typeof ReferenceImages>[0]> = {}) =>
  renderToStaticMarkup(<ReferenceImages maxImages={3} value={[]} onChange={() => {}} {...props} />);

describe('ReferenceImages', () => {
  it('shows each chosen upload as a thumbnail with its own remove button', () => {
    const html = render({ value: [upload('a', 'cat.png'), upload('b', 'dog.png')] });
    expect(html.match(/<img /g)).toHaveLength(2);
    expect(html).toContain('src="/api/uploads/a/thumb"');
    expect(html).toContain('alt="dog.png"');
    expect(html.match(/aria-label="generation.references.remove"/g)).toHaveLength(2);
  });

  it('offers only PNG, JPEG and WebP, and stops offering at the limit', () => {
    const open = render({ value: [upload('a', 'cat.png')] });
    expect(open).toContain('accept="image/png,image/jpeg,image/webp"');
    expect(pickButton(open)).not.toBe('');
    expect(pickButton(open)).not.toContain('disabled');
    expect(pickButton(render({ maxImages: 1, value: [upload('a', 'cat.png')] }))).toContain('disabled=""');
    expect(pickButton(render({ disabled: true }))).toContain('disabled=""');
  });
});
