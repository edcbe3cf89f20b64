/**
 * The uploads API on the real app, database and disk storage: type by
 * content (reliability U1), pixel floods and chunk bombs (U3), metadata
 * stripping with orientation applied (U4), names and paths (U5), listing,
 * serving and deleting, ownership (another member gets 404), and uploads
 * from a URL through the SSRF-safe fetcher, against a fake image host on
 * 127.0.0.2 that the test profile allowlists. Size limits (U2) are in
 * upload-limits.integration.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, type TestApp } from '../../../tests/support/app';
import {
  animatedPng,
  animatedWebp,
  blue,
  halves,
  pixel,
  pngChunk,
  pngDeclaring,
  red,
  svg,
} from '../../../tests/support/test-images';
import { uploads } from '../db/schema';
import { knownUploadKeys, type UploadView } from './queries';

const FAKE_HOST = '127.0.0.2';

let t: TestApp;
let storageRoot: string;
let fakeHost: http.Server;
let fakeBase: string;
let png: Buffer;

beforeAll(async () => {
  png = await (await halves(64, 32)).png().toBuffer();
  fakeHost = http.createServer((request, response) => {
    if (request.url === '/photos/sunset%20beach.png') {
      // Declares HTML: the content decides, not the header.
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(png);
    } else if (request.url === '/page.html') {
      response.writeHead(200, { 'content-type': 'image/png' });
      response.end('<!doctype html><script>alert(1)</script>');
    } else if (request.url === '/to-loopback') {
      response.writeHead(302, { location: 'http://127.0.0.1:1/' });
      response.end();
    } else {
      response.writeHead(404);
      response.end();
    }
  });
  fakeHost.listen(0, FAKE_HOST);
  await once(fakeHost, 'listening');
  fakeBase = `http://${FAKE_HOST}:${(fakeHost.address() as AddressInfo).port}`;
  t = await createTestApp({
    RATE_LIMIT_SIGN_UP_PER_HOUR: '1000',
    RATE_LIMIT_UPLOADS_PER_HOUR: '1000',
    UPLOAD_URL_ALLOWLIST: FAKE_HOST,
  });
  const storage = t.deps.config.storage;
  if (storage.driver !== 'disk') throw new Error('these tests read the disk driver’s folder');
  storageRoot = storage.root;
});

afterAll(async () => {
  await t.close();
  await new Promise<void>((resolve) => fakeHost.close(() => resolve()));
});

async function member() {
  const { cookie } = await signUp(t);
  const get = (target: string, init: RequestInit = {}) =>
    t.request(target, { ...init, headers: { cookie, ...(init.headers as Record<string, string>) } });
  const upload = (body: Uint8Array, options: { name?: string; contentType?: string } = {}) =>
    t.request(
      `/api/uploads${options.name === undefined ? '' : `?name=${encodeURIComponent(options.name)}`}`,
      {
        method: 'POST',
        headers: { cookie, 'content-type': options.contentType ?? 'application/octet-stream' },
        body: new Uint8Array(body),
      },
    );
  const fromUrl = (url: string) =>
    t.request('/api/uploads/from-url', { method: 'POST', headers: { cookie }, json: { url } });
  return { cookie, get, upload, fromUrl };
}
type Member = Awaited<ReturnType<typeof member>>;

async function bytesOf(response: Response): Promise<Buffer> {
  return Buffer.from(await response.arrayBuffer());
}

async function errorOf(response: Response): Promise<{ code: string; message: string; fields?: unknown[] }> {
  return ((await response.json()) as { error: { code: string; message: string; fields?: unknown[] } }).error;
}

/** Every file under the storage root, relative to it. */
function storedFiles(dir = storageRoot): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? storedFiles(full) : [path.relative(storageRoot, full)];
  });
}

const UPLOAD_KEY = /^uploads\/[0-9a-f]{32}\/[0-9a-f-]{36}(\.thumb\.webp|\.png|\.jpg|\.webp)$/;

