/**
 * The generation loop in the browser (issue 3, "Done when"): a new member
 * sees the starter credits, generates 4 images with the built-in provider
 * while watching the progress, finds them in the history after a reload,
 * downloads one, and the balance dropped by exactly the price shown. A
 * failed generation is refunded and says so.
 */
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { open, t, url, waitForHydration, withSession } from './browser';

async function signUp(page: Page) {
  await open(page, '/en/sign-up');
  await page.fill('#name', 'Grace Hopper');
  await page.fill('#email', `e2e-gen-${randomBytes(5).toString('hex')}@example.test`);
  await page.fill('#password', 'correct horse battery');
  await page.locator('main form button[type=submit]').click();
  await page.waitForURL(url('/en/dashboard'));
}

const chipNumber = async (page: Page) =>
  Number((await page.getByTestId('credit-chip').innerText()).replace(/[^\d]/g, ''));

describe('generate', () => {
  it('signs up, generates 4 images while watching, finds them after a reload, downloads one, pays the shown price', async () => {
    await withSession(async ({ page }) => {
      await signUp(page);
      expect(await chipNumber(page)).toBe(20);

      await open(page, '/en/generate');
      await waitForHydration(page);
      const form = page.getByTestId('generator-form');
      await form.getByTestId('model-picker').selectOption('local-preview');
      await form.locator('[data-testid=choice-size] label:has(input[value="1024x1024"])').click();
      await form.locator('[data-testid=choice-n] label:has(input[value="4"])').click();
      await form.getByTestId('prompt').fill('a lighthouse on a cliff at sunset');
      const cost = await form.getByTestId('cost-summary').innerText();
      expect(cost).toContain('8');
      // Ctrl+Enter submits from the prompt.
      await form.getByTestId('prompt').press('Control+Enter');

      const card = page.getByTestId('generation-card').first();
      await card.waitFor();
      // Live progress: the card goes through running, with a progress bar, then succeeds.
      await page.waitForSelector('[data-testid=generation-card][data-status=running] [role=progressbar]');
      await page.waitForSelector('[data-testid=generation-card][data-status=succeeded]', { timeout: 30_000 });
      expect(await card.getByTestId('generation-thumbnail').count()).toBe(4);
      const id = await card.getAttribute('data-generation-id');
      await expect.poll(() => chipNumber(page)).toBe(12);

      // After a reload, the history has it with its 4 images.
      await open(page, '/en/history');
      await page.reload();
      await waitForHydration(page);
      const entry = page.locator(`[data-testid=generation-card][data-generation-id="${id}"]`);
      await entry.waitFor();
      expect(await entry.getAttribute('data-status')).toBe('succeeded');
      expect(await entry.getByTestId('generation-thumbnail').count()).toBe(4);
      const thumbnail = entry.getByTestId('generation-thumbnail').first();
      await expect
        .poll(() => thumbnail.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth))
        .toBeGreaterThan(0);

      // Download the first image from the lightbox.
      await thumbnail.click();
      const lightbox = page.getByTestId('lightbox');
      await lightbox.waitFor();
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        lightbox.getByRole('link', { name: t('en', 'generation.download') }).click(),
      ]);
      expect(download.suggestedFilename()).toMatch(/^image-[0-9a-f]{8}-1\.png$/);
      const file = await download.path();
      const meta = await sharp(file).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['png', 1024, 1024]);
      await page.keyboard.press('Escape');
      await lightbox.waitFor({ state: 'detached' });

      // The balance dropped by exactly the price shown before submitting.
      await open(page, '/en/credits');
      expect(Number((await page.getByTestId('credits-available').innerText()).replace(/[^\d]/g, ''))).toBe(
        12,
      );
      expect(Number((await page.getByTestId('credits-held').innerText()).replace(/[^\d]/g, ''))).toBe(0);
    });
  });

  it('shows a failed generation as refunded, and the balance is untouched', async () => {
    await withSession(async ({ page }) => {
      await signUp(page);
      await open(page, '/en/generate');
      await waitForHydration(page);
      const form = page.getByTestId('generator-form');
      await form.getByTestId('model-picker').selectOption('local-sketch');
      await form.getByTestId('prompt').fill('a storm [fail:content_policy]');
      await page.getByTestId('generate-submit').click();
      await page.waitForSelector('[data-testid=generation-card][data-status=failed]', { timeout: 30_000 });
      const card = page.locator('[data-testid=generation-card][data-status=failed]');
      expect(await card.locator('[role=status]').innerText()).toContain('refunded');
      await expect.poll(() => chipNumber(page)).toBe(20);
    });
  });
});
