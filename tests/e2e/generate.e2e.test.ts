/**
 * The generation loop in the browser (issue 3, "Done when"): a new member
 * sees the starter credits, generates 4 images with the built-in provider
 * while watching the progress, finds them in the history after a reload,
 * downloads one, and the balance dropped by exactly the price shown. A
 * failed generation is refunded and says so. A result's settings and seeds
 * come back into the form (from its card and from the lightbox), and this
 * tab's session list survives a client-side trip to the history.
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

/** Every value the generator form would submit, as the browser sees it (FormData). */
const formValues = (page: Page) =>
  page
    .getByTestId('generator-form')
    .evaluate((form: HTMLFormElement) =>
      Object.fromEntries(
        [...new FormData(form)].map(([name, value]) => [
          name,
          typeof value === 'string' ? value : value.name,
        ]),
      ),
    );

/** The data-testid of the focused element. */
const focusedTestId = (page: Page) =>
  page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null);

/** Fills the generator form; `seed: null` means a random seed. */
async function fillForm(
  page: Page,
  values: { prompt: string; modelId: string; size: string; n: number; seed: number | null; negative: string },
) {
  const form = page.getByTestId('generator-form');
  await form.getByTestId('model-picker').selectOption(values.modelId);
  await form.getByTestId('prompt').fill(values.prompt);
  await form.locator(`[data-testid=choice-size] label:has(input[value="${values.size}"])`).click();
  await form.locator(`[data-testid=choice-n] label:has(input[value="${values.n}"])`).click();
  if (values.seed === null) {
    await form.getByTestId('seed-random').check();
  } else {
    await form.getByTestId('seed-fixed').check();
    await form.getByTestId('seed-value').fill(String(values.seed));
  }
  await form.getByLabel(t('en', 'generate.negative.label'), { exact: true }).fill(values.negative);
}

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

  it('reuses a result’s settings and seeds from its card and the lightbox, and keeps the session list across a trip to the history', async () => {
    await withSession(async ({ page }) => {
      await signUp(page);
      await open(page, '/en/generate');
      await waitForHydration(page);
      const form = page.getByTestId('generator-form');
      const notice = page.getByTestId('generate-notice');

      // Not the defaults (the first model, 512x512, one image, a random seed, no negative prompt).
      const original = {
        prompt: 'a red fox curled up in fresh snow',
        modelId: 'local-preview',
        size: '768x1024',
        n: 2,
        seed: 4242,
        negative: 'blurry, watermark',
      };
      const originalValues = {
        prompt: original.prompt,
        modelId: original.modelId,
        size: original.size,
        n: '2',
        seedMode: 'fixed',
        seed: '4242',
        negativePrompt: original.negative,
      };
      await fillForm(page, original);
      expect(await formValues(page)).toEqual(originalValues);
      // 768x1024 is an HD size on the local models: 2 credits an image.
      expect(await form.getByTestId('cost-summary').innerText()).toMatch(
        new RegExp(`= ${t('en', 'generation.credits.other', { count: 4 })}$`),
      );
      await page.getByTestId('generate-submit').click();

      const card = page.getByTestId('session-generations').getByTestId('generation-card').first();
      await page
        .locator('[data-testid=session-generations] [data-testid=generation-card][data-status=succeeded]')
        .waitFor({ timeout: 30_000 });
      const id = await card.getAttribute('data-generation-id');
      expect(id).toBeTruthy();
      expect(await card.getByTestId('generation-thumbnail').count()).toBe(2);
      await expect.poll(() => chipNumber(page)).toBe(16);

      // Something else entirely, then "Reuse settings" on the card brings back every field.
      const other = {
        prompt: 'a lighthouse in a storm',
        modelId: 'local-sketch',
        size: '512x512',
        n: 3,
        seed: null,
        negative: 'people',
      };
      const otherValues = {
        prompt: other.prompt,
        modelId: other.modelId,
        size: other.size,
        n: '3',
        seedMode: 'random',
        negativePrompt: other.negative,
      };
      // A different fixed seed first, so the form holds neither the result's seed nor an empty one.
      await fillForm(page, { ...other, seed: 99 });
      await form.getByTestId('seed-random').check();
      expect(await formValues(page)).toEqual(otherValues);
      await card.getByRole('button', { name: t('en', 'generation.reuseSettings') }).click();
      await expect.poll(() => formValues(page)).toEqual(originalValues);
      await expect.poll(() => focusedTestId(page)).toBe('prompt');
      expect(await notice.innerText()).toBe(t('en', 'generate.reused'));

      // "Reuse seed" on the card: the generation's seed, nothing else changes, and an error about
      // the seed that was there (a submit refused before anything was sent) goes away.
      await fillForm(page, other);
      expect(await formValues(page)).toEqual(otherValues);
      const seedField = form.getByTestId('seed-value');
      await form.getByTestId('seed-fixed').check();
      await seedField.fill('12x');
      await form.getByTestId('prompt').press('Control+Enter');
      await expect.poll(() => seedField.getAttribute('aria-invalid')).toBe('true');
      await card.getByRole('button', { name: t('en', 'generation.reuseSeed') }).click();
      await expect.poll(() => seedField.getAttribute('aria-invalid')).toBe('false');
      await expect
        .poll(() => formValues(page))
        .toEqual({ ...otherValues, seedMode: 'fixed', seed: String(original.seed) });
      await expect.poll(() => focusedTestId(page)).toBe('seed-value');
      expect(await notice.innerText()).toBe(t('en', 'generate.reusedSeed', { seed: original.seed }));

      // From the lightbox on the second image: that image's own seed (the local renderer gives seed + index).
      await form.getByTestId('seed-random').check();
      expect(await formValues(page)).toEqual(otherValues);
      await card.getByTestId('generation-thumbnail').nth(1).click();
      const lightbox = page.getByTestId('lightbox');
      await lightbox.waitFor();
      await lightbox.getByRole('button', { name: t('en', 'generation.reuseSeed') }).click();
      await lightbox.waitFor({ state: 'detached' });
      await expect
        .poll(() => formValues(page))
        .toEqual({ ...otherValues, seedMode: 'fixed', seed: String(original.seed + 1) });
      await expect.poll(() => focusedTestId(page)).toBe('seed-value');
      expect(await notice.innerText()).toBe(t('en', 'generate.reusedSeed', { seed: original.seed + 1 }));

      // "Reuse settings" from the lightbox: the generation's settings (its seed, not the image's).
      await card.getByTestId('generation-thumbnail').nth(1).click();
      await lightbox.waitFor();
      await lightbox.getByRole('button', { name: t('en', 'generation.reuseSettings') }).click();
      await lightbox.waitFor({ state: 'detached' });
      await expect.poll(() => formValues(page)).toEqual(originalValues);
      await expect.poll(() => focusedTestId(page)).toBe('prompt');

      // To the history and back through the header's links: one document all along, the prompts
      // being written are still there, and the session list still has the generation, finished,
      // with its images and its reuse buttons.
      const draft = { prompt: 'a half-written idea about tide pools', negative: 'no people' };
      await page.getByTestId('prompt').fill(draft.prompt);
      const negativeField = page
        .getByTestId('generator-form')
        .getByLabel(t('en', 'generate.negative.label'), { exact: true });
      await negativeField.fill(draft.negative);
      await page.evaluate(() => {
        (window as unknown as { e2eSameDocument?: boolean }).e2eSameDocument = true;
      });
      const accountMenu = page.getByTestId('account-menu');
      await accountMenu.locator('summary').click();
      await accountMenu.getByRole('link', { name: t('en', 'nav.history'), exact: true }).click();
      await page.waitForURL(url('/en/history'));
      const entry = page.locator(`[data-testid=history-list] [data-generation-id="${id}"]`);
      await entry.waitFor();
      await page
        .getByRole('navigation', { name: t('en', 'nav.main') })
        .getByRole('link', { name: t('en', 'nav.generate'), exact: true })
        .click();
      await page.waitForURL(url('/en/generate'));
      const kept = page.locator(`[data-testid=session-generations] [data-generation-id="${id}"]`);
      await kept.waitFor();
      expect(
        await page.evaluate(() => (window as unknown as { e2eSameDocument?: boolean }).e2eSameDocument),
      ).toBe(true);
      await expect.poll(() => page.getByTestId('prompt').inputValue()).toBe(draft.prompt);
      expect(await negativeField.inputValue()).toBe(draft.negative);
      expect(await page.getByTestId('session-generations').getByTestId('generation-card').count()).toBe(1);
      expect(await kept.getAttribute('data-status')).toBe('succeeded');
      expect(await kept.getByTestId('generation-thumbnail').count()).toBe(2);
      await fillForm(page, other);
      await kept.getByRole('button', { name: t('en', 'generation.reuseSettings') }).click();
      await expect.poll(() => formValues(page)).toEqual(originalValues);
    });
  });
});
