/**
 * The storage interface. Domain code stores and reads objects only through
 * it; the driver (local disk or an S3-compatible bucket) is chosen once from
 * configuration (create-storage.ts). The database keeps object keys, never
 * URLs: objects are served by the platform (serve-object.ts), so a bucket
 * address never reaches a browser and images never expire.
 *
 * Both drivers behave the same; one contract suite
 * (tests/support/storage-contract.ts) runs against each.
 */
import type { Readable } from 'node:stream';

export interface ObjectInfo {
  /** Bytes. */
  size: number;
  /** From the key's extension (keys.ts); the same on both drivers. */
  contentType: string;
  /**
   * A strong validator, quoted as in an HTTP ETag header. It changes when
   * the object is rewritten with other bytes (the disk driver also changes it
   * on a rewrite with the same bytes, which only costs a re-download).
   */
  etag: string;
  lastModified: Date;
}

export interface StoredObject extends ObjectInfo {
  /** The object's bytes as a stream; read it to the end or destroy it. */
  body: Readable;
}

export interface ObjectEntry {
  key: string;
  size: number;
  lastModified: Date;
}

export interface PutOptions {
  /** Must be the content type of the key's extension (contentTypeForKey); a mismatch throws. */
  contentType: string;
}

export interface ObjectStorage {
  /** Which driver this is, for logs and readiness. */
  readonly driver: 'disk' | 's3';
  /**
   * Stores the bytes under the key, replacing any object there. A reader sees
   * the old object or the new one, never a part. Keys derive from the
   * generation id and output index, so a retried job writes the same key.
   */
  put(key: string, bytes: Uint8Array, options: PutOptions): Promise<void>;
  /** The object with a stream of its bytes, or null when there is none. */
  get(key: string): Promise<StoredObject | null>;
  /** The object's size, type and ETag without its bytes, or null when there is none. */
  head(key: string): Promise<ObjectInfo | null>;
  /** Removes the object; removing a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** Removes many objects (in batches); missing ones are ignored. */
  deleteMany(keys: readonly string[]): Promise<void>;
  /** Every object whose key starts with the prefix, in ascending key order. */
  list(prefix: string): AsyncIterable<ObjectEntry>;
  /** Releases connections; the storage is unusable afterwards. */
  close(): Promise<void>;
}

/** Reads an object's whole body into memory (for images, which are bounded by the pixel cap). */
export async function readBody(object: StoredObject): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of object.body)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}
