/**
 * The local-disk driver (the embedded default, DATA_DIR/storage). Each
 * object is one plain file at `<root>/<key>`, so a backup of the data folder
 * holds every image and a person can look at them with any viewer.
 *
 * - Writes are atomic: bytes go to a temporary file in the target's own
 *   folder, are fsynced, then renamed over the target, and the folder is
 *   fsynced so the rename survives a power cut. Readers see the old file or
 *   the new one, never a part; a crash leaves at most a `.tmp-*` file, which
 *   no key can name (keys.ts) and removeStaleTempFiles() clears.
 * - Nothing is written beside the object: the content type follows from the
 *   key's extension, and the ETag is derived from the file's size, change
 *   time and inode (hashed), like nginx's. Hashing the content would mean
 *   reading the whole file on every request; a rewrite gets a new inode and
 *   time, so the ETag changes whenever the bytes may have.
 * - Every path is resolved under the root and checked to stay there, on top
 *   of the key rules, and the last path component is never followed as a
 *   symbolic link.
 */
import { createHash, randomUUID } from 'node:crypto';
import { constants, type Stats, type BigIntStats } from 'node:fs';
import { mkdir, open, readdir, realpath, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import {
  assertContentTypeMatchesKey,
  assertValidKey,
  assertValidPrefix,
  contentTypeForKey,
  InvalidObjectKeyError,
  isValidKey,
} from './keys';
import type { ObjectEntry, ObjectInfo, ObjectStorage, PutOptions, StoredObject } from './object-storage';

export interface DiskStorageOptions {
  /** Folder holding the objects; created when missing. */
  root: string;
}

export interface DiskStorage extends ObjectStorage {
  readonly driver: 'disk';
  /** The resolved root folder. */
  readonly root: string;
  /**
   * Removes temporary files left by writes that a crash interrupted, if older
   * than the given time (a younger one may belong to a write in progress).
   * Returns how many were removed.
   */
  removeStaleTempFiles(olderThan: Date): Promise<number>;
}

/** True for the disk driver, which alone leaves temporary files behind a crash. */
export function isDiskStorage(storage: ObjectStorage): storage is DiskStorage {
  return storage.driver === 'disk' && 'removeStaleTempFiles' in storage;
}

const TEMP_PREFIX = '.tmp-';
/* Objects are users' private images: readable by the server's user only, like DATA_DIR/app-secret. */
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;
/* deleteMany removes this many files at once: enough to hide latency, few enough to keep descriptors free. */
const DELETE_PARALLELISM = 16;

function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error ? String(error.code) : undefined;
}

/** A missing file, or a path through something that is not a folder: no object. */
function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function etagOf(stats: BigIntStats): string {
  const digest = createHash('sha256')
    .update(`${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}:${stats.ino}`)
    .digest('base64url')
    .slice(0, 22);
  return `"${digest}"`;
}

function infoOf(key: string, stats: BigIntStats): ObjectInfo {
  return {
    size: Number(stats.size),
    contentType: contentTypeForKey(key),
    etag: etagOf(stats),
    lastModified: new Date(Number(stats.mtimeMs)),
  };
}

/* Makes a rename durable. Some platforms cannot fsync a folder; there the rename is as durable as they allow. */
async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, constants.O_RDONLY);
    await handle.sync();
  } catch (error) {
    const code = errorCode(error);
    if (code !== 'EINVAL' && code !== 'EPERM' && code !== 'EISDIR' && code !== 'EBADF') throw error;
  } finally {
    await handle?.close();
  }
}

