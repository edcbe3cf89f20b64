/**
 * POST /api/webhooks/providers/:providerId/:generationId: completion
 * webhooks of asynchronous providers (provider-webhooks.ts). No session and
 * no CSRF check (the signature is the authentication); the raw body is
 * passed on untouched, since signatures cover the exact bytes.
 */
import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../http/context';
import { createWebhookReceiver } from './provider-webhooks';

export function webhookRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const receiver = createWebhookReceiver({
    db: deps.database.db,
    registry: deps.generation.providers,
    env: deps.config.providerEnv,
    logger: deps.logger,
  });
  app.post('/providers/:providerId/:generationId', async (c) => {
    const answer = await receiver.receive({
      providerId: c.req.param('providerId'),
      generationId: c.req.param('generationId'),
      headers: c.req.raw.headers,
      rawBody: new Uint8Array(await c.req.arrayBuffer()),
    });
    return c.json({ received: answer.status === 200 }, answer.status);
  });
  return app;
}
