/**
 * Side-by-side comparison in the browser (issue 4, part 8) with the offline
 * models: one prompt on local-preview and local-sketch, the total cost shown
 * before submitting and charged exactly; both columns finish side by side
 * with their images, time taken and credits charged; the URL gets ?id= and a
 * reload shows the comparison again (form filled from it); the Chinese page
 * renders its own labels; on a phone the columns stack.
 */
import { randomBytes } from 'node:crypto';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { open, t, url, waitForHydration, withSession } from './browser';

async function signUp(page: Page) {
  await open(page, '/en/sign-up');
  await page.fill('#name', 'Ada Lovelace');
  await page.fill('#email', `e2e-compare-${randomBytes(5).toString('hex')}@example.test`);
  await page.fill('#password', 'correct horse battery');
  await page.locator('main form button[type=submit]').click();
  await page.waitForURL(url('/en/dashboard'));
}

const chipNumber = async (page: Page) =>
  Number((await page.getByTestId('credit-chip').innerText()).replace(/[^\d]/g, ''));

const column = (page: Page, index: number) => page.getByTestId('compare-column-config').nth(index);
const result = (page: Page, modelId: string) =>
  page.locator(`[data-testid=compare-result][data-model-id="${modelId}"]`);

async function box(locator: Locator) {
  const found = await locator.boundingBox();
  if (!found) throw new Error('not visible');
  return found;
}

/** Both columns finished with one image each, with a time and the credits charged. */
async function expectFinished(page: Page, lang: 'en' | 'zh') {
  for (const [modelId, price] of [
    ['local-preview', 1],
    ['local-sketch', 2],
  ] as const) {
    const column = result(page, modelId);
    await page.waitForSelector(
      `[data-testid=compare-result][data-model-id="${modelId}"][data-status=succeeded]`,
      {
        timeout: 30_000,
      },
    );
    expect(await column.getByTestId('result-thumbnail').count()).toBe(1);
    // "1.3 sec · 1.2 sec generating" (never the running stopwatch's "0:01").
    expect(await column.getByTestId('result-time').innerText()).toMatch(/\d+\.\d/);
    const credits = t(lang, `generation.credits.${price === 1 ? 'one' : 'other'}`, { count: price });
    expect(await column.getByTestId('result-cost').innerText()).toBe(
      t(lang, 'generation.cost.charged', { credits }),
    );
    await expect
      .poll(() =>
        column
          .getByTestId('result-thumbnail')
          .locator('img')
          .evaluate((img: HTMLImageElement) => img.naturalWidth),
      )
      .toBeGreaterThan(0);
  }
}

describe('compare', () => {
  it('runs one prompt on two models side by side, charges the shown total, and survives a reload', async () => {
    await withSession(async ({ page }) => {
      await signUp(page);
      expect(await chipNumber(page)).toBe(20);

      // From the generator, a link leads here.
      await open(page, '/en/generate');
      await page.getByTestId('compare-link').click();
      await page.waitForURL(url('/en/compare'));
      await page.getByTestId('compare-form').waitFor();

      await column(page, 0).getByTestId('column-model').selectOption('local-preview');
      await column(page, 1).getByTestId('column-model').selectOption('local-sketch');
      // A model another column has cannot be picked again.
      expect(
        await column(page, 1)
          .locator('option[value="local-preview"]')
          .evaluate((o: HTMLOptionElement) => o.disabled),
      ).toBe(true);
      await column(page, 0).locator('label:has(input[value="512x512"])').click();
      await column(page, 1).locator('label:has(input[value="1024x1024"])').click();
      expect(await page.getByTestId('compare-total').innerText()).toBe(
        t('en', 'generation.credits.other', { count: 3 }),
      );

      // An empty prompt is caught before anything is sent.
      await page.getByTestId('compare-submit').click();
      expect(await page.getByTestId('compare-error').innerText()).toBe(t('en', 'generate.fixErrors'));
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('compare-prompt');

      await page.getByTestId('compare-prompt').fill('a lighthouse on a cliff at dawn');
      await page.getByTestId('compare-prompt').press('Control+Enter');
      await page.waitForURL(/\/en\/compare\?id=[0-9a-f-]{36}$/);
      const compareId = new URL(page.url()).searchParams.get('id')!;
      expect(await page.getByTestId('compare-results').getAttribute('data-compare-id')).toBe(compareId);

      // Side by side, each with its own live status.
      await page.waitForSelector('[data-testid=compare-result][data-status=running] [role=progressbar]');
      const [left, right] = [
        await box(result(page, 'local-preview')),
        await box(result(page, 'local-sketch')),
      ];
      expect(Math.abs(left.y - right.y)).toBeLessThan(2);
      expect(right.x).toBeGreaterThan(left.x + left.width - 1);
      expect(await result(page, 'local-preview').getByTestId('result-model').innerText()).toBe(
        'Local preview',
      );

      await expectFinished(page, 'en');
      await expect.poll(() => chipNumber(page)).toBe(17);

      // An image opens at full size.
      await result(page, 'local-sketch').getByTestId('result-thumbnail').click();
      const lightbox = page.getByTestId('lightbox');
      await lightbox.waitFor();
      await page.keyboard.press('Escape');
      await lightbox.waitFor({ state: 'detached' });

      // A reload shows the same comparison, and the form holds its prompt and models.
      await page.reload();
      await waitForHydration(page);
      expect(new URL(page.url()).searchParams.get('id')).toBe(compareId);
      await expectFinished(page, 'en');
      expect(await page.getByTestId('compare-prompt').inputValue()).toBe('a lighthouse on a cliff at dawn');
      expect(await column(page, 1).getByTestId('column-model').inputValue()).toBe('local-sketch');
      expect(await page.getByTestId('compare-recent').getByRole('link').count()).toBe(1);

      // The same comparison in Chinese.
      await open(page, `/zh/compare?id=${compareId}`);
      expect(await page.locator('h1').innerText()).toBe(t('zh', 'compare.heading'));
      expect(await page.locator('#compare-results-heading').innerText()).toBe(
        t('zh', 'compare.results.heading'),
      );
      expect(await page.getByTestId('compare-submit').innerText()).toBe(t('zh', 'compare.submit'));
      expect(await page.getByTestId('compare-total').innerText()).toBe(
        t('zh', 'generation.credits.other', { count: 3 }),
      );
      await expectFinished(page, 'zh');
      expect(await result(page, 'local-preview').getByTestId('result-model').innerText()).toBe('本地预览');
      expect(await result(page, 'local-preview').locator('dt').first().innerText()).toBe(
        t('zh', 'generation.details.duration'),
      );

      // On a phone the columns stack.
      await page.setViewportSize({ width: 390, height: 844 });
      const [top, bottom] = [
        await box(result(page, 'local-preview')),
        await box(result(page, 'local-sketch')),
      ];
      expect(bottom.y).toBeGreaterThan(top.y + top.height - 1);
    });
  });
});
