/**
 * The side-by-side comparison API (session-authenticated):
 *   POST /api/compare              -> 202 {compareId, generations: [{id, modelId, cost, status}]}
 *   GET  /api/compare              -> {items}: recent comparisons, newest first
 *   GET  /api/compare/:compareId   -> {compareId, prompt, createdAt, generations}
 * Each column is an ordinary generation, so its live status, cancel, images
 * and deletion use the /api/generations routes. Another member's comparison
 * answers 404, exactly like one that does not exist.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { requireUser } from '../auth/require-user';
import { AppError } from '../errors';
import type { AppDeps, AppEnv } from '../http/context';
import { idempotencyKeyHeader, parseJsonBody } from '../http/errors';
import { createComparison } from './create-comparison';
import { listComparisons, requireComparison } from './queries';

const MAX_SEED = 2 ** 32 - 1;

/** One column, as POST /api/generations takes a request (without prompt and seed, which are shared). */
const columnBody = z.strictObject({
  modelId: z.string().min(1).max(100),
  size: z.string().max(20).optional(),
  aspectRatio: z.string().max(10).optional(),
  resolution: z.string().max(10).optional(),
  n: z.int().min(1).max(16).optional(),
});

const createBody = z.strictObject({
  prompt: z.string().max(32_000),
  negativePrompt: z.string().max(4_000).optional(),
  seed: z.int().min(0).max(MAX_SEED).optional(),
  // Only a bound on the work of parsing: the use case refuses anything but
  // 2–4 columns with its own message.
  columns: z.array(columnBody).max(16),
});

const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(50).default(10) });

export function compareRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const db = deps.database.db;

  app.post('/compare', async (c) => {
    const user = await requireUser(deps, c);
    const body = await parseJsonBody(c, createBody);
    const key = idempotencyKeyHeader(c);
    const accepted = await createComparison(deps.generation, {
      ...body,
      userId: user.id,
      idempotencyKey: key,
    });
    return c.json({ compareId: accepted.compareId, generations: accepted.generations }, 202);
  });

  app.get('/compare', async (c) => {
    const user = await requireUser(deps, c);
    const query = listQuery.safeParse(c.req.query());
    if (!query.success) {
      throw new AppError('validation_failed', {
        fields: [{ field: 'limit', message: 'validation.invalidValue' }],
      });
    }
    return c.json({
      items: await listComparisons(db, user.id, { limit: query.data.limit, locale: c.get('info').locale }),
    });
  });

  app.get('/compare/:compareId', async (c) => {
    const user = await requireUser(deps, c);
    return c.json(await requireComparison(db, user.id, c.req.param('compareId'), c.get('info').locale));
  });

  return app;
}
