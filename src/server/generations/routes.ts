/**
 * The JSON API the member pages use (session-authenticated):
 *   GET    /api/models
 *   POST   /api/generations              -> 202 {id, status, cost}
 *   GET    /api/generations              -> cursor page, newest first
 *   GET    /api/generations/:id
 *   GET    /api/generations/:id/events   -> Server-Sent Events until finished
 *   POST   /api/generations/:id/cancel
 *   DELETE /api/generations/:id
 *   GET    /api/images/:id[/thumb][?download=1]
 *   GET/PUT /api/me/generator-settings
 * Another member's ids answer 404, exactly like ids that do not exist.
 */
import { and, eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { requireUser } from '../auth/require-user';
import { listModels } from '../catalog/list-models';
import { toPublicModel } from '../catalog/public-model';
import { generationImages, terminalStatuses, userPreferences } from '../db/schema';
import { AppError } from '../errors';
import type { AppDeps, AppEnv } from '../http/context';
import { idempotencyKeyHeader, parseJsonBody } from '../http/errors';
import { requestLog } from '../http/request-log';
import { serveObject } from '../storage/serve-object';
import { createGeneration } from './create-generation';
import {
  cancelGeneration,
  deleteGeneration,
  getGeneration,
  isUuid,
  listGenerations,
  requireGeneration,
  type GenerationView,
} from './queries';

const MAX_SEED = 2 ** 32 - 1;

const createBody = z.strictObject({
  prompt: z.string().max(32_000),
  modelId: z.string().min(1).max(100),
  size: z.string().max(20).optional(),
  aspectRatio: z.string().max(10).optional(),
  resolution: z.string().max(10).optional(),
  n: z.int().min(1).max(16),
  seed: z.int().min(0).max(MAX_SEED).optional(),
  negativePrompt: z.string().max(4_000).optional(),
  /** Upload ids (uploads/routes.ts); 16 is the catalog's ceiling, each model's own limit is checked after. */
  referenceUploadIds: z.array(z.string().max(64)).max(16).optional(),
});

const settingsBody = z.strictObject({
  modelId: z.string().min(1).max(100),
  size: z.string().max(20).optional(),
  aspectRatio: z.string().max(10).optional(),
  resolution: z.string().max(10).optional(),
  n: z.int().min(1).max(16),
  seed: z.int().min(0).max(MAX_SEED).optional(),
});

const pageQuery = z.object({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

/** An SSE stream re-reads the row at least this often (and sends a comment as a keep-alive). */
const SSE_HEARTBEAT_MS = 15_000;
/** How often a waiting stream checks whether the instance is draining. */
const SSE_TICK_MS = 1_000;

function isTerminal(view: GenerationView): boolean {
  return (terminalStatuses as readonly string[]).includes(view.status);
}

export function generationRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const generation = deps.generation;
  const db = deps.database.db;

  app.get('/models', async (c) => {
    const models = await listModels(db, {
      onInvalid: (problem) => requestLog(c).warn({ problem }, 'catalog row skipped'),
    });
    return c.json({ models: models.map((model) => toPublicModel(model, c.get('info').locale)) });
  });

  app.post('/generations', async (c) => {
    const user = await requireUser(deps, c);
    const body = await parseJsonBody(c, createBody);
    const key = idempotencyKeyHeader(c);
    const accepted = await createGeneration(generation, { ...body, userId: user.id, idempotencyKey: key });
    return c.json({ id: accepted.id, status: accepted.status, cost: accepted.cost }, 202);
  });

  app.get('/generations', async (c) => {
    const user = await requireUser(deps, c);
    const query = pageQuery.safeParse(c.req.query());
    if (!query.success) {
      throw new AppError('validation_failed', {
        fields: [{ field: 'limit', message: 'validation.invalidValue' }],
      });
    }
    return c.json(await listGenerations(db, user.id, { ...query.data, locale: c.get('info').locale }));
  });

  app.get('/generations/:id', async (c) => {
    const user = await requireUser(deps, c);
    return c.json(await requireGeneration(db, user.id, c.req.param('id'), c.get('info').locale));
  });

  app.get('/generations/:id/events', async (c) => {
    const user = await requireUser(deps, c);
    const id = c.req.param('id');
    const locale = c.get('info').locale;
    const first = await requireGeneration(db, user.id, id, locale);
    c.header('cache-control', 'no-store');
    c.header('x-accel-buffering', 'no');
    return streamSSE(c, async (stream) => {
      let closed = false;
      let changed = false;
      let wake: (() => void) | undefined;
      const unsubscribe = generation.events.subscribe(id, () => {
        changed = true;
        wake?.();
      });
      stream.onAbort(() => {
        closed = true;
        wake?.();
      });
      let last = '';
      let lastWrite = Date.now();
      const send = async (view: GenerationView) => {
        const json = JSON.stringify(view);
        if (json === last) return;
        last = json;
        lastWrite = Date.now();
        await stream.writeSSE({ event: 'generation', data: json });
      };
      try {
        await send(first);
        let current = first;
        // Re-read on a notification, and every heartbeat as a backstop (a
        // notification lost with the LISTEN connection); the short tick only
        // notices a drain, so an instance shutting down hands its streams over.
        while (!closed && !isTerminal(current) && !deps.isDraining?.()) {
          if (!changed) {
            await new Promise<void>((resolve) => {
              wake = resolve;
              setTimeout(resolve, SSE_TICK_MS);
            });
            wake = undefined;
          }
          if (closed) break;
          const heartbeatDue = Date.now() - lastWrite >= SSE_HEARTBEAT_MS;
          if (!changed && !heartbeatDue) continue;
          changed = false;
          const next = await getGeneration(db, user.id, id, locale);
          if (!next) break;
          current = next;
          await send(next);
          if (Date.now() - lastWrite >= SSE_HEARTBEAT_MS) {
            lastWrite = Date.now();
            await stream.write(': keep-alive\n\n');
          }
        }
      } finally {
        unsubscribe();
      }
    });
  });

  app.post('/generations/:id/cancel', async (c) => {
    const user = await requireUser(deps, c);
    await cancelGeneration(generation, user.id, c.req.param('id'));
    return c.json(await requireGeneration(db, user.id, c.req.param('id'), c.get('info').locale));
  });

  app.delete('/generations/:id', async (c) => {
    const user = await requireUser(deps, c);
    await deleteGeneration(generation, user.id, c.req.param('id'));
    return c.body(null, 204);
  });

  app.get('/images/:id/:variant?', async (c) => {
    const user = await requireUser(deps, c);
    const id = c.req.param('id');
    const variant = c.req.param('variant');
    if (!isUuid(id) || (variant !== undefined && variant !== 'thumb')) throw new AppError('not_found');
    const [image] = await db
      .select({
        objectKey: generationImages.objectKey,
        thumbKey: generationImages.thumbKey,
        index: generationImages.index,
        generationId: generationImages.generationId,
      })
      .from(generationImages)
      .where(and(eq(generationImages.id, id), eq(generationImages.userId, user.id)));
    if (!image) throw new AppError('not_found');
    // A thumbnail not made yet (it follows the success by a few milliseconds): the
    // original stands in, revalidated on every use so the thumbnail replaces it.
    const standIn = variant === 'thumb' && image.thumbKey === null;
    const key = variant === 'thumb' ? (image.thumbKey ?? image.objectKey) : image.objectKey;
    const extension = key.slice(key.lastIndexOf('.') + 1);
    const response = await serveObject(c, generation.storage, key, {
      filename: `image-${image.generationId.slice(0, 8)}-${image.index + 1}.${extension}`,
      download: c.req.query('download') === '1',
      immutable: !standIn,
    });
    if (!response) throw new AppError('not_found');
    return response;
  });

  app.get('/me/generator-settings', async (c) => {
    const user = await requireUser(deps, c);
    const [row] = await db
      .select({ generator: userPreferences.generator })
      .from(userPreferences)
      .where(eq(userPreferences.userId, user.id));
    return c.json({ settings: row?.generator ?? null });
  });

  app.put('/me/generator-settings', async (c) => {
    const user = await requireUser(deps, c);
    const settings = await parseJsonBody(c, settingsBody);
    await db
      .insert(userPreferences)
      .values({ userId: user.id, generator: settings })
      .onConflictDoUpdate({ target: userPreferences.userId, set: { generator: settings } });
    return c.body(null, 204);
  });

  return app;
}
