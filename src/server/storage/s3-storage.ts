/**
 * The S3 driver: any S3-compatible bucket (AWS S3, MinIO, Ceph, R2, B2,
 * Garage…) through @aws-sdk/client-s3. Callers get bytes and metadata,
 * never a bucket URL, so the bucket can stay private and can be moved.
 *
 * - Retries: the SDK's default (3 attempts, exponential backoff with jitter,
 *   only for throttling, 5xx and network errors).
 * - Checksums: since 3.729 the SDK sends a CRC32 of every PutObject body and
 *   checks response checksums when the store returns them, on top of
 *   SigV4. Kept by default: it catches corruption in transit. Stores that
 *   refuse the extra headers (some older S3-compatible servers) need
 *   `checksums: 'when_required'`, which sends a checksum only where S3
 *   demands one (DeleteObjects). See docs/decisions/013-storage.md.
 * - Content type: stored with the object for people browsing the bucket,
 *   but what callers get is derived from the key (keys.ts), as on disk, so a
 *   type set on the bucket by another tool is never served.
 */
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import {
  assertContentTypeMatchesKey,
  assertValidKey,
  assertValidPrefix,
  contentTypeForKey,
  isValidKey,
} from './keys';
import type { ObjectEntry, ObjectInfo, ObjectStorage, PutOptions, StoredObject } from './object-storage';

export interface S3StorageOptions {
  /** For S3-compatible stores, e.g. `https://minio.example.com:9000`; unset for AWS S3. */
  endpoint?: string | undefined;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `bucket` in the path instead of the host name; most self-hosted stores need it. */
  forcePathStyle: boolean;
  /**
   * `when_supported` (the SDK's default): a CRC32 with every upload.
   * `when_required`: only where the API requires one, for stores that refuse the headers.
   */
  checksums?: 'when_supported' | 'when_required' | undefined;
  /**
   * Keys per ListObjectsV2 page. S3 returns at most 1,000, the default;
   * tests set it small to go through several pages.
   */
  listPageSize?: number | undefined;
}

/* DeleteObjects takes at most 1,000 keys per request (an S3 limit). */
const DELETE_BATCH = 1000;

export class S3DeleteError extends Error {
  override name = 'S3DeleteError';
  constructor(readonly failures: { key: string; code: string }[]) {
    super(`S3 refused to delete ${failures.length} object(s); first: ${failures[0]?.code ?? '?'}`);
  }
}

/*
 * GetObject says which thing is missing (NoSuchKey vs NoSuchBucket), so a
 * wrong bucket fails loudly instead of looking like a missing image. A HEAD
 * response has no body to say it, so any 404 there means "no object".
 */
function isMissingKey(error: unknown): boolean {
  return error instanceof NoSuchKey;
}

function isHeadNotFound(error: unknown): boolean {
  return error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404;
}

function toReadable(body: unknown): Readable {
  if (body instanceof Readable) return body;
  // Other runtimes, or a checksum-validating wrapper, may hand back a web stream.
  if (body && typeof (body as WebReadableStream).getReader === 'function') {
    return Readable.fromWeb(body as WebReadableStream);
  }
  throw new TypeError('Unexpected S3 response body');
}

export function createS3Storage(options: S3StorageOptions): ObjectStorage {
  const checksumMode = options.checksums === 'when_required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
  const client = new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: options.forcePathStyle,
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
    requestChecksumCalculation: checksumMode,
    responseChecksumValidation: checksumMode,
  });
  const Bucket = options.bucket;
  const pageSize = options.listPageSize ?? 1000;

  function info(
    key: string,
    output: { ContentLength?: number; ETag?: string; LastModified?: Date },
  ): ObjectInfo {
    return {
      size: output.ContentLength ?? 0,
      contentType: contentTypeForKey(key),
      etag: output.ETag ?? '""',
      lastModified: output.LastModified ?? new Date(0),
    };
  }

  async function* list(prefix: string): AsyncGenerator<ObjectEntry> {
    let ContinuationToken: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket, Prefix: prefix, MaxKeys: pageSize, ContinuationToken }),
      );
      for (const item of page.Contents ?? []) {
        // Objects another tool put in the bucket with other names are not ours to list (or sweep).
        if (item.Key === undefined || !isValidKey(item.Key)) continue;
        yield { key: item.Key, size: item.Size ?? 0, lastModified: item.LastModified ?? new Date(0) };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  return {
    driver: 's3',

    async put(key: string, bytes: Uint8Array, options: PutOptions): Promise<void> {
      assertValidKey(key);
      assertContentTypeMatchesKey(key, options.contentType);
      await client.send(
        new PutObjectCommand({
          Bucket,
          Key: key,
          Body: bytes,
          ContentType: options.contentType,
          ContentLength: bytes.byteLength,
        }),
      );
    },

    async get(key: string): Promise<StoredObject | null> {
      assertValidKey(key);
      try {
        const output = await client.send(new GetObjectCommand({ Bucket, Key: key }));
        return { ...info(key, output), body: toReadable(output.Body) };
      } catch (error) {
        if (isMissingKey(error)) return null;
        throw error;
      }
    },

    async head(key: string): Promise<ObjectInfo | null> {
      assertValidKey(key);
      try {
        return info(key, await client.send(new HeadObjectCommand({ Bucket, Key: key })));
      } catch (error) {
        if (isHeadNotFound(error)) return null;
        throw error;
      }
    },

    async delete(key: string): Promise<void> {
      assertValidKey(key);
      await client.send(new DeleteObjectCommand({ Bucket, Key: key }));
    },

    async deleteMany(keys: readonly string[]): Promise<void> {
      for (const key of keys) assertValidKey(key);
      const unique = [...new Set(keys)];
      for (let start = 0; start < unique.length; start += DELETE_BATCH) {
        const batch = unique.slice(start, start + DELETE_BATCH);
        const output = await client.send(
          new DeleteObjectsCommand({
            Bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
        );
        if (output.Errors?.length) {
          throw new S3DeleteError(
            output.Errors.map((e) => ({ key: e.Key ?? '', code: e.Code ?? 'unknown' })),
          );
        }
      }
    },

    list(prefix: string): AsyncIterable<ObjectEntry> {
      assertValidPrefix(prefix);
      return list(prefix);
    },

    async close(): Promise<void> {
      client.destroy();
    },
  };
}
