import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect, invalidKeys, readAll, runStorageContract } from '../../../tests/support/storage-contract';
import { createDiskStorage, type DiskStorage } from './disk-storage';

const png = { contentType: 'image/png' };

runStorageContract('disk', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'imagegen-disk-contract-'));
  return {
    storage: await createDiskStorage({ root: path.join(dir, 'storage') }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

/** Every file and folder under dir, as paths relative to it. */
async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.map((entry) => entry.split(path.sep).join('/')).sort();
}

describe('disk storage', () => {
  let base: string;
  let storage: DiskStorage;

  beforeEach(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'imagegen-disk-'));
    storage = await createDiskStorage({ root: path.join(base, 'data', 'storage') });
  });
  afterEach(async () => {
    await storage.close();
    await rm(base, { recursive: true, force: true });
  });

  it('creates the root and keeps each object as a plain file at <root>/<key>', async () => {
    const bytes = randomBytes(2048);
    await storage.put('generations/g1/0.png', bytes, png);
    const file = path.join(base, 'data', 'storage', 'generations', 'g1', '0.png');
    expect(await readFile(file)).toEqual(bytes);
    // Users' private images: readable by the server's user only.
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
  });

  it('never writes outside the root, whatever the key', async () => {
    for (const key of invalidKeys) {
      await expect(storage.put(key, Buffer.from('x'), png)).rejects.toThrow();
    }
    // Only the root folder exists in the parent, and nothing was created in the root either.
    expect(await tree(base)).toEqual(['data', 'data/storage']);
  });

  it('leaves no temporary file behind, after a successful or a failed write', async () => {
    await storage.put('a/b.png', Buffer.from('ok'), png);
    // The key names an existing folder: the rename fails, and the temporary file must go too.
    await expect(
      storage.put('a', Buffer.from('x'), { contentType: 'application/octet-stream' }),
    ).rejects.toThrow();
    expect(await tree(storage.root)).toEqual(['a', 'a/b.png']);
  });

  it('readers see a whole old or whole new object while writers race on one key', async () => {
    const versions = Array.from({ length: 12 }, (_, i) => Buffer.alloc(256 * 1024, i));
    const key = 'race/one.png';
    await storage.put(key, versions[0]!, png);
    const seen: Buffer[] = [];
    let writing = true;
    const writers = Promise.all(versions.map((bytes) => storage.put(key, bytes, png))).finally(() => {
      writing = false;
    });
    const readers = (async () => {
      while (writing) {
        const object = await storage.get(key);
        seen.push(await readAll(object!.body));
      }
    })();
    await Promise.all([writers, readers]);
    expect(seen.length).toBeGreaterThan(0);
    for (const body of seen) {
      expect(body.length).toBe(256 * 1024);
      expect(versions.some((version) => version.equals(body))).toBe(true);
    }
    const final = await readAll((await storage.get(key))!.body);
    expect(versions.some((version) => version.equals(final))).toBe(true);
    expect(await tree(path.join(storage.root, 'race'))).toEqual(['one.png']);
  });

  it('serves the file it opened even when a put replaces it mid-read', async () => {
    const key = 'swap/x.png';
    const first = Buffer.alloc(512 * 1024, 1);
    await storage.put(key, first, png);
    const object = await storage.get(key);
    await storage.put(key, Buffer.alloc(10, 2), png);
    expect(object!.size).toBe(first.length);
    expect((await readAll(object!.body)).equals(first)).toBe(true);
  });

  it('removes folders a delete leaves empty, but never the root', async () => {
    await storage.put('generations/g1/0.png', Buffer.from('0'), png);
    await storage.put('generations/g1/1.png', Buffer.from('1'), png);
    await storage.put('generations/g2/0.png', Buffer.from('2'), png);
    await storage.deleteMany(['generations/g1/0.png', 'generations/g1/1.png']);
    expect(await tree(storage.root)).toEqual(['generations', 'generations/g2', 'generations/g2/0.png']);
    await storage.delete('generations/g2/0.png');
    expect(await tree(storage.root)).toEqual([]);
    expect(existsSync(storage.root)).toBe(true);
  });

  it('does not follow a symbolic link planted at a key', async () => {
    const outside = path.join(base, 'secret.png');
    await writeFile(outside, 'outside the root');
    await mkdir(path.join(storage.root, 'links'));
    await symlink(outside, path.join(storage.root, 'links', 'evil.png'));
    expect(await storage.get('links/evil.png')).toBeNull();
    expect(await collect(storage.list('links/'))).toEqual([]);
  });

  it('hides temporary files from list and removes only stale ones', async () => {
    await storage.put('g/0.png', Buffer.from('0'), png);
    const stale = path.join(storage.root, 'g', '.tmp-stale');
    const fresh = path.join(storage.root, 'g', '.tmp-fresh');
    await writeFile(stale, 'left by a crash');
    await writeFile(fresh, 'being written');
    const hourAgo = new Date(Date.now() - 3600_000);
    await utimes(stale, hourAgo, hourAgo);

    expect((await collect(storage.list(''))).map((entry) => entry.key)).toEqual(['g/0.png']);
    expect(await storage.removeStaleTempFiles(new Date(Date.now() - 600_000))).toBe(1);
    expect(await tree(storage.root)).toEqual(['g', 'g/.tmp-fresh', 'g/0.png']);
  });

  it('lists in S3 byte order where a folder name is a prefix of a sibling file name', async () => {
    // '-' and '.' sort before '/', so `a-b.png` and `a.png` come before everything in folder `a`.
    const keys = ['a-b.png', 'a.png', 'a/1.png', 'a/2/x.png', 'ab/1.png', 'b.png', 'b_c.png'];
    for (const key of [...keys].reverse()) await storage.put(key, Buffer.from(key), png);
    expect((await collect(storage.list(''))).map((entry) => entry.key)).toEqual(keys);
  });

  it('skips files whose names are not valid keys', async () => {
    await storage.put('g/0.png', Buffer.from('0'), png);
    await writeFile(path.join(storage.root, 'g', 'Copied By Hand.png'), 'x');
    expect((await collect(storage.list('g/'))).map((entry) => entry.key)).toEqual(['g/0.png']);
  });
});
