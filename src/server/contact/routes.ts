/**
 * POST /api/contact. Rate-limited per client IP; a honeypot field that
 * people never see (bots fill it) gets the normal success answer, so bots
 * learn nothing, but nothing is stored.
 */
import { Hono } from 'hono';
import { requestLog } from '../http/request-log';
import { z } from 'zod';
import { getCurrentSession } from '../auth/get-session';
import type { AppDeps, AppEnv } from '../http/context';
import { parseJsonBody } from '../http/errors';
import { enforceRateLimit } from '../http/rate-limit';
import { createContactMessage } from './create-contact-message';

export const contactBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  email: z.string().trim().toLowerCase().max(254).pipe(z.email()),
  message: z.string().trim().min(10).max(5000),
  /** Honeypot: hidden from people, must stay empty. */
  website: z.string().max(500).optional(),
});

export function contactRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.post('/', async (c) => {
    const now = deps.now();
    await enforceRateLimit(
      deps.database.db,
      { name: 'contact:ip', max: deps.config.rateLimits.contactPerHour, windowSeconds: 3600 },
      c.get('info').clientIp,
      now,
    );
    const body = await parseJsonBody(c, contactBody);
    if (body.website) {
      requestLog(c).info('contact honeypot filled; message dropped');
      return c.json({ ok: true }, 201);
    }
    const current = await getCurrentSession(deps, c.req.raw.headers);
    await createContactMessage(deps.database.db, {
      name: body.name,
      email: body.email,
      message: body.message,
      locale: c.get('info').locale,
      userId: current?.user.id ?? null,
      at: now,
    });
    return c.json({ ok: true }, 201);
  });
  return app;
}
