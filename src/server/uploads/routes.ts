/**
 * Members' uploads: images sent to a model as references (session-authenticated).
 *
 *   POST   /api/uploads[?name=<file name>]  body: the image file itself -> 201 upload
 *   POST   /api/uploads/from-url {url}      the server fetches the image -> 201 upload
 *   GET    /api/uploads[?cursor&limit]      the member's uploads, newest first
 *   GET    /api/uploads/:id[?download=1]    the stored image
 *   GET    /api/uploads/:id/thumb           its WebP thumbnail
 *   DELETE /api/uploads/:id                 204; 409 while a running generation uses it
 *
 * A file upload is the raw body (as `fetch(url, { body: file })` or
 * `curl --data-binary @photo.jpg` send it), not multipart/form-data: the
 * size limit then counts exactly the file's bytes, and no form parser
 * buffers anything first. It must declare its size (Content-Length, which
 * both send): a body without one is refused with 411 before a byte is read,
 * like S3's PutObject does, so an upload flood is refused from headers. Its Content-Type is ignored (the
 * content decides); the optional `name` is kept only as a sanitized label.
 * This route has its own limit, UPLOAD_MAX_BYTES, in place of the API's
 * JSON body limit (see isUploadBodyRequest and app.ts).
 *
 * Another member's upload id answers 404, exactly like one that does not exist.
 */
import type { Context } from 'hono';
import { Hono } from 'hono';
import { z } from 'zod';
import { requireUser } from '../auth/require-user';
import { AppError } from '../errors';
import type { AppDeps, AppEnv } from '../http/context';
import { parseJsonBody } from '../http/errors';
import { enforceRateLimit, type RateLimitRule } from '../http/rate-limit';
import { sniffImage } from '../images/sniff-image';
import { serveObject } from '../storage/serve-object';
import { fetchUpload } from './fetch-upload';
import { deleteUpload, listUploads, presentUpload, requireUpload } from './queries';
import { receiveBody, withReceiveSlot } from './receive-body';
import { assertUploadRoom, storeUpload } from './store-upload';
import { uploadThumbKey } from './upload-keys';

/** True for the one request whose body is a file: it skips the API's JSON body limit and has its own. */
export function isUploadBodyRequest(c: Context): boolean {
  return c.req.method === 'POST' && /^\/api\/uploads\/?$/.test(c.req.path);
}

const fromUrlBody = z.strictObject({ url: z.string().min(1).max(2048) });

const pageQuery = z.object({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

/** Refuses a body whose first bytes are not a PNG, JPEG or WebP, before the rest is read. */
function checkImageStart(prefix: Uint8Array): void {
  if (!sniffImage(prefix)) {
    throw new AppError('invalid_image', { detail: 'not a PNG, JPEG or WebP by content' });
  }
}

export function uploadRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const db = deps.database.db;
  const { storage, logger } = deps.generation;
  const { maxBytes, perHour, maxPerMember } = deps.config.uploads;
  const uploadDeps = { db, storage, config: deps.config, now: deps.now };
  // Per member rather than per IP: uploads need a session, and members behind one NAT stay independent.
  const rule: RateLimitRule = { name: 'upload:user', max: perHour, windowSeconds: 3600 };

  /** What both kinds of upload check before any byte is read or fetched. */
  async function admit(userId: string) {
    await enforceRateLimit(db, rule, userId, deps.now());
    await assertUploadRoom(db, userId, maxPerMember);
  }

  app.post('/uploads', async (c) => {
    const user = await requireUser(deps, c);
    if (/^multipart\//i.test(c.req.header('content-type') ?? '')) {
      throw new AppError('unsupported_media_type', {
        fields: [{ field: 'body', message: 'validation.uploadRawBody' }],
      });
    }
    await admit(user.id);
    // The slot covers reading and processing: the bytes stay in memory until stored.
    const row = await withReceiveSlot(maxBytes, async () => {
      let bytes: Buffer;
      try {
        bytes = await receiveBody(c.req.raw, { maxBytes, requireLength: true, checkPrefix: checkImageStart });
      } catch (error) {
        // A refused body is not read to its end to keep the connection: the
        // connection closes instead (bench:uploads: draining 20 refused 100 MB
        // uploads let RSS rise 80-100 MB).
        c.header('connection', 'close');
        throw error;
      }
      return storeUpload(uploadDeps, { userId: user.id, bytes, name: c.req.query('name') });
    });
    return c.json(presentUpload(row), 201);
  });

  app.post('/uploads/from-url', async (c) => {
    const user = await requireUser(deps, c);
    const { url } = await parseJsonBody(c, fromUrlBody);
    await admit(user.id);
    const row = await withReceiveSlot(maxBytes, () => fetchUpload(uploadDeps, { userId: user.id, url }));
    return c.json(presentUpload(row), 201);
  });

  app.get('/uploads', async (c) => {
    const user = await requireUser(deps, c);
    const query = pageQuery.safeParse(c.req.query());
    if (!query.success) {
      throw new AppError('validation_failed', {
        fields: [{ field: 'limit', message: 'validation.invalidValue' }],
      });
    }
    return c.json(await listUploads(db, user.id, query.data));
  });

  app.get('/uploads/:id/:variant?', async (c) => {
    const user = await requireUser(deps, c);
    const variant = c.req.param('variant');
    if (variant !== undefined && variant !== 'thumb') throw new AppError('not_found');
    const upload = await requireUpload(db, user.id, c.req.param('id'));
    const key = variant === 'thumb' ? uploadThumbKey(user.id, upload.id) : upload.objectKey;
    // The label is the member's own text: serveObject sanitizes it again and forces the served type's extension.
    const response = await serveObject(c, storage, key, {
      filename: upload.name,
      download: c.req.query('download') === '1',
    });
    if (!response) throw new AppError('not_found');
    return response;
  });

  app.delete('/uploads/:id', async (c) => {
    const user = await requireUser(deps, c);
    await deleteUpload({ db, storage, logger }, user.id, c.req.param('id'));
    return c.body(null, 204);
  });

  return app;
}
