import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ReadStream } from 'node:fs';
import { Hono } from 'hono';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDiskStorage, type DiskStorage } from './disk-storage';
import type { ObjectStorage } from './object-storage';
import { etagMatches, IMMUTABLE_CACHE_CONTROL, serveObject } from './serve-object';

let dir: string;
let disk: DiskStorage;
/** The disk storage, watched: which calls the route makes and the streams it opens. */
let calls: string[];
let opened: ReadStream[];
let storage: ObjectStorage;

const image = randomBytes(3 * 1024 * 1024);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'imagegen-serve-'));
  disk = await createDiskStorage({ root: dir });
  await disk.put('images/u1/0.png', image, { contentType: 'image/png' });
  await disk.put('images/u1/1.webp', Buffer.from('webp bytes'), { contentType: 'image/webp' });
  storage = {
    ...disk,
    async get(key) {
      calls.push(`get ${key}`);
      const object = await disk.get(key);
      if (object) opened.push(object.body as ReadStream);
      return object;
    },
    async head(key) {
      calls.push(`head ${key}`);
      return disk.head(key);
    },
  };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  calls = [];
  opened = [];
});

/** A route as the library will have it, minus the owner check: the caller answers its own 404. */
const app = new Hono();
app.get('/images/:user/:file', async (c) => {
  const response = await serveObject(c, storage, `images/${c.req.param('user')}/${c.req.param('file')}`, {
    filename: c.req.query('name'),
    download: c.req.query('download') === '1',
  });
  return response ?? c.json({ error: { code: 'not_found' } }, 404);
});

describe('serveObject', () => {
  it('streams the object with its type, length, ETag, caching and user-content headers', async () => {
    const response = await app.request('/images/u1/0.png');
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(image)).toBe(true);
    const headers = Object.fromEntries(response.headers);
    expect(headers).toMatchObject({
      'content-type': 'image/png',
      'content-length': String(image.length),
      etag: (await disk.head('images/u1/0.png'))!.etag,
      'cache-control': 'private, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
      'cross-origin-resource-policy': 'same-origin',
      'content-disposition': `inline; filename="0.png"; filename*=UTF-8''0.png`,
    });
    expect(headers['content-security-policy']).toContain('sandbox');
    expect(headers['content-security-policy']).toContain("default-src 'none'");
    expect(IMMUTABLE_CACHE_CONTROL).toBe(headers['cache-control']);
  });

  it('sends the body as it reads it, and stops reading when the client goes away', async () => {
    const response = await app.request('/images/u1/0.png');
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    const source = opened[0]!;
    // Only the start of the 3 MB file has been read when the first bytes go out.
    expect(source.bytesRead).toBeLessThan(image.length / 2);
    await reader.cancel();
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.destroyed).toBe(true);
  });

  it('answers 304 to a matching If-None-Match without opening the object', async () => {
    const etag = (await disk.head('images/u1/0.png'))!.etag;
    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      calls = [];
      const response = await app.request('/images/u1/0.png', { headers: { 'if-none-match': ifNoneMatch } });
      expect(response.status).toBe(304);
      expect(await response.text()).toBe('');
      expect(response.headers.get('etag')).toBe(etag);
      expect(response.headers.get('cache-control')).toBe(IMMUTABLE_CACHE_CONTROL);
      expect(calls).toEqual(['head images/u1/0.png']);
    }
  });

  it('sends the object when If-None-Match names another version', async () => {
    const response = await app.request('/images/u1/1.webp', { headers: { 'if-none-match': '"stale"' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('webp bytes');
    expect(response.headers.get('content-type')).toBe('image/webp');
  });

  it('answers HEAD from metadata, with the length and no body', async () => {
    const response = await app.request('/images/u1/0.png', { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(image.length));
    expect(response.headers.get('etag')).toMatch(/^"/);
    expect(response.body).toBeNull();
    expect(calls).toEqual(['head images/u1/0.png']);
    expect(opened).toEqual([]);
  });

  it('returns null for a missing object, so the route sends its own 404', async () => {
    for (const method of ['GET', 'HEAD']) {
      const response = await app.request('/images/u1/missing.png', { method });
      expect(response.status).toBe(404);
    }
    const conditional = await app.request('/images/u2/0.png', { headers: { 'if-none-match': '*' } });
    expect(conditional.status).toBe(404);
  });

  it('offers a download under a sanitized name with the served type’s extension', async () => {
    const cases: [string, string][] = [
      ['../../x', `attachment; filename="x.png"; filename*=UTF-8''x.png`],
      ['a\u0000b', `attachment; filename="ab.png"; filename*=UTF-8''ab.png`],
      ['CON', `attachment; filename="_CON.png"; filename*=UTF-8''_CON.png`],
      ['photo\u202egnp.exe', `attachment; filename="photognp.exe.png"; filename*=UTF-8''photognp.exe.png`],
      [
        '日落 sunset',
        `attachment; filename="_ sunset.png"; filename*=UTF-8''%E6%97%A5%E8%90%BD%20sunset.png`,
      ],
    ];
    for (const [name, expected] of cases) {
      const response = await app.request(`/images/u1/0.png?download=1&name=${encodeURIComponent(name)}`);
      expect(response.headers.get('content-disposition')).toBe(expected);
      await response.body?.cancel();
    }
    const long = await app.request(`/images/u1/0.png?download=1&name=${'n'.repeat(300)}`);
    const quoted = /filename="([^"]*)"/.exec(long.headers.get('content-disposition')!)![1]!;
    expect(quoted).toHaveLength(100);
    await long.body?.cancel();
  });

  it('lets an object whose bytes may change be revalidated instead of cached for a year', async () => {
    const mutable = new Hono();
    mutable.get(
      '/avatar',
      async (c) => (await serveObject(c, storage, 'images/u1/1.webp', { immutable: false }))!,
    );
    const response = await mutable.request('/avatar');
    expect(response.headers.get('cache-control')).toBe('private, no-cache');
    await response.body?.cancel();
  });
});

describe('etagMatches', () => {
  it('compares weakly and handles lists and *', () => {
    expect(etagMatches('"a"', '"a"')).toBe(true);
    expect(etagMatches('W/"a"', '"a"')).toBe(true);
    expect(etagMatches('"b" , "a"', '"a"')).toBe(true);
    expect(etagMatches('*', '"a"')).toBe(true);
    expect(etagMatches('"b"', '"a"')).toBe(false);
    expect(etagMatches('"a', '"a"')).toBe(false);
  });
});