export async function createDiskStorage(options: DiskStorageOptions): Promise<DiskStorage> {
  await mkdir(options.root, { recursive: true, mode: DIR_MODE });
  // The real path, so the containment check below compares like with like.
  const root = await realpath(options.root);

  function pathOf(key: string): string {
    const file = path.resolve(root, key);
    if (!file.startsWith(root + path.sep)) throw new InvalidObjectKeyError(key, 'resolves outside the root');
    return file;
  }

  async function writeTempFile(dir: string, bytes: Uint8Array): Promise<string> {
    const temp = path.join(dir, `${TEMP_PREFIX}${randomUUID()}`);
    const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, FILE_MODE);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } catch (error) {
      await handle.close();
      await rm(temp, { force: true });
      throw error;
    }
    await handle.close();
    return temp;
  }

  /* Removes folders left empty by a delete, up to (not including) the root. */
  async function pruneEmptyFolders(from: string): Promise<void> {
    let dir = from;
    while (dir.startsWith(root + path.sep)) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty (or already gone): its parents are not empty either
      }
      dir = path.dirname(dir);
    }
  }

  async function removeFile(key: string): Promise<void> {
    const file = pathOf(assertValidKey(key));
    try {
      await unlink(file);
    } catch (error) {
      if (isMissing(error)) return;
      // EISDIR (Linux) or EPERM (macOS): the key names a folder, a prefix of other keys, so no object.
      const code = errorCode(error);
      if ((code === 'EISDIR' || code === 'EPERM') && (await stat(file).catch(() => null))?.isDirectory())
        return;
      throw error;
    }
    await pruneEmptyFolders(path.dirname(file));
  }

  async function* walk(relativeDir: string, prefix: string): AsyncGenerator<ObjectEntry> {
    let entries;
    try {
      entries = await readdir(path.join(root, relativeDir), { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    // Sorting a folder's names with a `/` after each subfolder's name yields keys in S3's order.
    const sorted = entries
      .filter((entry) => !entry.name.startsWith('.'))
      .map((entry) => ({ entry, sortName: entry.isDirectory() ? `${entry.name}/` : entry.name }))
      .sort((a, b) => (a.sortName < b.sortName ? -1 : a.sortName > b.sortName ? 1 : 0));
    for (const { entry } of sorted) {
      const key = relativeDir + entry.name;
      if (entry.isDirectory()) {
        const folder = `${key}/`;
        if (folder.startsWith(prefix) || prefix.startsWith(folder)) yield* walk(folder, prefix);
      } else if (entry.isFile() && key.startsWith(prefix) && isValidKey(key)) {
        let stats: Stats;
        try {
          stats = await stat(path.join(root, key));
        } catch (error) {
          if (isMissing(error)) continue; // deleted while listing
          throw error;
        }
        yield { key, size: stats.size, lastModified: stats.mtime };
      }
    }
  }

  async function* tempFiles(dir: string): AsyncGenerator<string> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    for (const entry of entries) {
      const entryPath = path.join(dir, entry.name);
      if (entry.isDirectory()) yield* tempFiles(entryPath);
      else if (entry.isFile() && entry.name.startsWith(TEMP_PREFIX)) yield entryPath;
    }
  }

  return {
    driver: 'disk',
    root,

    async put(key: string, bytes: Uint8Array, options: PutOptions): Promise<void> {
      assertValidKey(key);
      assertContentTypeMatchesKey(key, options.contentType);
      const file = pathOf(key);
      const dir = path.dirname(file);
      // A concurrent delete may prune the folder between mkdir and open; try again then.
      for (let attempt = 1; ; attempt++) {
        try {
          await mkdir(dir, { recursive: true, mode: DIR_MODE });
          const temp = await writeTempFile(dir, bytes);
          try {
            await rename(temp, file);
          } catch (error) {
            await rm(temp, { force: true });
            throw error;
          }
          break;
        } catch (error) {
          if (errorCode(error) !== 'ENOENT' || attempt >= 3) throw error;
        }
      }
      await syncDirectory(dir);
    },

    async get(key: string): Promise<StoredObject | null> {
      const file = pathOf(assertValidKey(key));
      let handle;
      try {
        handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
      } catch (error) {
        if (isMissing(error) || errorCode(error) === 'ELOOP') return null;
        throw error;
      }
      try {
        // Size and ETag of the very file being read, even if a put renames a new one over the path now.
        const stats = await handle.stat({ bigint: true });
        if (!stats.isFile()) {
          await handle.close();
          return null;
        }
        return { ...infoOf(key, stats), body: handle.createReadStream({ autoClose: true }) };
      } catch (error) {
        await handle.close();
        throw error;
      }
    },

    async head(key: string): Promise<ObjectInfo | null> {
      const file = pathOf(assertValidKey(key));
      let stats;
      try {
        stats = await stat(file, { bigint: true });
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
      return stats.isFile() ? infoOf(key, stats) : null;
    },

    delete: removeFile,

    async deleteMany(keys: readonly string[]): Promise<void> {
      // Validate all first, so a bad key deletes nothing.
      for (const key of keys) assertValidKey(key);
      const queue = [...new Set(keys)];
      const workers = Array.from({ length: Math.min(DELETE_PARALLELISM, queue.length) }, async () => {
        for (let key = queue.pop(); key !== undefined; key = queue.pop()) await removeFile(key);
      });
      await Promise.all(workers);
    },

    list(prefix: string): AsyncIterable<ObjectEntry> {
      assertValidPrefix(prefix);
      // Start at the deepest folder the prefix names in full.
      return walk(prefix.slice(0, prefix.lastIndexOf('/') + 1), prefix);
    },

    async removeStaleTempFiles(olderThan: Date): Promise<number> {
      let removed = 0;
      for await (const file of tempFiles(root)) {
        const stats = await stat(file).catch(() => null);
        if (stats && stats.mtime < olderThan) {
          await rm(file, { force: true });
          removed++;
        }
      }
      return removed;
    },

    async close(): Promise<void> {},
  };
}
