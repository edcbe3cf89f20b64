/**
 * /api/auth: Better Auth behind the platform's edge. The platform validates
 * bodies itself (localized field errors), applies its own rate limits,
 * passes the client IP, answers in the one error format, and strips session
 * tokens from response bodies (the token lives only in the HttpOnly cookie).
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { isLocale } from '../../i18n/server';
import { AppError, type ErrorCode } from '../errors';
import type { AppDeps, AppEnv } from '../http/context';
import { errorResponse, parseJsonBody } from '../http/errors';
import { enforceRateLimit } from '../http/rate-limit';
import { CLIENT_IP_HEADER, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './auth';
import { getCurrentSession } from './get-session';
import { createHash } from 'node:crypto';

const email = z.string().trim().toLowerCase().max(254).pipe(z.email());

const signUpBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  email,
  password: z.string().min(PASSWORD_MIN_LENGTH).max(PASSWORD_MAX_LENGTH),
  locale: z.string().refine(isLocale).optional(),
});

const signInBody = z.strictObject({
  email,
  password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
  rememberMe: z.boolean().optional(),
});

/** Better Auth's error codes that users can meet, mapped to ours. */
const codeMap: Record<string, ErrorCode> = {
  INVALID_EMAIL_OR_PASSWORD: 'invalid_credentials',
  INVALID_EMAIL: 'validation_failed',
  INVALID_PASSWORD: 'invalid_credentials',
  USER_ALREADY_EXISTS: 'email_taken',
  USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL: 'email_taken',
  PASSWORD_TOO_SHORT: 'validation_failed',
  PASSWORD_TOO_LONG: 'validation_failed',
};

function codeForStatus(status: number): ErrorCode {
  if (status === 400 || status === 422) return 'validation_failed';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limited';
  return 'internal';
}

function stripTokens(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripTokens);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== 'token')
        .map(([key, inner]) => [key, stripTokens(inner)]),
    );
  }
  return value;
}

export function authRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const { rateLimits } = deps.config;
  const db = deps.database.db;

  async function forward(c: Context<AppEnv>, body?: unknown): Promise<Response> {
    const headers = new Headers(c.req.raw.headers);
    headers.set(CLIENT_IP_HEADER, c.get('info').clientIp);
    const init: RequestInit = { method: c.req.method, headers };
    if (body !== undefined) {
      headers.set('content-type', 'application/json');
      headers.delete('content-length');
      init.body = JSON.stringify(body);
    } else if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      init.body = await c.req.arrayBuffer();
    }
    const response = await deps.auth.handler(new Request(c.req.raw.url, init));
    return normalizeResponse(c, response);
  }

  async function normalizeResponse(c: Context<AppEnv>, response: Response): Promise<Response> {
    const type = response.headers.get('content-type') ?? '';
    if (!type.includes('application/json')) return response;
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    headers.set('cache-control', 'no-store');
    if (response.status >= 400) {
      const payload = (await response.json().catch(() => ({}))) as { code?: string };
      const code = (payload.code && codeMap[payload.code]) || codeForStatus(response.status);
      const error = errorResponse(c, new AppError(code));
      for (const cookie of response.headers.getSetCookie()) error.headers.append('set-cookie', cookie);
      return error;
    }
    const text = await response.text();
    const body = text ? JSON.stringify(stripTokens(JSON.parse(text))) : text;
    return new Response(body, { status: response.status, headers });
  }

  app.post('/sign-up/email', async (c) => {
    await enforceRateLimit(
      db,
      { name: 'sign-up:ip', max: rateLimits.signUpPerHour, windowSeconds: 3600 },
      c.get('info').clientIp,
      deps.now(),
    );
    const body = await parseJsonBody(c, signUpBody);
    return forward(c, { ...body, locale: body.locale ?? c.get('info').locale });
  });

  app.post('/sign-in/email', async (c) => {
    const now = deps.now();
    await enforceRateLimit(
      db,
      { name: 'sign-in:ip', max: rateLimits.signInPerMinute, windowSeconds: 60 },
      c.get('info').clientIp,
      now,
    );
    const body = await parseJsonBody(c, signInBody);
    // Per-account throttle against credential stuffing from many addresses:
    // 10 attempts per 15 minutes per email, keyed by a hash (no email in the table).
    const emailKey = createHash('sha256').update(body.email).digest('base64url');
    await enforceRateLimit(db, { name: 'sign-in:account', max: 10, windowSeconds: 900 }, emailKey, now);
    return forward(c, body);
  });

  // Our own get-session: it applies the absolute lifetime and never returns the token.
  app.get('/get-session', async (c) => {
    const current = await getCurrentSession(deps, c.req.raw.headers);
    c.header('cache-control', 'no-store');
    return c.json(current);
  });

  app.all('/*', (c) => forward(c));
  return app;
}
