/**
 * The Hono app. Middleware order matters and is, outside in:
 *   security headers -> /healthz
 *   -> request context (id, IP, language, consent, log line)
 *   -> /readyz -> cookie registry guard
 *   -> /api: body limit, CSRF guard, routes, JSON 404
 *   -> `/` language redirect -> pages (static, prerendered, React Router)
 * Errors of every kind end in one place (onError) as the one error shape.
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import { requestLog } from './http/request-log';
import { sql } from 'drizzle-orm';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie } from 'hono/cookie';
import { HTTPException } from 'hono/http-exception';
import { defaultLocale } from '../i18n';
import { isLocale, negotiateLocale } from '../i18n/server';
import { cookieName } from '../shared/cookie-registry';
import { adminRoutes } from './admin/routes';
import { authRoutes } from './auth/routes';
import { billingRoutes, stripeWebhookRoute } from './billing/routes';
import { compareRoutes } from './compare/routes';
import { consentRoutes } from './consent/routes';
import { contactRoutes } from './contact/routes';
import { creditRoutes } from './credits/routes';
import { generationRoutes } from './generations/routes';
import { promptRoutes } from './prompts/routes';
import { isUploadBodyRequest, uploadRoutes } from './uploads/routes';
import { webhookRoutes } from './webhooks/routes';
import { queryRows, type Database } from './db/client';
import { AppError, isAppError } from './errors';
import type { AppDeps, AppEnv } from './http/context';
import { cookieGuard } from './http/cookie-guard';
import { csrfGuard } from './http/csrf';
import { errorResponse } from './http/errors';
import { requestContext } from './http/request-context';
import { securityHeaders } from './http/security-headers';
import { pagesHandler, type PagesOptions } from './pages/handler';

/** Beyond this, /readyz warns that this process's clock and the database's disagree (reliability S9). */
const MAX_CLOCK_SKEW_SECONDS = 60;

/**
 * This process's clock minus the database's, in whole seconds. The
 * database's clock is the reference pg-boss times jobs by; on PGlite it is
 * this process's own, so the answer there is always 0.
 */
async function clockSkewAgainstDatabase(db: Database['db']): Promise<number> {
  const before = Date.now();
  const [row] = await queryRows<{ ms: string }>(
    db,
    sql`select (extract(epoch from clock_timestamp()) * 1000)::bigint::text as ms`,
  );
  const local = (before + Date.now()) / 2;
  return Math.round((local - Number(row!.ms)) / 1000);
}

export interface AppOptions {
  /**
   * True when served by start.ts's Node server, whose response class adds the
   * default security headers and enforces the cookie registry where the head
   * is written; the equivalent middlewares are then left out (each layer
   * cost ~6 % of a cheap request). In-process use (tests) keeps them.
   */
  guardedByNode?: boolean;
}

export function createApp(deps: AppDeps, pages?: PagesOptions, appOptions: AppOptions = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { config } = deps;
  const guardOptions = { secure: config.secureCookies, now: deps.now };

  const inProcess = !appOptions.guardedByNode;
  if (inProcess) app.use(securityHeaders({ https: config.secureCookies }));

  // Liveness probes come every few seconds from every balancer and must cost
  // next to nothing: answered ahead of the request context (no request id, no
  // log line, nothing worked out; ~15 % more probes per second), as a plain
  // Response with plain headers that the Node adapter writes without building
  // a Headers object. The security headers still apply (the response class).
  app.get(
    '/healthz',
    () =>
      new Response('{"status":"ok"}', {
        headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      }),
  );
  app.use(
    requestContext(deps, (c) => {
      try {
        return getConnInfo(c).remote.address;
      } catch {
        return undefined; // app.request() in tests has no socket
      }
    }),
  );
  app.get('/readyz', async (c) => {
    const draining = deps.isDraining?.() ?? false;
    let database: 'ok' | 'unreachable' | 'not_migrated' = 'ok';
    let clockSkewSeconds: number | null = null;
    try {
      if (!(await deps.database.isReady())) database = 'not_migrated';
      clockSkewSeconds = await clockSkewAgainstDatabase(deps.database.db);
    } catch (error) {
      requestLog(c).warn({ err: error }, 'readiness: database check failed');
      database = 'unreachable';
    }
    // A skewed clock does not make the instance unready, but it breaks webhook signature
    // windows (decision 020) and job timing: say so, here and in the log.
    const warnings =
      clockSkewSeconds !== null && Math.abs(clockSkewSeconds) > MAX_CLOCK_SKEW_SECONDS ? ['clock_skew'] : [];
    if (warnings.length > 0) {
      requestLog(c).warn({ clockSkewSeconds }, "readiness: this process's clock differs from the database's");
    }
    const ready = !draining && database === 'ok';
    return c.json(
      { status: ready ? 'ready' : 'not_ready', database, draining, clockSkewSeconds, warnings },
      ready ? 200 : 503,
      { 'cache-control': 'no-store' },
    );
  });

  const api = new Hono<AppEnv>();
  // Everything below /healthz and /readyz may set cookies: the registry guard applies.
  if (inProcess) api.use(cookieGuard(guardOptions));
  const jsonBodyLimit = bodyLimit({
    maxSize: config.bodyLimitBytes,
    onError: () => {
      throw new AppError('payload_too_large');
    },
  });
  // A file upload has its own limit, counted while it streams (uploads/receive-body.ts).
  api.use((c, next) => (isUploadBodyRequest(c) ? next() : jsonBodyLimit(c, next)));
  api.use(csrfGuard({ publicOrigin: config.publicUrl, exemptPrefixes: ['/api/webhooks/'] }));
  api.route('/admin', adminRoutes(deps));
  api.route('/auth', authRoutes(deps));
  api.route('/billing', billingRoutes(deps));
  api.route('/consent', consentRoutes(deps));
  api.route('/contact', contactRoutes(deps));
  api.route('/credits', creditRoutes(deps));
  api.route('/webhooks/stripe', stripeWebhookRoute(deps));
  api.route('/webhooks', webhookRoutes(deps));
  api.route('/prompts', promptRoutes(deps));
  api.route('/', generationRoutes(deps));
  api.route('/', uploadRoutes(deps));
  api.route('/', compareRoutes(deps));
  api.all('*', () => {
    throw new AppError('not_found');
  });
  app.route('/api', api);

  // `/` goes to the saved language (functional cookie), else the browser's, else English.
  app.get('/', (c) => {
    const saved = getCookie(c, cookieName('locale', config.secureCookies));
    const locale = isLocale(saved)
      ? saved
      : (negotiateLocale(c.req.header('accept-language')) ?? defaultLocale);
    c.header('vary', 'Accept-Language, Cookie');
    c.header('cache-control', 'private, no-cache');
    return c.redirect(`/${locale}`, 302);
  });

  if (pages) {
    if (inProcess) app.use('*', cookieGuard(guardOptions));
    app.all('*', pagesHandler(deps, pages));
  } else {
    app.all('*', () => {
      throw new AppError('not_found');
    });
  }

  app.onError((error, c) => {
    if (isAppError(error)) return errorResponse(c, error);
    if (error instanceof HTTPException) {
      const status = error.status;
      const code =
        status === 413
          ? 'payload_too_large'
          : status === 404
            ? 'not_found'
            : status < 500
              ? 'validation_failed'
              : 'internal';
      return errorResponse(c, new AppError(code));
    }
    requestLog(c).error({ err: error }, 'unhandled error');
    return errorResponse(c, new AppError('internal'));
  });
  app.notFound((c) => errorResponse(c, new AppError('not_found')));
  return app;
}
