/**
 * POST /api/consent: the banner's choices. Each choice is recorded as proof
 * before the consent cookie is written; cookies of categories that are not
 * (or no longer) granted are deleted in the same response.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import type { MessageKey } from '../../i18n';
import { translate } from '../../i18n/server';
import { consentActions, parseConsent, serializeConsent, type ConsentState } from '../../shared/consent';
import {
  CONSENT_MAX_AGE_SECONDS,
  COOKIE_POLICY_VERSION,
  cookieName,
  cookieRegistry,
  optionalCategories,
} from '../../shared/cookie-registry';
import { getCurrentSession } from '../auth/get-session';
import type { AppDeps, AppEnv } from '../http/context';
import { parseJsonBody } from '../http/errors';
import { recordConsent } from './record-consent';

const consentBody = z.strictObject({
  action: z.enum(consentActions),
  /** Only read for "custom": the optional categories the visitor ticked. */
  categories: z.array(z.enum(optionalCategories)).max(optionalCategories.length).optional(),
});

/** The banner's texts, in the order shown: their hash records what the visitor saw. */
export const bannerMessageKeys = [
  'consent.banner.title',
  'consent.banner.body',
  'consent.acceptAll',
  'consent.rejectAll',
  'consent.customize',
  'consent.preferences.title',
  'consent.preferences.body',
  'consent.category.essential.description',
  'consent.category.performance.description',
  'consent.category.functional.description',
  'consent.category.analytics.description',
] as const satisfies readonly MessageKey[];

export function bannerTextHash(locale: string): string {
  const text = bannerMessageKeys.map((key) => translate(locale, key)).join('\n');
  return createHash('sha256').update(text).digest('hex');
}

export function consentRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const secure = deps.config.secureCookies;
  const name = cookieName('consent', secure);

  app.post('/', async (c) => {
    const body = await parseJsonBody(c, consentBody);
    const granted =
      body.action === 'accept_all'
        ? [...optionalCategories]
        : body.action === 'custom'
          ? optionalCategories.filter((cat) => body.categories?.includes(cat))
          : [];
    // Keep the visitor's pseudonymous id across choices (even an outdated one), so proof links up.
    const previous = parseConsent(getCookie(c, name));
    const consentId = previous?.consentId ?? randomBytes(18).toString('base64url');
    const now = deps.now();
    const current = await getCurrentSession(deps, c.req.raw.headers);
    await recordConsent(deps.database.db, {
      consentId,
      userId: current?.user.id ?? null,
      policyVersion: COOKIE_POLICY_VERSION,
      categories: granted,
      action: body.action,
      uiTextHash: bannerTextHash(c.get('info').locale),
      locale: c.get('info').locale,
      at: now,
    });
    const state: ConsentState = {
      version: COOKIE_POLICY_VERSION,
      consentId,
      granted,
      decidedAt: Math.floor(now.getTime() / 1000),
    };
    c.get('info').consent = state;
    setCookie(c, name, serializeConsent(state), {
      path: '/',
      secure,
      sameSite: 'Lax',
      httpOnly: false, // the banner reads it on prerendered pages
      maxAge: CONSENT_MAX_AGE_SECONDS,
    });
    // Withdrawal: delete every cookie of a category that is not granted now.
    for (const entry of cookieRegistry) {
      if (entry.kind !== 'cookie' || entry.category === 'essential') continue;
      if (granted.includes(entry.category)) continue;
      const wireName = cookieName(entry.name, secure);
      if (getCookie(c, wireName) !== undefined) {
        deleteCookie(c, wireName, { path: '/', secure });
      }
    }
    return c.json({ consent: { version: state.version, granted, decidedAt: state.decidedAt } }, 200, {
      'cache-control': 'no-store',
    });
  });
  return app;
}
