/**
 * Public site journeys: landing pages, language switching, the localized
 * 404, the theme toggle (with and without functional consent) and mobile
 * layout.
 */
import { describe, expect, it } from 'vitest';
import {
  LANGS,
  expectConsentPost,
  findCookie,
  cookieNames,
  htmlTheme,
  open,
  t,
  url,
  waitForHydration,
  withSession,
} from './browser';

describe('landing page', () => {
  for (const lang of LANGS) {
    it(`renders in ${lang}: status, lang, localized title, header and a sign-up call to action`, async () => {
      await withSession(async ({ page }) => {
        const response = await open(page, `/${lang}`);
        expect(response.status()).toBe(200);
        expect(await page.getAttribute('html', 'lang')).toBe(lang);
        expect(await page.title()).toBe(`${t(lang, 'home.title')} · ${t(lang, 'site.name')}`);

        const header = page.locator('body > header, header').first();
        expect(await header.isVisible()).toBe(true);
        const home = header.getByRole('link', { name: t(lang, 'site.homeLink'), exact: true });
        expect(await home.getAttribute('href')).toBe(`/${lang}`);

        const cta = page
          .locator('main')
          .getByRole('link', { name: t(lang, 'home.hero.cta'), exact: true })
          .first();
        expect(await cta.isVisible()).toBe(true);
        expect(await cta.getAttribute('href')).toBe(`/${lang}/sign-up`);
        expect(await page.locator('main h1').first().innerText()).toContain(t(lang, 'home.hero.title'));
      });
    });
  }

  it('sends / to the language of the browser (Accept-Language)', async () => {
    await withSession(
      async ({ page }) => {
        await page.goto(url('/'));
        expect(new URL(page.url()).pathname).toBe('/zh');
      },
      { locale: 'zh-CN' },
    );
    await withSession(
      async ({ page }) => {
        await page.goto(url('/'));
        expect(new URL(page.url()).pathname).toBe('/en');
      },
      { locale: 'fr-FR' },
    );
  });
});