describe('U1: type by content', () => {
  let m: Member;
  beforeAll(async () => {
    m = await member();
  });

  const still = (background = red) => sharp({ create: { width: 16, height: 12, channels: 3, background } });

  it.each([
    ['a real PNG', () => still().png().toBuffer(), 'image/png'],
    ['a real JPEG', () => still().jpeg().toBuffer(), 'image/jpeg'],
    ['a real WebP', () => still().webp().toBuffer(), 'image/webp'],
  ])('accepts %s, stored and served in its own format', async (_name, make, type) => {
    const response = await m.upload(await make(), { name: 'picture', contentType: 'text/html' });
    expect(response.status).toBe(201);
    const view = (await response.json()) as UploadView;
    expect(view).toMatchObject({ contentType: type, width: 16, height: 12, name: 'picture' });
    const served = await m.get(view.url);
    expect(served.headers.get('content-type')).toBe(type);
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(served.headers.get('content-security-policy')).toContain('sandbox');
    const meta = await sharp(await bytesOf(served)).metadata();
    expect([meta.width, meta.height]).toEqual([16, 12]);
    const thumb = await m.get(view.thumbUrl);
    expect(thumb.headers.get('content-type')).toBe('image/webp');
  });

  const gif = () => still(blue).gif().toBuffer();
  const animatedGif = async () => {
    const frames = await Promise.all([red, blue].map((background) => still(background).png().toBuffer()));
    return sharp(frames, { join: { animated: true } })
      .gif({ loop: 0, delay: [100, 100] })
      .toBuffer();
  };
  const truncatedPng = async () => {
    const whole = await sharp({ create: { width: 64, height: 64, channels: 3, background: blue } })
      .png()
      .toBuffer();
    return whole.subarray(0, whole.length - 20);
  };

  it.each([
    ['a GIF named .png', gif],
    ['an SVG named .png', () => Promise.resolve(svg)],
    ['HTML named .png', () => Promise.resolve(Buffer.from('<!doctype html><script>alert(1)</script>'))],
    ['a PDF named .png', () => Promise.resolve(Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF'))],
    [
      'a ZIP named .png',
      () => Promise.resolve(Buffer.from([0x50, 0x4b, 0x03, 0x04, ...Array<number>(26).fill(0)])),
    ],
    ['a truncated PNG', truncatedPng],
    ['zero bytes', () => Promise.resolve(Buffer.alloc(0))],
    [
      'HTML with a lying image/png Content-Type',
      () => Promise.resolve(Buffer.from('<html><body>hi</body></html>')),
    ],
    ['an animated WebP', animatedWebp],
    ['an animated GIF', animatedGif],
    ['an animated PNG', animatedPng],
  ])('refuses %s as invalid_image (422), storing nothing', async (_name, make) => {
    const before = storedFiles().length;
    const response = await m.upload(await make(), { name: 'evil.png', contentType: 'image/png' });
    expect(response.status).toBe(422);
    expect((await errorOf(response)).code).toBe('invalid_image');
    expect(storedFiles()).toHaveLength(before);
  });

  it('keeps only the image of a JPEG/HTML polyglot', async () => {
    const jpeg = await (await halves(32, 32)).jpeg().toBuffer();
    const polyglot = Buffer.concat([
      jpeg,
      Buffer.from('<html><script>alert(document.cookie)</script></html>'),
    ]);
    const response = await m.upload(polyglot, { name: 'polyglot.html' });
    expect(response.status).toBe(201);
    const view = (await response.json()) as UploadView;
    expect(view.contentType).toBe('image/jpeg');
    const stored = await bytesOf(await m.get(view.url));
    expect(stored.includes('<script>')).toBe(false);
    expect(stored.includes('<html>')).toBe(false);
  });
});

describe('U3: pixel floods and chunk bombs', () => {
  let m: Member;
  beforeAll(async () => {
    m = await member();
  });

  it('refuses a PNG declaring 14,000 × 14,000 and a 1 × 65,000 strip from the header (413)', async () => {
    for (const [width, height] of [
      [14_000, 14_000],
      [1, 65_000],
    ] as const) {
      const response = await m.upload(await pngDeclaring(width, height));
      expect(response.status).toBe(413);
      expect((await errorOf(response)).code).toBe('image_too_large');
    }
  });

  it.each(['zTXt', 'iCCP'])(
    'stores a PNG with a huge compressed %s chunk without the chunk',
    async (type) => {
      const base = await sharp({ create: { width: 32, height: 32, channels: 3, background: red } })
        .png()
        .toBuffer();
      // 64 MB of zeros deflates to ~64 KB: tiny on the wire, large if anything inflated it.
      const bomb = deflateSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
      const header = type === 'zTXt' ? 'Comment\0\0' : 'icc\0\0';
      const chunk = pngChunk(type, Buffer.concat([Buffer.from(header, 'latin1'), bomb]));
      const ihdrEnd = 8 + 12 + 13;
      const input = Buffer.concat([base.subarray(0, ihdrEnd), chunk, base.subarray(ihdrEnd)]);
      const response = await m.upload(input);
      expect(response.status).toBe(201);
      const view = (await response.json()) as UploadView;
      expect(view.bytes).toBeLessThan(2_000);
      const stored = await bytesOf(await m.get(view.url));
      expect(stored.includes(type)).toBe(false);
      const meta = await sharp(stored).metadata();
      expect([meta.icc, meta.comments]).toEqual([undefined, undefined]);
    },
  );
});

describe('U4: metadata stripping', () => {
  it('stores a JPEG with GPS, camera details and orientation 6 upright and with no EXIF, thumbnail too', async () => {
    const m = await member();
    const input = await (
      await halves(80, 40)
    )
      .jpeg()
      .withMetadata({ orientation: 6 })
      .withExif({
        IFD0: { Make: 'SecretCamCo', Model: 'Spy 3000', Copyright: 'Jane Doe' },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 29/1', GPSLongitudeRef: 'E' },
      })
      .toBuffer();
    const before = await sharp(input).metadata();
    expect(before.orientation).toBe(6);
    expect(before.exif?.includes('SecretCamCo')).toBe(true);

    const response = await m.upload(input, { name: 'holiday.jpg' });
    expect(response.status).toBe(201);
    const view = (await response.json()) as UploadView;
    // Turned 90° clockwise: 80 × 40 becomes 40 × 80.
    expect([view.width, view.height]).toEqual([40, 80]);

    for (const url of [view.url, view.thumbUrl]) {
      const stored = await bytesOf(await m.get(url));
      const meta = await sharp(stored).metadata();
      expect([meta.exif, meta.xmp, meta.iptc, meta.orientation]).toEqual([
        undefined,
        undefined,
        undefined,
        undefined,
      ]);
      expect([meta.width, meta.height]).toEqual([40, 80]);
      expect(stored.includes('SecretCamCo')).toBe(false);
      expect(stored.includes('Jane Doe')).toBe(false);
      // The red left half is now on top.
      const [r, , b] = await pixel(stored, 20, 5);
      expect(r).toBeGreaterThan(200);
      expect(b).toBeLessThan(60);
    }
  });
});

describe('U5: names and paths', () => {
  it.each([
    ['../../x', 'x'],
    ['..\\..\\windows\\win.ini', 'win.ini'],
    ['a\0b.png', 'ab.png'],
    ['photo\u202Egnp.exe', 'photognp.exe'],
    ['CON', '_CON'],
    ['con.png', '_con.png'],
    ['', 'image'],
  ])('stores %j under a generated key, labelled %j', async (name, label) => {
    const m = await member();
    const response = await m.upload(png, { name });
    expect(response.status).toBe(201);
    const view = (await response.json()) as UploadView;
    expect(view.name).toBe(label);
    const [row] = await t.database.db.select().from(uploads).where(eq(uploads.id, view.id));
    expect(row!.objectKey).toMatch(UPLOAD_KEY);
    expect(row!.objectKey).toContain(view.id);
    const download = await m.get(`${view.url}?download=1`);
    const disposition = download.headers.get('content-disposition')!;
    expect(disposition).toMatch(/^attachment; filename="[^"/\\]+\.png"; filename\*=UTF-8''/);
    // eslint-disable-next-line no-control-regex
    expect(disposition).not.toMatch(/[\u0000-\u001f\u202e]|\.\./);
  });

  it('cuts a 300-character name to 100 and keeps every object inside the storage root', async () => {
    const m = await member();
    const long = `${'n'.repeat(296)}.png`;
    const view = (await (await m.upload(png, { name: long })).json()) as UploadView;
    expect(view.name.length).toBeLessThanOrEqual(100);
    expect(view.name.endsWith('.png')).toBe(true);
    // Nothing was ever stored under a name a member chose: every file is a generated key.
    const files = storedFiles().filter((file) => file.startsWith('uploads'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(file).toMatch(UPLOAD_KEY);
  });
});

describe('listing, serving, deleting and ownership', () => {
  it('lists a member’s uploads newest first, in pages', async () => {
    const m = await member();
    const ids: string[] = [];
    for (const name of ['one.png', 'two.png', 'three.png']) {
      ids.push(((await (await m.upload(png, { name })).json()) as UploadView).id);
      t.advance(1000);
    }
    const first = (await (await m.get('/api/uploads?limit=2')).json()) as {
      items: UploadView[];
      nextCursor: string | null;
    };
    expect(first.items.map((u) => u.name)).toEqual(['three.png', 'two.png']);
    expect(first.items[0]).toMatchObject({
      id: ids[2],
      contentType: 'image/png',
      width: 64,
      height: 32,
      url: `/api/uploads/${ids[2]}`,
      thumbUrl: `/api/uploads/${ids[2]}/thumb`,
    });
    const second = (await (
      await m.get(`/api/uploads?limit=2&cursor=${encodeURIComponent(first.nextCursor!)}`)
    ).json()) as { items: UploadView[]; nextCursor: string | null };
    expect(second).toEqual({ items: [expect.objectContaining({ id: ids[0] })], nextCursor: null });
    expect((await m.get('/api/uploads?cursor=garbage')).status).toBe(400);
  });

  it('answers 404 to another member for the image, its thumbnail, the delete and the list', async () => {
    const owner = await member();
    const other = await member();
    const view = (await (await owner.upload(png, { name: 'mine.png' })).json()) as UploadView;
    for (const url of [view.url, view.thumbUrl, `${view.url}?download=1`]) {
      const response = await other.get(url);
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain('uploads/');
    }
    expect((await other.get(view.url, { method: 'DELETE' })).status).toBe(404);
    const list = (await (await other.get('/api/uploads')).json()) as { items: UploadView[] };
    expect(list.items).toEqual([]);
    // Still there for its owner.
    expect((await owner.get(view.url)).status).toBe(200);
    // Visitors are asked to sign in.
    expect((await t.request(view.url)).status).toBe(401);
    expect((await t.request('/api/uploads', { method: 'POST', body: new Uint8Array(png) })).status).toBe(401);
  });

  it('deletes the row and both objects; a second delete and unknown ids answer 404', async () => {
    const m = await member();
    const view = (await (await m.upload(png)).json()) as UploadView;
    const [row] = await t.database.db.select().from(uploads).where(eq(uploads.id, view.id));
    const objectFiles = () => storedFiles().filter((file) => file.includes(view.id));
    expect(objectFiles()).toHaveLength(2);
    // What an orphan sweep of uploads/ would be told: both objects are known, a stray one is not.
    const stray = `${row!.objectKey.slice(0, row!.objectKey.lastIndexOf('/'))}/${randomUUID()}.png`;
    expect((await knownUploadKeys(t.database.db, [...objectFiles(), stray])).sort()).toEqual(
      objectFiles().sort(),
    );
    expect((await m.get(view.url, { method: 'DELETE' })).status).toBe(204);
    expect(await knownUploadKeys(t.database.db, [row!.objectKey])).toEqual([]);
    expect(await t.database.db.select().from(uploads).where(eq(uploads.id, view.id))).toEqual([]);
    expect(objectFiles()).toEqual([]);
    expect(await t.deps.generation.storage.head(row!.objectKey)).toBeNull();
    expect((await m.get(view.url)).status).toBe(404);
    expect((await m.get(view.url, { method: 'DELETE' })).status).toBe(404);
    expect((await m.get('/api/uploads/not-a-uuid')).status).toBe(404);
    expect((await m.get(`${view.url}/original`)).status).toBe(404);
  });

  it('refuses a multipart form with a clear message', async () => {
    const m = await member();
    const response = await m.upload(png, { contentType: 'multipart/form-data; boundary=x' });
    expect(response.status).toBe(415);
    const error = await errorOf(response);
    expect(error.fields).toEqual([
      { field: 'body', message: expect.stringContaining('request body') as string },
    ]);
  });
});

describe('uploads from a URL (P3 through the API)', () => {
  it('fetches an allowed image, ignoring the declared type, and labels it from the URL', async () => {
    const m = await member();
    const response = await m.fromUrl(`${fakeBase}/photos/sunset%20beach.png`);
    expect(response.status).toBe(201);
    const view = (await response.json()) as UploadView;
    expect(view).toMatchObject({ name: 'sunset beach.png', contentType: 'image/png', width: 64, height: 32 });
    expect((await m.get(view.url)).status).toBe(200);
  });

  it('refuses private addresses, other schemes, redirects to loopback and non-images', async () => {
    const m = await member();
    const cases: [string, number, string][] = [
      ['http://127.0.0.1:1/', 400, 'url'],
      ['http://169.254.169.254/latest/meta-data/', 400, 'url'],
      ['http://[::1]/', 400, 'url'],
      ['file:///etc/passwd', 400, 'url'],
      [`${fakeBase}/to-loopback`, 400, 'url'],
      [`${fakeBase}/missing.png`, 400, 'url'],
    ];
    for (const [url, status, field] of cases) {
      const response = await m.fromUrl(url);
      expect([url, response.status]).toEqual([url, status]);
      const error = await errorOf(response);
      expect(error.fields).toEqual([{ field, message: expect.any(String) as string }]);
    }
    const html = await m.fromUrl(`${fakeBase}/page.html`);
    expect(html.status).toBe(422);
    expect((await errorOf(html)).code).toBe('invalid_image');
    expect((await (await m.get('/api/uploads')).json()) as { items: unknown[] }).toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it('answers in the member’s language', async () => {
    const m = await member();
    const response = await t.request('/api/uploads/from-url', {
      method: 'POST',
      headers: { cookie: m.cookie, 'accept-language': 'zh' },
      json: { url: 'http://10.0.0.1/' },
    });
    const error = await errorOf(response);
    expect(error.fields).toEqual([
      { field: 'url', message: expect.stringMatching(/[\u4e00-\u9fff]/) as string },
    ]);
  });
});
