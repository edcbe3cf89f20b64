/**
 * Prompt help in the browser (decision 017), with the DeepSeek fake as the
 * text model and a price of 1 credit (global-setup.ts): a member enhances a
 * prompt and uses the suggestion, translates a Chinese prompt and edits the
 * translation, dismisses one, sees the busy state, and sees a failure
 * inline with the credit given back. The prompt only changes when the
 * member chooses a suggestion.
 */
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { FAKE_ENHANCE_SUFFIX } from '../fakes/chat-text';
import type { QueuedFault } from '../fakes/fake-server';
import { open, t, url, waitForHydration, withSession } from './browser';

async function signUp(page: Page) {
  await open(page, '/en/sign-up');
  await page.fill('#name', 'Ada Lovelace');
  await page.fill('#email', `e2e-prompt-${randomBytes(5).toString('hex')}@example.test`);
  await page.fill('#password', 'correct horse battery');
  await page.locator('main form button[type=submit]').click();
  await page.waitForURL(url('/en/dashboard'));
}

const chipNumber = async (page: Page) =>
  Number((await page.getByTestId('credit-chip').innerText()).replace(/[^\d]/g, ''));

/** Queues a failure in the DeepSeek fake, which runs in the global setup's process. */
async function failNext(fault: QueuedFault) {
  const response = await fetch(`${inject('deepseekFakeUrl')}/__control/faults`, {
    method: 'POST',
    body: JSON.stringify(fault),
  });
  expect(response.status).toBe(204);
}

describe('prompt help', () => {
  it('enhances, translates, and only changes the prompt when the member chooses', async () => {
    await withSession(async ({ page }) => {
      await signUp(page);
      expect(await chipNumber(page)).toBe(20);
      await open(page, '/en/generate');
      await waitForHydration(page);
      const form = page.getByTestId('generator-form');
      const prompt = form.getByTestId('prompt');
      const enhance = form.getByTestId('prompt-enhance');
      await enhance.waitFor();
      expect(await enhance.innerText()).toBe(t('en', 'generate.assist.enhance'));
      // Nothing to work on yet; the price is shown.
      expect(await enhance.isDisabled()).toBe(true);
      expect(await form.getByTestId('prompt-assist-cost').innerText()).toBe(
        t('en', 'generate.assist.cost', { credits: '1 credit' }),
      );

      // Enhance: a suggestion, charged, while the prompt stays as typed until "Use this".
      await prompt.fill('a lighthouse on a cliff');
      expect(await form.getByTestId('prompt-translate').count()).toBe(0);
      await enhance.click();
      const panel = form.getByTestId('prompt-suggestion');
      await panel.waitFor();
      const suggested = `a lighthouse on a cliff, ${FAKE_ENHANCE_SUFFIX}`;
      expect(await panel.getByTestId('prompt-suggestion-text').innerText()).toBe(suggested);
      expect(await panel.getByTestId('prompt-suggestion-cost').innerText()).toBe(
        t('en', 'generate.assist.charged', { credits: '1 credit' }),
      );
      expect(await prompt.inputValue()).toBe('a lighthouse on a cliff');
      await expect.poll(() => chipNumber(page)).toBe(19);
      await panel.getByTestId('prompt-suggestion-use').click();
      await panel.waitFor({ state: 'detached' });
      expect(await prompt.inputValue()).toBe(suggested);

      // Chinese text offers a translation; "Edit" puts it in the prompt with the cursor there.
      await prompt.fill('一只橘猫坐在窗台上看日落');
      const translate = form.getByTestId('prompt-translate');
      await translate.waitFor();
      expect(await translate.innerText()).toBe(t('en', 'generate.assist.translate'));
      await translate.click();
      await panel.waitFor();
      expect(await panel.getAttribute('aria-label')).toBe(t('en', 'generate.assist.translation'));
      expect(await panel.getByTestId('prompt-suggestion-text').innerText()).toBe(
        'a ginger cat sitting on the windowsill watching the sunset',
      );
      await panel.getByTestId('prompt-suggestion-edit').click();
      await panel.waitFor({ state: 'detached' });
      expect(await prompt.inputValue()).toBe('a ginger cat sitting on the windowsill watching the sunset');
      await expect
        .poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid')))
        .toBe('prompt');
      await expect.poll(() => chipNumber(page)).toBe(18);
      // An English prompt no longer offers a translation.
      expect(await form.getByTestId('prompt-translate').count()).toBe(0);

      // Dismiss leaves the prompt alone; the busy state shows while the model works.
      await failNext({ kind: 'slow_headers', delayMs: 1_500 });
      await enhance.click();
      await expect.poll(() => enhance.innerText()).toBe(t('en', 'generate.assist.enhancing'));
      expect(await enhance.isDisabled()).toBe(true);
      await panel.waitFor();
      expect(await enhance.innerText()).toBe(t('en', 'generate.assist.enhance'));
      await panel.getByTestId('prompt-suggestion-dismiss').click();
      await panel.waitFor({ state: 'detached' });
      expect(await prompt.inputValue()).toBe('a ginger cat sitting on the windowsill watching the sunset');
      await expect.poll(() => chipNumber(page)).toBe(17);

      // A failure is shown inline, and its credit comes back.
      await failNext({ kind: 'server_error' });
      await enhance.click();
      const error = form.getByTestId('prompt-assist-error');
      await error.waitFor();
      expect(await error.innerText()).toBe(t('en', 'error.unavailable'));
      expect(await panel.count()).toBe(0);
      await page.reload();
      await waitForHydration(page);
      await expect.poll(() => chipNumber(page)).toBe(17);
    });
  });

  it('speaks the page language, errors included', async () => {
    await withSession(async ({ page }) => {
      await signUp(page);
      await open(page, '/zh/generate');
      await waitForHydration(page);
      const form = page.getByTestId('generator-form');
      await form.getByTestId('prompt-enhance').waitFor();
      await form.getByTestId('prompt').fill('雪山，水彩风格');
      const translate = form.getByTestId('prompt-translate');
      await translate.waitFor();
      expect(await translate.innerText()).toBe(t('zh', 'generate.assist.translate'));
      await failNext({ kind: 'content_policy' });
      await translate.click();
      const error = form.getByTestId('prompt-assist-error');
      await error.waitFor();
      expect(await error.innerText()).toBe(t('zh', 'error.content_policy'));
      await translate.click();
      const panel = form.getByTestId('prompt-suggestion');
      await panel.waitFor();
      expect(await panel.getByTestId('prompt-suggestion-text').innerText()).toBe(
        'snowy mountains, watercolor style',
      );
      expect(await form.getByTestId('prompt-suggestion-use').innerText()).toBe(
        t('zh', 'generate.assist.use'),
      );
    });
  });
});
