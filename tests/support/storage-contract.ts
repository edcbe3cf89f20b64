/**
 * The storage contract: one suite that every driver must pass, so the disk
 * and S3 drivers behave the same (reliability U7). Each driver's test file
 * calls runStorageContract() with a way to open its storage.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidObjectKeyError } from '../../src/server/storage/keys';
import type { ObjectEntry, ObjectStorage } from '../../src/server/storage/object-storage';

export async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const png = { contentType: 'image/png' };
const webp = { contentType: 'image/webp' };

/** Keys that must be refused everywhere: traversal, absolute, odd characters, too long. */
export const invalidKeys = [
  '',
  '../escape.png',
  'a/../../escape.png',
  '/absolute.png',
  'a//b.png',
  'a/b/',
  'a/./b.png',
  '.hidden.png',
  'a/.tmp-123',
  'Upper.png',
  'back\\slash.png',
  'space name.png',
  'nul\u0000.png',
  'percent%2f.png',
  'ünïcode.png',
  'rtl\u202egnp.exe',
  `${'x'.repeat(257)}.png`,
  `${'s'.repeat(101)}/a.png`,
];

export function runStorageContract(
  name: string,
  open: () => Promise<{ storage: ObjectStorage; cleanup?: () => Promise<void> }>,
): void {
  describe(`storage contract: ${name}`, () => {
    let storage: ObjectStorage;
    let cleanup: (() => Promise<void>) | undefined;
    let counter = 0;
    /** A fresh prefix per test, so tests never see each other's objects. */
    const fresh = () => `contract/t${++counter}/`;

    beforeAll(async () => {
      ({ storage, cleanup } = await open());
    });
    afterAll(async () => {
      await storage.close();
      await cleanup?.();
    });

    it('gets back exactly the bytes it put, with size, type and ETag', async () => {
      const key = `${fresh()}image.png`;
      const bytes = randomBytes(3 * 1024 * 1024 + 17); // several stream chunks
      await storage.put(key, bytes, png);

      const object = await storage.get(key);
      expect(object).not.toBeNull();
      const body = await readAll(object!.body);
      expect(sha(body)).toBe(sha(bytes));
      expect(object!.size).toBe(bytes.length);
      expect(object!.contentType).toBe('image/png');
      expect(object!.etag).toMatch(/^"[^"]+"$/);
      expect(object!.lastModified.getTime()).not.toBeNaN();

      const info = await storage.head(key);
      expect(info).toEqual({
        size: bytes.length,
        contentType: 'image/png',
        etag: object!.etag,
        lastModified: expect.any(Date) as Date,
      });
    });

    it('stores an empty object', async () => {
      const key = `${fresh()}empty.webp`;
      await storage.put(key, new Uint8Array(0), webp);
      const object = await storage.get(key);
      expect(object?.size).toBe(0);
      expect((await readAll(object!.body)).length).toBe(0);
    });

    it('derives the content type from the key and refuses a put that disagrees', async () => {
      const prefix = fresh();
      await storage.put(`${prefix}a.jpg`, Buffer.from('j'), { contentType: 'image/jpeg' });
      await storage.put(`${prefix}a.jpeg`, Buffer.from('j'), { contentType: 'image/jpeg' });
      await storage.put(`${prefix}a.webp`, Buffer.from('w'), webp);
      await storage.put(`${prefix}blob`, Buffer.from('b'), { contentType: 'application/octet-stream' });
      expect((await storage.head(`${prefix}a.jpg`))?.contentType).toBe('image/jpeg');
      expect((await storage.head(`${prefix}a.jpeg`))?.contentType).toBe('image/jpeg');
      expect((await storage.head(`${prefix}a.webp`))?.contentType).toBe('image/webp');
      expect((await storage.head(`${prefix}blob`))?.contentType).toBe('application/octet-stream');

      await expect(
        storage.put(`${prefix}b.png`, Buffer.from('x'), { contentType: 'text/html' }),
      ).rejects.toThrow(InvalidObjectKeyError);
      await expect(
        storage.put(`${prefix}c.html`, Buffer.from('x'), { contentType: 'text/html' }),
      ).rejects.toThrow(InvalidObjectKeyError);
      expect(await storage.head(`${prefix}b.png`)).toBeNull();
      expect(await storage.head(`${prefix}c.html`)).toBeNull();
    });

    it('answers null for missing objects and ignores deleting them', async () => {
      const prefix = fresh();
      expect(await storage.get(`${prefix}missing.png`)).toBeNull();
      expect(await storage.head(`${prefix}missing.png`)).toBeNull();
      await expect(storage.delete(`${prefix}missing.png`)).resolves.toBeUndefined();
      await expect(storage.deleteMany([`${prefix}m1.png`, `${prefix}m2.png`])).resolves.toBeUndefined();
    });

    it('treats a folder-like prefix of other keys as no object', async () => {
      const prefix = fresh();
      await storage.put(`${prefix}folder/inner.png`, Buffer.from('i'), png);
      expect(await storage.get(`${prefix}folder`)).toBeNull();
      expect(await storage.head(`${prefix}folder`)).toBeNull();
      await storage.delete(`${prefix}folder`);
      expect(await storage.head(`${prefix}folder/inner.png`)).not.toBeNull();
    });

    it('overwrites a key: readers get the new bytes and a new ETag', async () => {
      const key = `${fresh()}over.png`;
      await storage.put(key, Buffer.from('first version'), png);
      const before = await storage.head(key);
      await storage.put(key, Buffer.from('second, longer version'), png);
      const after = await storage.get(key);
      expect((await readAll(after!.body)).toString()).toBe('second, longer version');
      expect(after!.size).toBe('second, longer version'.length);
      expect(after!.etag).not.toBe(before!.etag);
    });

    it('rewriting the same bytes (a retried job) is harmless', async () => {
      const key = `${fresh()}retry.png`;
      const bytes = randomBytes(1000);
      await storage.put(key, bytes, png);
      await storage.put(key, bytes, png);
      expect(sha(await readAll((await storage.get(key))!.body))).toBe(sha(bytes));
      expect(await collect(storage.list(key))).toHaveLength(1);
    });

    it('deletes one object and leaves its neighbours', async () => {
      const prefix = fresh();
      await storage.put(`${prefix}a.png`, Buffer.from('a'), png);
      await storage.put(`${prefix}b.png`, Buffer.from('b'), png);
      await storage.delete(`${prefix}a.png`);
      expect(await storage.head(`${prefix}a.png`)).toBeNull();
      expect(await storage.head(`${prefix}b.png`)).not.toBeNull();
    });

    it('deletes many objects at once, ignoring missing and repeated keys', async () => {
      const prefix = fresh();
      const keys = Array.from({ length: 12 }, (_, i) => `${prefix}${String(i).padStart(2, '0')}.png`);
      for (const key of keys) await storage.put(key, Buffer.from(key), png);
      await storage.deleteMany([...keys.slice(0, 9), keys[0]!, `${prefix}never-existed.png`]);
      const left = (await collect(storage.list(prefix))).map((entry) => entry.key);
      expect(left).toEqual(keys.slice(9));
      await storage.deleteMany([]);
    });

    it('lists keys under a prefix in ascending order, each once, across pages', async () => {
      const prefix = fresh();
      /*
       * S3 orders keys by their bytes, so `a.png` comes before `a/1.png`
       * ('.' < '/'). s3rver walks its folders instead and gets such
       * neighbours wrong, so these keys avoid them; the disk driver's own
       * test checks that case.
       */
      const keys = [
        `${prefix}a/1.png`,
        `${prefix}a/2/x.png`,
        `${prefix}b.png`,
        `${prefix}c/d/e.png`,
        `${prefix}c/f.png`,
        `${prefix}d.png`,
        `${prefix}e_f.png`,
      ];
      for (const key of [...keys].reverse()) await storage.put(key, Buffer.from(key), png);
      const entries = await collect(storage.list(prefix));
      expect(entries.map((entry) => entry.key)).toEqual(keys);
      for (const entry of entries) {
        expect(entry.size).toBe(Buffer.byteLength(entry.key));
        expect(entry.lastModified).toBeInstanceOf(Date);
      }
    });

    it('lists with a prefix that ends inside a segment, and with the empty prefix', async () => {
      const prefix = fresh();
      await storage.put(`${prefix}gen-1/0.png`, Buffer.from('1'), png);
      await storage.put(`${prefix}gen-12/0.png`, Buffer.from('12'), png);
      await storage.put(`${prefix}other/0.png`, Buffer.from('o'), png);
      const keys = (entries: ObjectEntry[]) => entries.map((entry) => entry.key);
      expect(keys(await collect(storage.list(`${prefix}gen-1`)))).toEqual([
        `${prefix}gen-1/0.png`,
        `${prefix}gen-12/0.png`,
      ]);
      expect(keys(await collect(storage.list(`${prefix}gen-1/`)))).toEqual([`${prefix}gen-1/0.png`]);
      expect(keys(await collect(storage.list(`${prefix}nothing/`)))).toEqual([]);
      const everything = keys(await collect(storage.list('')));
      expect(everything).toEqual(expect.arrayContaining([`${prefix}gen-1/0.png`, `${prefix}other/0.png`]));
    });

    it.each(invalidKeys)('refuses the invalid key %j for every operation', async (key) => {
      await expect(storage.put(key, Buffer.from('x'), png)).rejects.toThrow(InvalidObjectKeyError);
      await expect(storage.get(key)).rejects.toThrow(InvalidObjectKeyError);
      await expect(storage.head(key)).rejects.toThrow(InvalidObjectKeyError);
      await expect(storage.delete(key)).rejects.toThrow(InvalidObjectKeyError);
      await expect(storage.deleteMany([key])).rejects.toThrow(InvalidObjectKeyError);
    });

    it('refuses invalid list prefixes', async () => {
      for (const prefix of ['../', '/a', 'a//', 'A/', 'a/../']) {
        await expect((async () => collect(storage.list(prefix)))()).rejects.toThrow(InvalidObjectKeyError);
      }
    });

    it('deletes nothing when one key of a batch is invalid', async () => {
      const key = `${fresh()}kept.png`;
      await storage.put(key, Buffer.from('k'), png);
      await expect(storage.deleteMany([key, '../x.png'])).rejects.toThrow(InvalidObjectKeyError);
      expect(await storage.head(key)).not.toBeNull();
    });
  });
}
