/**
 * K9: everything the platform stores in the browser is declared in the cookie
 * registry (name, kind, category, lifetime), and the cookie-policy page lists
 * exactly the registry. One combined journey touches every writer: accept
 * all, visit a page in another language, sign up, toggle the theme, navigate,
 * reload, sign out.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Cookie, Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import {
  consentCategories,
  cookieRegistry,
  findRegistryEntry,
  type StorageKind,
} from '../../src/shared/cookie-registry';
import {
  LANGS,
  cookies,
  expectConsentPost,
  localStorageKeys,
  open,
  sessionStorageKeys,
  t,
  url,
  waitForHydration,
  withSession,
} from './browser';

interface SeenCookie {
  cookie: Cookie;
  /** Unix seconds when it was read. */
  at: number;
  step: string;
}

describe('cookie registry (K9)', () => {
  it('every cookie and storage key of a full journey is declared, with its lifetime', async () => {
    const seenCookies: SeenCookie[] = [];
    const seenKeys = new Map<string, { kind: StorageKind; key: string; step: string }>();

    await withSession(async ({ page, context }) => {
      const observe = async (step: string, p: Page = page) => {
        const at = Date.now() / 1000;
        for (const cookie of await cookies(context)) seenCookies.push({ cookie, at, step });
        for (const key of await localStorageKeys(p))
          seenKeys.set(`localStorage:${key}`, { kind: 'localStorage', key, step });
        for (const key of await sessionStorageKeys(p))
          seenKeys.set(`sessionStorage:${key}`, { kind: 'sessionStorage', key, step });
      };

      await open(page, '/en');
      await observe('first visit');
      await expectConsentPost(page, () =>
        page
          .getByTestId('cookie-banner')
          .getByRole('button', { name: t('en', 'consent.acceptAll'), exact: true })
          .click(),
      );
      await observe('accept all');
      await open(page, '/zh/faq');
      await observe('zh page');

      await open(page, '/en/sign-up');
      await page.fill('#name', 'Registry Tester');
      await page.fill('#email', `e2e-registry-${randomBytes(5).toString('hex')}@example.test`);
      await page.fill('#password', 'a registry passphrase');
      await page.locator('main form button[type=submit]').click();
      await page.waitForURL(url('/en/dashboard'));
      await observe('signed up');

      await page.getByTestId('theme-toggle').click();
      await observe('theme');

      // Client-side navigation, then a reload (ScrollRestoration saves on pagehide).
      await page
        .locator('header nav')
        .getByRole('link', { name: t('en', 'nav.faq'), exact: true })
        .click();
      await page.waitForURL(url('/en/faq'));
      await page.mouse.wheel(0, 600);
      await page
        .locator('footer')
        .getByRole('link', { name: t('en', 'nav.cookies'), exact: true })
        .click();
      await page.waitForURL(url('/en/cookies'));
      await page.goBack();
      await page.waitForURL(url('/en/faq'));
      await page.reload();
      await waitForHydration(page);
      await observe('navigation');

      await page.locator('[data-testid=account-menu] > summary').click();
      await page.getByTestId('sign-out').click();
      await page.waitForURL(url('/en'));
      await page.getByTestId('account-menu').waitFor({ state: 'detached' });
      await observe('signed out');
    });

    // The journey did reach every writer (otherwise this test would prove nothing).
    const names = new Set(seenCookies.map((s) => s.cookie.name));
    for (const expected of ['consent', 'locale', 'session', 'theme'])
      expect(names, `saw ${expected}`).toContain(expected);

    const problems: string[] = [];
    for (const { cookie, at, step } of seenCookies) {
      const entry = findRegistryEntry('cookie', cookie.name);
      if (!entry) {
        problems.push(`cookie ${cookie.name} (${step}) is not in the registry`);
        continue;
      }
      if (entry.kind !== 'cookie') problems.push(`cookie ${cookie.name}: declared as ${entry.kind}`);
      if (!consentCategories.includes(entry.category))
        problems.push(`cookie ${cookie.name}: no valid category`);
      if (entry.httpOnly && !cookie.httpOnly)
        problems.push(`cookie ${cookie.name}: declared HttpOnly but readable by scripts`);
      if (entry.maxAgeSeconds === 'session') {
        if (cookie.expires !== -1)
          problems.push(
            `cookie ${cookie.name} (${step}): declared session-only but expires at ${cookie.expires}`,
          );
      } else if (cookie.expires !== -1 && cookie.expires - at > entry.maxAgeSeconds + 60) {
        problems.push(
          `cookie ${cookie.name} (${step}): lives ${Math.round(cookie.expires - at)} s, declared at most ${entry.maxAgeSeconds} s`,
        );
      }
    }
    for (const { kind, key, step } of seenKeys.values()) {
      const entry = findRegistryEntry(kind, key);
      if (!entry) problems.push(`${kind} key ${key} (${step}) is not in the registry`);
      else if (!consentCategories.includes(entry.category))
        problems.push(`${kind} key ${key}: no valid category`);
    }
    expect(problems).toEqual([]);
  });

  it('the server wrote no undeclared cookie for the guard to strip (server log of this run)', () => {
    // Runs after the journey above (sign-up, sign-out...). The cookie guard
    // (src/server/http/cookie-guard.ts) logs each Set-Cookie it strips at error level.
    const refused = readFileSync(inject('serverLog'), 'utf8')
      .split('\n')
      .filter((line) => line.includes('refused a cookie the registry does not declare'));
    expect(refused).toEqual([]);
  });

  it('the cookie policy in each language lists exactly the registry, each entry under its category', async () => {
    const expected = cookieRegistry.map((e) => `${e.kind}:${e.name}`).sort();
    await withSession(async ({ page }) => {
      for (const lang of LANGS) {
        const response = await open(page, `/${lang}/cookies`);
        expect(response.status()).toBe(200);
        expect(await page.locator('main h1').innerText()).toBe(t(lang, 'cookies.title'));
        const listed = await page
          .locator('[data-registry-entry]')
          .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-registry-entry') ?? ''));
        expect([...listed].sort(), lang).toEqual(expected);
        for (const entry of cookieRegistry) {
          const row = page.locator(
            `section[data-category="${entry.category}"] [data-registry-entry="${entry.kind}:${entry.name}"]`,
          );
          expect(await row.count(), `${lang}: ${entry.kind}:${entry.name} under ${entry.category}`).toBe(1);
          expect(await row.innerText()).toContain(t(lang, entry.purpose));
        }
      }
    });
  });
});
