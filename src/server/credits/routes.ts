/**
 * GET /api/credits          -> { available, held }
 * GET /api/credits/history  -> { items, nextCursor }: every ledger entry of the member, newest first
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { requireUser } from '../auth/require-user';
import { AppError } from '../errors';
import type { AppDeps, AppEnv } from '../http/context';
import { getBalance } from './get-balance';
import { listEntries } from './list-entries';

const pageQuery = z.object({
  cursor: z.string().max(40).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export function creditRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const db = deps.database.db;

  app.get('/', async (c) => {
    const user = await requireUser(deps, c);
    return c.json(await getBalance(db, user.id));
  });

  app.get('/history', async (c) => {
    const user = await requireUser(deps, c);
    const query = pageQuery.safeParse(c.req.query());
    if (!query.success) {
      throw new AppError('validation_failed', {
        fields: [{ field: 'cursor', message: 'validation.invalidValue' }],
      });
    }
    const page = await listEntries(db, user.id, query.data);
    return c.json({
      items: page.items.map((item) => ({ ...item, createdAt: item.createdAt.toISOString() })),
      nextCursor: page.nextCursor,
    });
  });

  return app;
}
