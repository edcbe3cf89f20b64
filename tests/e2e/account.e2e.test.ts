/**
 * Account and contact journeys: sign up, sign out, sign in (en and zh), a
 * refused sign-in, and the contact form (success and a localized field error).
 */
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { findCookie, open, t, url, withSession, type Lang } from './browser';

function uniqueEmail(tag: string) {
  return `e2e-${tag}-${randomBytes(5).toString('hex')}@example.test`;
}

async function signUp(page: Page, lang: Lang, user: { name: string; email: string; password: string }) {
  await open(page, `/${lang}/sign-up`);
  await page.fill('#name', user.name);
  await page.fill('#email', user.email);
  await page.fill('#password', user.password);
  await page.locator('main form button[type=submit]').click();
  await page.waitForURL(url(`/${lang}/dashboard`));
  await page.getByTestId('dashboard-heading').waitFor();
}

async function signOut(page: Page, lang: Lang) {
  await page.locator('[data-testid=account-menu] > summary').click();
  await page.getByTestId('sign-out').click();
  await page.waitForURL(url(`/${lang}`));
  await page.getByTestId('account-menu').waitFor({ state: 'detached' });
}

async function signIn(page: Page, lang: Lang, email: string, password: string) {
  await open(page, `/${lang}/sign-in`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.locator('main form button[type=submit]').click();
}

describe('account', () => {
  it('signs up, signs out and signs in again (en)', async () => {
    await withSession(async ({ page, context }) => {
      const user = { name: 'Ada Lovelace', email: uniqueEmail('en'), password: 'correct horse battery' };
      await signUp(page, 'en', user);
      expect(await page.getByTestId('dashboard-heading').innerText()).toBe(
        t('en', 'dashboard.welcome', { name: user.name }),
      );
      const session = await findCookie(context, 'session');
      expect(session, 'a session cookie after sign-up').toBeDefined();
      expect(session!.httpOnly).toBe(true);
      expect(await page.locator('[data-testid=account-menu] > summary').innerText()).toContain(user.name);

      await signOut(page, 'en');
      expect(await findCookie(context, 'session')).toBeUndefined();
      const signInLink = page
        .locator('header')
        .getByRole('link', { name: t('en', 'nav.signIn'), exact: true });
      expect(await signInLink.isVisible()).toBe(true);
      // The dashboard is for members only now.
      await page.goto(url('/en/dashboard'));
      expect(new URL(page.url()).pathname).toBe('/en/sign-in');

      await signIn(page, 'en', user.email, user.password);
      await page.waitForURL(url('/en/dashboard'));
      expect(await page.getByTestId('dashboard-heading').innerText()).toBe(
        t('en', 'dashboard.welcome', { name: user.name }),
      );
      expect(await findCookie(context, 'session')).toBeDefined();
    });
  });

  it('signs up in Chinese with a Chinese UI, and a wrong password shows a Chinese error', async () => {
    await withSession(async ({ page, context }) => {
      const user = { name: '李雷', email: uniqueEmail('zh'), password: '正确的马电池订书钉' };
      await open(page, '/zh/sign-up');
      expect(await page.getAttribute('html', 'lang')).toBe('zh');
      expect(await page.title()).toBe(`${t('zh', 'auth.signUp.title')} · ${t('zh', 'site.name')}`);
      expect(await page.locator('main h1').innerText()).toBe(t('zh', 'auth.signUp.heading'));
      expect(await page.locator('label[for=name]').innerText()).toBe(t('zh', 'auth.name'));
      expect(await page.locator('label[for=password]').innerText()).toBe(t('zh', 'auth.password'));
      expect((await page.locator('main form button[type=submit]').innerText()).trim()).toBe(
        t('zh', 'auth.signUp.submit'),
      );

      await signUp(page, 'zh', user);
      expect(await page.getByTestId('dashboard-heading').innerText()).toBe(
        t('zh', 'dashboard.welcome', { name: user.name }),
      );
      expect(await page.getAttribute('html', 'lang')).toBe('zh');

      await signOut(page, 'zh');
      expect(await findCookie(context, 'session')).toBeUndefined();

      await signIn(page, 'zh', user.email, 'not the password');
      const alert = page.locator('main [role=alert]');
      await alert.waitFor();
      expect(await alert.innerText()).toBe(t('zh', 'error.invalid_credentials'));
      expect(new URL(page.url()).pathname).toBe('/zh/sign-in');
      expect(await findCookie(context, 'session')).toBeUndefined();
    });
  });

  it('a wrong password in English shows the English error and stays on sign-in', async () => {
    await withSession(async ({ page, context }) => {
      const user = { name: 'Grace Hopper', email: uniqueEmail('wrong'), password: 'a long passphrase' };
      await signUp(page, 'en', user);
      await signOut(page, 'en');

      await signIn(page, 'en', user.email, 'a long passphrasE');
      const alert = page.locator('main [role=alert]');
      await alert.waitFor();
      expect(await alert.innerText()).toBe(t('en', 'error.invalid_credentials'));
      expect(new URL(page.url()).pathname).toBe('/en/sign-in');
      expect(await findCookie(context, 'session')).toBeUndefined();
      expect(await page.getByTestId('account-menu').count()).toBe(0);
    });
  });
});

describe('contact', () => {
  it('sends a message (en) and shows the success message', async () => {
    await withSession(async ({ page }) => {
      await open(page, '/en/contact');
      expect(await page.locator('main h1').innerText()).toBe(t('en', 'contact.title'));
      await page.fill('#contact-name', 'Ada');
      await page.fill('#contact-email', 'ada@example.test');
      await page.fill('#contact-message', 'Hello! I would like to know more about the platform.');
      const [response] = await Promise.all([
        page.waitForResponse((r) => new URL(r.url()).pathname === '/api/contact'),
        page.locator('main form button[type=submit]').click(),
      ]);
      expect(response.status()).toBe(201);
      const success = page.getByTestId('contact-success');
      await success.waitFor();
      expect(await success.innerText()).toBe(t('en', 'contact.success'));
    });
  });

  it('refuses a too-short message with a localized field error (zh)', async () => {
    await withSession(async ({ page }) => {
      await open(page, '/zh/contact');
      await page.fill('#contact-name', '韩梅梅');
      await page.fill('#contact-email', 'meimei@example.test');
      await page.fill('#contact-message', '太短了');
      const [response] = await Promise.all([
        page.waitForResponse((r) => new URL(r.url()).pathname === '/api/contact'),
        page.locator('main form button[type=submit]').click(),
      ]);
      expect(response.status()).toBe(400);
      const fieldError = page.locator('#contact-message-error');
      await fieldError.waitFor();
      expect(await fieldError.innerText()).toBe(t('zh', 'validation.tooShort', { min: 10 }));
      expect(await page.getAttribute('#contact-message', 'aria-invalid')).toBe('true');
      expect(await page.locator('main [role=alert]').innerText()).toBe(t('zh', 'error.validation_failed'));
      expect(await page.getByTestId('contact-success').count()).toBe(0);
      // The other fields were fine.
      expect(await page.locator('#contact-name-error').count()).toBe(0);
      expect(await page.locator('#contact-email-error').count()).toBe(0);
    });
  });
});
