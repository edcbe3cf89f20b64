/**
 * The S3 driver against s3rver, a local S3-compatible server: the shared
 * contract (with two-key list pages, so paging is exercised), then what only
 * S3 has: objects other tools put in the bucket, and both checksum modes.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalS3, type LocalS3 } from '../../../tests/support/s3rver';
import { collect, readAll, runStorageContract } from '../../../tests/support/storage-contract';
import { createStorage } from './create-storage';
import type { ObjectStorage } from './object-storage';
import { createS3Storage, type S3StorageOptions } from './s3-storage';
import { serveObject } from './serve-object';

const png = { contentType: 'image/png' };

function optionsFor(s3: LocalS3, extra: Partial<S3StorageOptions> = {}): S3StorageOptions {
  return {
    endpoint: s3.endpoint,
    region: 'us-east-1',
    bucket: s3.bucket,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    forcePathStyle: true,
    ...extra,
  };
}

runStorageContract('s3 (s3rver, SDK default checksums)', async () => {
  const s3 = await startLocalS3();
  return { storage: createS3Storage(optionsFor(s3, { listPageSize: 2 })), cleanup: () => s3.stop() };
});

runStorageContract('s3 (s3rver, checksums when required)', async () => {
  const s3 = await startLocalS3();
  return {
    storage: await createStorage({
      driver: 's3',
      ...optionsFor(s3, { listPageSize: 3, checksums: 'when_required' }),
    }),
    cleanup: () => s3.stop(),
  };
});

describe('s3 storage', () => {
  let s3: LocalS3;
  let storage: ObjectStorage;
  let raw: S3Client;

  beforeAll(async () => {
    s3 = await startLocalS3();
    storage = createS3Storage(optionsFor(s3, { listPageSize: 2 }));
    raw = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    });
  });
  afterAll(async () => {
    raw.destroy();
    await storage.close();
    await s3.stop();
  });

  it('never hands back the bucket address', async () => {
    await storage.put('private/0.png', Buffer.from('p'), png);
    const object = await storage.get('private/0.png');
    await readAll(object!.body);
    const { body: _body, ...info } = object!;
    const seen = JSON.stringify([info, await storage.head('private/0.png'), await collect(storage.list(''))]);
    expect(seen).not.toContain('127.0.0.1');
    expect(seen).not.toContain('http');
    expect(seen).not.toContain(s3.bucket);
  });

  it('serves the type implied by the key, whatever type another tool stored', async () => {
    await raw.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: 'foreign/x.png', Body: 'x', ContentType: 'text/html' }),
    );
    expect((await storage.head('foreign/x.png'))?.contentType).toBe('image/png');
    const object = await storage.get('foreign/x.png');
    await readAll(object!.body);
    expect(object!.contentType).toBe('image/png');
  });

  it('skips objects whose names are not valid keys when listing', async () => {
    await raw.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'mixed/Copied By Hand.png', Body: 'x' }));
    await storage.put('mixed/0.png', Buffer.from('0'), png);
    expect((await collect(storage.list('mixed/'))).map((entry) => entry.key)).toEqual(['mixed/0.png']);
  });

  it('serves objects through serveObject: streamed body, HEAD, 304', async () => {
    const bytes = randomBytes(2 * 1024 * 1024);
    await storage.put('served/0.webp', bytes, { contentType: 'image/webp' });
    const app = new Hono();
    app.get(
      '/i/:name',
      async (c) => (await serveObject(c, storage, `served/${c.req.param('name')}`)) ?? c.notFound(),
    );

    const response = await app.request('/i/0.webp');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/webp');
    expect(response.headers.get('content-length')).toBe(String(bytes.length));
    expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);

    const etag = response.headers.get('etag')!;
    expect(etag).toBe((await storage.head('served/0.webp'))!.etag);
    expect((await app.request('/i/0.webp', { headers: { 'if-none-match': etag } })).status).toBe(304);
    const head = await app.request('/i/0.webp', { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe(String(bytes.length));
    expect((await app.request('/i/1.webp')).status).toBe(404);
  });

  it('surfaces errors other than a missing object', async () => {
    const wrongBucket = createS3Storage({ ...optionsFor(s3), bucket: 'no-such-bucket' });
    await expect(wrongBucket.put('a.png', Buffer.from('a'), png)).rejects.toMatchObject({
      name: 'NoSuchBucket',
    });
    // A wrong bucket must not look like a missing image.
    await expect(wrongBucket.get('a.png')).rejects.toMatchObject({ name: 'NoSuchBucket' });
    await expect(collect(wrongBucket.list(''))).rejects.toMatchObject({ name: 'NoSuchBucket' });
    await wrongBucket.close();

    // s3rver knows one access key and does not check SigV4 signatures; an unknown key is refused.
    await storage.put('signed/0.png', Buffer.from('0'), png);
    const wrongKey = createS3Storage({ ...optionsFor(s3), accessKeyId: 'UNKNOWN' });
    await expect(wrongKey.get('signed/0.png')).rejects.toMatchObject({ name: 'InvalidAccessKeyId' });
    await expect(wrongKey.head('signed/0.png')).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    await wrongKey.close();
  });
});
