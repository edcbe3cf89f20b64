/**
 * Upload limits on the real app (reliability U2, U8): the default limit of
 * 10 MiB at limit − 1, limit and limit + 1 bytes, declared and streamed;
 * 20 concurrent over-limit uploads over real sockets, each answered 413
 * after the server read little more than the limit; the per-member rate
 * limit and the cap on uploads kept. Peak memory under a 20 × 100 MB attack
 * is measured by bench/uploads.mjs, not asserted here.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, TEST_ORIGIN, type TestApp } from '../../../tests/support/app';
import type { UploadView } from './queries';

let jpeg: Buffer;
beforeAll(async () => {
  jpeg = await sharp({ create: { width: 16, height: 16, channels: 3, background: 'red' } })
    .jpeg()
    .toBuffer();
});

/** A valid JPEG of exactly `size` bytes: the image, then padding the re-encode drops. */
function jpegOfSize(size: number): Buffer {
  const padded = Buffer.alloc(size);
  jpeg.copy(padded);
  return padded;
}

function upload(
  t: TestApp,
  cookie: string,
  body: Uint8Array | ReadableStream<Uint8Array>,
  headers: Record<string, string> = {},
) {
  return t.request('/api/uploads', {
    method: 'POST',
    headers: { cookie, 'content-type': 'image/jpeg', ...headers },
    body: body instanceof ReadableStream ? body : new Uint8Array(body),
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  });
}

/** `bytes` streamed in 64 KiB chunks without a declared length. */
function streamOf(bytes: Buffer): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(at, (at += 64 * 1024)));
    },
  });
}

describe('U2 at the default limit', () => {
  let t: TestApp;
  let cookie: string;
  const LIMIT = 10 * 1024 * 1024;

  beforeAll(async () => {
    t = await createTestApp();
    ({ cookie } = await signUp(t));
  });
  afterAll(() => t.close());

  it('is 10 MiB unless configured', () => {
    expect(t.deps.config.uploads.maxBytes).toBe(LIMIT);
  });

  it('accepts limit − 1 and limit bytes, refuses limit + 1 with 413, and a body without its size with 411', async () => {
    for (const size of [LIMIT - 1, LIMIT]) {
      const declared = await upload(t, cookie, jpegOfSize(size), { 'content-length': String(size) });
      expect([size, declared.status]).toEqual([size, 201]);
      const view = (await declared.json()) as UploadView;
      expect(view.bytes).toBeLessThan(10_000); // the padding did not survive the re-encode
    }
    const over = await upload(t, cookie, jpegOfSize(LIMIT + 1), { 'content-length': String(LIMIT + 1) });
    expect(over.status).toBe(413);
    // The rest of a refused body is never read: the connection closes instead.
    expect(over.headers.get('connection')).toBe('close');
    const { error } = (await over.json()) as { error: { code: string; fields: { message: string }[] } };
    expect(error.code).toBe('payload_too_large');
    expect(error.fields[0]!.message).toBe('The image is larger than 10 MB.');
    // No declared size, whatever the size: refused before reading (the upload flood defence).
    for (const size of [jpeg.length, LIMIT + 1]) {
      const streamed = await upload(t, cookie, streamOf(jpegOfSize(size)));
      expect([size, streamed.status]).toEqual([size, 411]);
      expect(streamed.headers.get('connection')).toBe('close');
      const { error: refusal } = (await streamed.json()) as { error: { code: string; message: string } };
      expect(refusal.code).toBe('length_required');
      expect(refusal.message).toContain('Content-Length');
    }
    const list = (await (await t.request('/api/uploads', { headers: { cookie } })).json()) as {
      items: unknown[];
    };
    expect(list.items).toHaveLength(2);
  });

  it('keeps the JSON routes at the API body limit', async () => {
    const response = await t.request('/api/uploads/from-url', {
      method: 'POST',
      headers: { cookie },
      json: { url: `https://example.com/${'a'.repeat(2 * 1024 * 1024)}` },
    });
    expect(response.status).toBe(413);
  });
});