describe('language', () => {
  it('switches /en/faq to Chinese, and the 404 page speaks Chinese', async () => {
    await withSession(async ({ page, requests }) => {
      await open(page, '/en/faq');
      // Texts come as cacheable bundles, not inside the document's data.
      const bundles = () =>
        requests
          .filter((r) => new URL(r.url).pathname.startsWith('/i18n/'))
          .map((r) => new URL(r.url).pathname);
      expect(bundles().map((p) => p.replace(/\.[\w-]+\.json$/, ''))).toEqual([
        '/i18n/en/shell',
        '/i18n/en/faq',
      ]);
      const faqBundle = await page.request.get(url(bundles()[1]!));
      expect(faqBundle.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(((await faqBundle.json()) as Record<string, string>)['faq.title']).toBe(t('en', 'faq.title'));
      const stale = await page.request.get(
        url(bundles()[1]!.replace(/\.[\w-]+\.json$/, '.AAAAAAAAAAAA.json')),
      );
      expect(stale.status()).toBe(404);
      const html = await (await page.request.get(url('/en/faq'))).text();
      const pageData = [...html.matchAll(/<script[^>]*>([^<]*streamController\.enqueue[^<]*)<\/script>/g)];
      expect(pageData).toHaveLength(1);
      expect(pageData[0]![1]).toContain('/i18n/en/faq.');
      expect(pageData[0]![1]).not.toContain('faq.title');
      expect(await page.locator('main h1').first().innerText()).toBe(t('en', 'faq.title'));

      await page.getByTestId('language-switcher').click();
      const zhLink = page.locator('details:has([data-testid=language-switcher]) a[hreflang="zh"]');
      expect(await zhLink.isVisible()).toBe(true);
      await zhLink.click();
      await page.waitForURL(url('/zh/faq'));
      await page.waitForFunction(() => document.documentElement.lang === 'zh');
      expect(await page.locator('main h1').first().innerText()).toBe(t('zh', 'faq.title'));
      await expect.poll(() => page.title()).toBe(`${t('zh', 'faq.title')} · ${t('zh', 'site.name')}`);
      // A client-side navigation: the Chinese bundles were fetched, once each.
      expect(
        bundles()
          .filter((p) => p.startsWith('/i18n/zh/'))
          .map((p) => p.split('.')[0]),
      ).toEqual(['/i18n/zh/shell', '/i18n/zh/faq']);
      // The banner (no choice made yet) follows the page language too.
      expect(await page.getByTestId('cookie-banner').locator('h2').innerText()).toBe(
        t('zh', 'consent.banner.title'),
      );

      const response = await open(page, '/zh/no-such-page');
      expect(response.status()).toBe(404);
      expect(await page.getAttribute('html', 'lang')).toBe('zh');
      expect(await page.title()).toBe(`${t('zh', 'notFound.title')} · ${t('zh', 'site.name')}`);
      expect(await page.locator('main h1').innerText()).toBe(t('zh', 'notFound.title'));
      expect(await page.locator('main').innerText()).toContain(t('zh', 'notFound.body'));
      // The site header is there, in Chinese.
      const signUp = page.locator('header').getByRole('link', { name: t('zh', 'nav.signUp'), exact: true });
      expect(await signUp.getAttribute('href')).toBe('/zh/sign-up');
    });
  });
});

describe('theme', () => {
  it('cycles system → light → dark → system; without consent a reload forgets it', async () => {
    await withSession(async ({ page, context }) => {
      await open(page, '/en');
      expect(await htmlTheme(page)).toEqual({ dataTheme: 'system', classes: [] });
      const toggle = page.getByTestId('theme-toggle');

      await toggle.click();
      expect(await htmlTheme(page)).toEqual({ dataTheme: 'light', classes: ['light'] });
      expect(await toggle.getAttribute('data-theme-current')).toBe('light');
      await toggle.click();
      expect(await htmlTheme(page)).toEqual({ dataTheme: 'dark', classes: ['dark'] });
      await toggle.click();
      expect(await htmlTheme(page)).toEqual({ dataTheme: 'system', classes: [] });
      await toggle.click();
      await toggle.click();
      expect(await htmlTheme(page)).toEqual({ dataTheme: 'dark', classes: ['dark'] });
      expect(await cookieNames(context)).toEqual([]);

      await page.reload();
      await waitForHydration(page);
      expect(await htmlTheme(page)).toEqual({ dataTheme: 'system', classes: [] });
      expect(await page.getByTestId('theme-toggle').getAttribute('data-theme-current')).toBe('system');
    });
  });

  it('with consent, the chosen theme is in the first HTML of the next load (no flash)', async () => {
    await withSession(async ({ page, context }) => {
      await open(page, '/en');
      const banner = page.getByTestId('cookie-banner');
      await expectConsentPost(page, () =>
        banner.getByRole('button', { name: t('en', 'consent.acceptAll'), exact: true }).click(),
      );
      await banner.waitFor({ state: 'detached' });

      const toggle = page.getByTestId('theme-toggle');
      await toggle.click(); // light
      await toggle.click(); // dark
      expect(await htmlTheme(page)).toEqual({ dataTheme: 'dark', classes: ['dark'] });
      expect((await findCookie(context, 'theme'))?.value).toBe('dark');

      // A page rendered per request and prerendered pages all carry the class from
      // the first byte, and keep it after hydration.
      const dark = { dataTheme: 'dark', classes: ['dark'] };
      const afterHydration: Record<string, unknown> = {};
      for (const pathname of ['/en/sign-in', '/en', '/en/faq']) {
        const response = await page.goto(url(pathname));
        expect(response?.status()).toBe(200);
        const html = await response!.text();
        expect(html, `first HTML of ${pathname}`).toMatch(/<html[^>]*data-theme="dark" class="dark"/);
        await waitForHydration(page);
        afterHydration[pathname] = await htmlTheme(page);
      }
      expect(afterHydration).toEqual({ '/en/sign-in': dark, '/en': dark, '/en/faq': dark });
      expect((await findCookie(context, 'theme'))?.value).toBe('dark');
    });
  });
});

describe('mobile layout (390×844)', () => {
  it('has no horizontal scroll on /en, /zh, /en/sign-up and /en/cookies', async () => {
    await withSession(
      async ({ page }) => {
        const overflowing: string[] = [];
        for (const pathname of ['/en', '/zh', '/en/sign-up', '/en/cookies']) {
          const response = await open(page, pathname);
          expect(response.status()).toBe(200);
          await page.getByTestId('cookie-banner').waitFor({ state: 'visible' });
          const { scrollWidth, innerWidth } = await page.evaluate(() => ({
            scrollWidth: document.scrollingElement!.scrollWidth,
            innerWidth: window.innerWidth,
          }));
          if (scrollWidth > innerWidth)
            overflowing.push(`${pathname}: scrollWidth ${scrollWidth} > ${innerWidth}`);
        }
        expect(overflowing).toEqual([]);
      },
      { viewport: { width: 390, height: 844 } },
    );
  });
});

describe('security headers of the production server (P6, short form)', () => {
  const documentHeaders = {
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'strict-origin-when-cross-origin',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
  };

  it('pages carry the document headers and a CSP whose scripts need a hash or a nonce', async () => {
    for (const [pathname, scriptSource] of [
      ['/en', /'sha256-[A-Za-z0-9+/=]+'/], // prerendered: hashes
      ['/zh/faq', /'sha256-[A-Za-z0-9+/=]+'/],
      ['/en/sign-in', /'nonce-[A-Za-z0-9+/=]+'/], // rendered per request: a nonce
    ] as const) {
      const response = await fetch(url(pathname));
      expect(response.status, pathname).toBe(200);
      for (const [name, value] of Object.entries(documentHeaders)) {
        expect(response.headers.get(name), `${pathname} ${name}`).toBe(value);
      }
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp, pathname).toMatch(scriptSource);
      expect(csp, pathname).not.toContain("unsafe-inline' 'unsafe-eval");
      expect(csp, pathname).toContain("object-src 'none'");
      expect(csp, pathname).toContain("base-uri 'none'");
      expect(csp, pathname).toContain("frame-ancestors 'none'");
    }
  });

  it('two requests for a page rendered per request never share a nonce', async () => {
    const nonces = await Promise.all(
      [1, 2, 3].map(async () => {
        const response = await fetch(url('/en/sign-in'));
        return /'nonce-([^']+)'/.exec(response.headers.get('content-security-policy') ?? '')?.[1];
      }),
    );
    expect(new Set(nonces).size).toBe(3);
  });

  it('API and asset responses forbid everything and cannot be sniffed', async () => {
    const health = await fetch(url('/healthz'));
    expect(health.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(health.headers.get('x-content-type-options')).toBe('nosniff');
    const missing = await fetch(url('/api/nope'));
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('serves prerendered pages compressed when asked, with an ETag that revalidates', async () => {
    const plain = await fetch(url('/en'), { headers: { 'accept-encoding': 'identity' } });
    const etag = plain.headers.get('etag');
    expect(etag).toBeTruthy();
    const revalidated = await fetch(url('/en'), {
      headers: { 'if-none-match': etag!, 'accept-encoding': 'identity' },
    });
    expect(revalidated.status).toBe(304);
    const compressed = await fetch(url('/en'), { headers: { 'accept-encoding': 'br' } });
    // fetch decodes the body itself; the header tells what went over the wire.
    expect(compressed.headers.get('content-encoding')).toBe('br');
    // Each coding is its own representation, so it has its own strong ETag.
    expect(compressed.headers.get('etag')).not.toBe(etag);
    expect(await compressed.text()).toBe(await plain.text());
  });
});

describe('header menus', () => {
  it('the language menu closes on a click elsewhere and on Escape', async () => {
    await withSession(async ({ page }) => {
      await open(page, '/en');
      await waitForHydration(page);
      const menu = page.locator('header details').first();
      await page.getByTestId('language-switcher').click();
      expect(await menu.getAttribute('open')).not.toBeNull();
      await page.locator('main h1').first().click();
      expect(await menu.getAttribute('open')).toBeNull();
      await page.getByTestId('language-switcher').click();
      expect(await menu.getAttribute('open')).not.toBeNull();
      await page.keyboard.press('Escape');
      expect(await menu.getAttribute('open')).toBeNull();
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe(
        'language-switcher',
      );
    });
  });
});