describe('U2 over real sockets, U8 and the rate limit', () => {
  const LIMIT = 1024 * 1024;
  let t: TestApp;
  let server: http.Server;
  let port: number;
  /** socket.bytesRead of each answered upload, when its answer was written. */
  const readWhenAnswered: number[] = [];

  beforeAll(async () => {
    t = await createTestApp({
      UPLOAD_MAX_BYTES: String(LIMIT),
      UPLOAD_MAX_PER_MEMBER: '2',
      RATE_LIMIT_UPLOADS_PER_HOUR: '25',
      RATE_LIMIT_SIGN_UP_PER_HOUR: '1000',
    });
    const listener = getRequestListener(t.app.fetch);
    server = http.createServer((request, response) => {
      response.once('finish', () => {
        if (request.url?.startsWith('/api/uploads')) readWhenAnswered.push(request.socket.bytesRead);
      });
      void listener(request, response);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await t.close();
  });

  /**
   * Streams `total` bytes (a JPEG start, then zeros) until the server
   * answers; never more than `total`. With `declare`, the request says its
   * length; otherwise it is chunked.
   */
  function streamedUpload(
    cookie: string,
    total: number,
    declare = false,
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const request = http.request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/uploads',
        agent: false,
        headers: {
          cookie,
          origin: TEST_ORIGIN,
          'content-type': 'image/jpeg',
          ...(declare ? { 'content-length': String(total) } : {}),
        },
      });
      let answered = false;
      request.on('response', (response) => {
        answered = true;
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        response.on('error', reject);
      });
      // Once answered, the server may close while we still write: that is the point.
      request.on('error', (error) => {
        if (!answered) reject(error);
      });
      const zeros = Buffer.alloc(64 * 1024);
      let sent = 0;
      const pump = () => {
        while (!answered && sent < total) {
          const piece = sent === 0 ? jpeg : zeros;
          sent += piece.length;
          if (!request.write(piece)) return void request.once('drain', pump);
        }
        if (!answered) request.end();
      };
      pump();
    });
  }

  it('refuses 20 concurrent 8 MiB uploads from their headers, declared (413) or chunked (411)', async () => {
    for (const [declare, status, code] of [
      [true, 413, 'payload_too_large'],
      [false, 411, 'length_required'],
    ] as const) {
      // A member per round: each round's 20 attempts count against the hourly limit (25).
      const { cookie } = await signUp(t);
      readWhenAnswered.length = 0;
      const results = await Promise.all(
        Array.from({ length: 20 }, () => streamedUpload(cookie, 8 * LIMIT, declare)),
      );
      expect(results.map((r) => r.status)).toEqual(Array<number>(20).fill(status));
      expect(JSON.parse(results[0]!.body)).toMatchObject({ error: { code } });
      expect(readWhenAnswered).toHaveLength(20);
      // Headers plus whatever the socket had already taken in: far below the 1 MiB limit, let alone 8 MiB.
      expect(Math.max(...readWhenAnswered)).toBeLessThan(LIMIT);
    }
  });

  it('keeps at most UPLOAD_MAX_PER_MEMBER uploads; deleting frees room; others are unaffected', async () => {
    const a = await signUp(t);
    const b = await signUp(t);
    const small = jpegOfSize(jpeg.length);
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const response = await upload(t, a.cookie, small);
      expect(response.status).toBe(201);
      ids.push(((await response.json()) as UploadView).id);
    }
    const refused = await upload(t, a.cookie, small);
    expect(refused.status).toBe(409);
    const { error } = (await refused.json()) as { error: { fields: { field: string; message: string }[] } };
    expect(error.fields).toEqual([{ field: 'file', message: expect.stringContaining('(2)') as string }]);
    expect((await upload(t, b.cookie, small)).status).toBe(201);
    expect(
      (await t.request(`/api/uploads/${ids[0]}`, { method: 'DELETE', headers: { cookie: a.cookie } })).status,
    ).toBe(204);
    expect((await upload(t, a.cookie, small)).status).toBe(201);
  });

  it('limits upload attempts per member and hour (429 with Retry-After)', async () => {
    const { cookie } = await signUp(t);
    const statuses: number[] = [];
    for (let i = 0; i < 26; i++) statuses.push((await upload(t, cookie, Buffer.from('not an image'))).status);
    expect(statuses.slice(0, 25)).toEqual(Array<number>(25).fill(422));
    expect(statuses[25]).toBe(429);
    const limited = await upload(t, cookie, Buffer.from('not an image'));
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another member is not affected.
    const other = await signUp(t);
    expect((await upload(t, other.cookie, Buffer.from('not an image'))).status).toBe(422);
  });
});
